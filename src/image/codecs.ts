/**
 * Pixel codecs for the formats the strip pipeline cannot handle: @jsquash (Squoosh's
 * mozjpeg, libwebp and the Rust png crate, compiled to WebAssembly). The compiled modules
 * come from the caller: workerd imports the .wasm files, Node compiles them from disk.
 */
import decodeJpegWasm, { init as initJpegDecode } from '@jsquash/jpeg/decode'
import encodeJpegWasm, { init as initJpegEncode } from '@jsquash/jpeg/encode'
import decodePngWasm, { init as initPngDecode } from '@jsquash/png/decode'
import encodePngWasm, { init as initPngEncode } from '@jsquash/png/encode'
import decodeWebpWasm, { init as initWebpDecode } from '@jsquash/webp/decode'
import encodeWebpWasm, { init as initWebpEncode } from '@jsquash/webp/encode'

export interface Pixels {
  width: number
  height: number
  /** RGBA, 8 bits a sample, straight alpha. */
  data: Uint8ClampedArray
}

export interface RasterCodecs {
  decode(format: 'png' | 'jpeg' | 'webp', bytes: Uint8Array): Promise<Pixels>
  encodePng(pixels: Pixels): Promise<Uint8Array>
  encodeJpeg(pixels: Pixels, quality: number): Promise<Uint8Array>
  encodeWebp(pixels: Pixels, options: { lossless: boolean; quality: number }): Promise<Uint8Array>
}

export interface CodecModules {
  pngCodec: WebAssembly.Module
  jpegDecoder: WebAssembly.Module
  jpegEncoder: WebAssembly.Module
  webpDecoder: WebAssembly.Module
  /** The SIMD build: workerd and Node both have WebAssembly SIMD. */
  webpEncoder: WebAssembly.Module
}

const toBuffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
// jsquash types its input as the DOM ImageData; these three fields are all it reads.
const asImageData = (p: Pixels) => p as never

/**
 * Codec instances are made once per isolate: re-instantiating per call would hand a grown
 * wasm heap back sooner, but costs ~130 ms a 1024² JPEG; the pixel limit in mark-image.ts
 * bounds how far a heap grows instead.
 */
export function jsquashCodecs(modules: CodecModules): RasterCodecs {
  let ready: Promise<unknown> | undefined
  const init = () =>
    (ready ??= Promise.all([
      initPngDecode(modules.pngCodec),
      initPngEncode(modules.pngCodec),
      initJpegDecode(modules.jpegDecoder),
      initJpegEncode(modules.jpegEncoder),
      initWebpDecode(modules.webpDecoder),
      initWebpEncode(modules.webpEncoder),
    ]))
  return {
    async decode(format, bytes) {
      await init()
      const decoder = format === 'png' ? decodePngWasm : format === 'jpeg' ? decodeJpegWasm : decodeWebpWasm
      const image = await decoder(toBuffer(bytes))
      return { width: image.width, height: image.height, data: image.data }
    },
    async encodePng(pixels) {
      await init()
      return new Uint8Array(await encodePngWasm(asImageData(pixels)))
    },
    async encodeJpeg(pixels, quality) {
      await init()
      // Standard (Annex K) tables, sequential: quality then means what the source's did.
      // Huffman optimisation would keep every coefficient of the image in memory at once.
      const options = { quality, quant_table: 0, progressive: false, optimize_coding: false, trellis_loops: 1 }
      return new Uint8Array(await encodeJpegWasm(asImageData(pixels), options))
    },
    async encodeWebp(pixels, { lossless, quality }) {
      await init()
      return new Uint8Array(await encodeWebpWasm(asImageData(pixels), { lossless: lossless ? 1 : 0, quality, exact: 1 }))
    },
  }
}
