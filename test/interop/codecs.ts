import { readFileSync } from 'node:fs'
import { jsquashCodecs } from '../../src/image/codecs'

// Node has WebAssembly.compile; the Workers types this project compiles with do not declare it.
const wasm = (path: string): Promise<WebAssembly.Module> => (WebAssembly as any).compile(readFileSync(`node_modules/@jsquash/${path}`))

/** The same codecs the Worker uses, compiled from the package files. */
export const codecs = jsquashCodecs({
  pngCodec: await wasm('png/codec/pkg/squoosh_png_bg.wasm'),
  jpegDecoder: await wasm('jpeg/codec/dec/mozjpeg_dec.wasm'),
  jpegEncoder: await wasm('jpeg/codec/enc/mozjpeg_enc.wasm'),
  webpDecoder: await wasm('webp/codec/dec/webp_dec.wasm'),
  webpEncoder: await wasm('webp/codec/enc/webp_enc_simd.wasm'),
})

const font = readFileSync('node_modules/@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-700-normal.woff')
export const FONT = font.buffer.slice(font.byteOffset, font.byteOffset + font.length) as ArrayBuffer
