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
import { FormatError } from '../formats/bytes'

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

type Codec = 'pngDecode' | 'pngEncode' | 'jpegDecode' | 'jpegEncode' | 'webpDecode' | 'webpEncode'

/**
 * emscripten's exit() throws ExitStatus (not an Error) and a trap throws RuntimeError; both
 * leave the instance mid-call (stack and heap as they were), so it must not serve again.
 */
const leftInstanceBroken = (error: unknown) =>
  error instanceof WebAssembly.RuntimeError || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ExitStatus')

/**
 * Codec instances are made once per isolate: re-instantiating per call would hand a grown
 * wasm heap back sooner, but costs ~130 ms a 1024² JPEG; the pixel limits bound how far a
 * heap grows instead. An instance that exited or trapped is replaced before the next call
 * (the mozjpeg and libwebp ones; the png crate's wasm-bindgen glue keeps its one instance,
 * and its decoder fails by throwing, which leaves it usable).
 */
export function jsquashCodecs(modules: CodecModules): RasterCodecs {
  const inits: Record<Codec, () => Promise<unknown>> = {
    pngDecode: () => initPngDecode(modules.pngCodec),
    pngEncode: () => initPngEncode(modules.pngCodec),
    jpegDecode: () => initJpegDecode(modules.jpegDecoder),
    jpegEncode: () => initJpegEncode(modules.jpegEncoder),
    webpDecode: () => initWebpDecode(modules.webpDecoder),
    webpEncode: () => initWebpEncode(modules.webpEncoder),
  }
  const ready = new Map<Codec, Promise<unknown>>()
  async function run<T>(codec: Codec, call: () => Promise<T>): Promise<T> {
    if (!ready.has(codec)) ready.set(codec, inits[codec]())
    await ready.get(codec)
    try {
      return await call()
    } catch (error) {
      if (leftInstanceBroken(error)) ready.delete(codec)
      throw error
    }
  }
  return {
    async decode(format, bytes) {
      const decoder = format === 'png' ? decodePngWasm : format === 'jpeg' ? decodeJpegWasm : decodeWebpWasm
      try {
        const image = await run(`${format}Decode`, () => decoder(toBuffer(bytes)))
        return { width: image.width, height: image.height, data: image.data }
      } catch (error) {
        // The file is what the decoder could not read: a 422 with its reason, never a 500.
        const reason = String((error as { message?: unknown } | null)?.message ?? error)
        throw new FormatError(`the ${format} image data cannot be decoded: ${reason}`)
      }
    },
    async encodePng(pixels) {
      return new Uint8Array(await run('pngEncode', () => encodePngWasm(asImageData(pixels))))
    },
    async encodeJpeg(pixels, quality) {
      // Standard (Annex K) tables, sequential: quality then means what the source's did.
      // Huffman optimisation would keep every coefficient of the image in memory at once.
      const options = { quality, quant_table: 0, progressive: false, optimize_coding: false, trellis_loops: 1 }
      return new Uint8Array(await run('jpegEncode', () => encodeJpegWasm(asImageData(pixels), options)))
    },
    async encodeWebp(pixels, { lossless, quality }) {
      return new Uint8Array(await run('webpEncode', () => encodeWebpWasm(asImageData(pixels), { lossless: lossless ? 1 : 0, quality, exact: 1 })))
    },
  }
}
