/**
 * The Worker's image-marking parts: codec WebAssembly modules and the CJK font, bundled
 * with the script (CompiledWasm and Data modules), each loaded once per isolate.
 */
// @ts-expect-error the package types this file as wasm-bindgen exports; bundled, it is a Module
import pngCodec from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm'
import jpegDecoder from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'
import jpegEncoder from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'
import webpDecoder from '@jsquash/webp/codec/dec/webp_dec.wasm'
import webpEncoder from '@jsquash/webp/codec/enc/webp_enc_simd.wasm'
import font from '@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-700-normal.woff'
import type { ImageMarkSpec } from '../label/image-mark'
import { jsquashCodecs } from './codecs'
import type { MarkContext } from './mark-image'
import type { Watermarker } from './watermarker'

export const codecs = jsquashCodecs({ pngCodec, jpegDecoder, jpegEncoder, webpDecoder, webpEncoder })

/** The visible mark when a spec is given, the watermark when a watermarker is. */
export function markContext(spec: ImageMarkSpec | undefined, watermark?: Watermarker): MarkContext {
  return { spec, font, codecs, ...(watermark ? { watermark } : {}) }
}
