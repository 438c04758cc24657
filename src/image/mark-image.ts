/**
 * Puts the visible mark on an image and re-encodes it in its own format: PNG in strips
 * (keeping colour type and every ancillary chunk); JPEG in the coefficient domain (only
 * the mark's blocks change, every segment and the quantisation tables stay; progressive
 * files come out sequential); other JPEGs re-encoded at the source's estimated quality with their APPn/COM segments
 * (EXIF, ICC…) carried over; WebP lossless or lossy as it was, with its ICC profile, EXIF and XMP; GIF frame by frame. Animated
 * PNG and WebP are refused: marking only their first frame would pass the others on unlabelled.
 */
import { concat, FormatError, latin1, u16be, u16le, u24le, u32be } from '../formats/bytes'
import { formatFor } from '../formats'
import { jpegSegments } from '../formats/jpeg'
import { pngChunks } from '../formats/png'
import { webpChunks, withMetadataOf } from '../formats/webp'
import { blendRow, placeMark, type ImageMarkSpec, type MarkOverlay, type Placement } from '../label/image-mark'
import { checkLimit, type LimitName } from '../limits'
import type { Pixels, RasterCodecs } from './codecs'
import { markGif } from './gif-mark'
import { markJpegBlocks } from './jpeg-blocks'
import { markPngStrips, pngHeader, stripLayout, type LabelFor, type PngHeader } from './png-mark'
import { embedWatermark, type WatermarkEmbedding } from '../watermark'
import type { Watermarker } from './watermarker'

export interface MarkContext {
  /** The visible mark; without it only the watermark goes on the pixels. */
  spec: ImageMarkSpec | undefined
  font: ArrayBuffer
  codecs: RasterCodecs
  /** The invisible watermark, added after the visible mark in the same pass (not on GIF). */
  watermark?: Watermarker
}

const NO_MARK: Placement = { overlay: { width: 0, height: 0, rgba: new Uint8ClampedArray(0), inkTop: 0, inkBottom: 0 }, x: 0, y: 0 }

/** The formats whose pixels take the watermark: a GIF's palette would snap its small changes back. */
export const takesWatermark = (format: string) => format !== 'gif'

/**
 * The image with the visible mark (when a spec is given), the watermark (when an
 * embedding is given) and exactly one implicit label, from `labelFor`.
 */
export async function markImage(bytes: Uint8Array, ctx: MarkContext, labelFor: LabelFor, watermark?: WatermarkEmbedding): Promise<Uint8Array> {
  const format = formatFor(bytes)
  // Every path re-encodes in the input's own format.
  const label = async (out: Uint8Array) => format.write(out, await labelFor(() => format.content(out)))
  format.read(bytes) // validates the container before any pixel work
  const { width, height } = imageSize(bytes, format.name)
  if (width < 1 || height < 1) throw new FormatError('the image has no pixels')
  const { spec } = ctx
  const place = (w: number, h: number) => (spec ? placeMark(ctx.font, spec, w, h) : NO_MARK)
  const watermarkPixels = (pixels: Pixels) => {
    if (watermark) embedWatermark(pixels.data, pixels.width, pixels.height, watermark.key, watermark.payload)
  }

  if (format.name === 'png') {
    const chunks = pngChunks(bytes)
    if (chunks.some((c) => c.type === 'acTL')) throw new FormatError('animated PNG: the gateway cannot mark every frame, so it refuses it')
    const header = pngHeader(chunks)
    const layout = stripLayout(header)
    checkSize(width, height, layout ? 'imageStripPixels' : 'imageDecodedPixels')
    // Within the area a row can still be huge (67108864×1): checked before any row buffer.
    checkLimit('pngRowBytes', pngRowBytes(header), `a ${width}-pixel PNG row`)
    if (layout) return await markPngStrips(bytes, chunks, layout, place, labelFor, watermark)
    const pixels = await ctx.codecs.decode('png', bytes)
    blendPixels(pixels, place(pixels.width, pixels.height))
    watermarkPixels(pixels)
    return label(await ctx.codecs.encodePng(pixels))
  }
  if (format.name === 'jpeg') {
    checkSize(width, height, 'imageStripPixels')
    // Components: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK.
    if (jpegFrameHeader(bytes)[5] === 4) {
      // mozjpeg in wasm cannot convert CMYK/YCCK to RGBA (it exits), and the coefficient
      // path codes grey and YCbCr only: marking these would need the Adobe transform.
      throw new FormatError('CMYK/YCCK JPEG: the gateway cannot put the visible mark on four-component JPEGs (take mark=implicit)')
    }
    const blocks = markJpegBlocks(bytes, orientedPlacement({ width, height }, exifOrientation(bytes), place), watermark)
    if (blocks) return label(blocks)
    // Other JPEG kinds: whole-image pixels, within the decoded-size limit.
    checkLimit('imageDecodedPixels', width * height, `${width}×${height} (an arithmetic-coded or 12-bit JPEG, or a progressive one beyond 64 MB of coefficients, is decoded whole)`)
    const pixels = await ctx.codecs.decode('jpeg', bytes)
    blendPixels(pixels, orientedPlacement(pixels, exifOrientation(bytes), place))
    watermarkPixels(pixels)
    const encoded = await ctx.codecs.encodeJpeg(pixels, estimateJpegQuality(bytes))
    return label(withSegmentsOf(bytes, encoded))
  }
  if (format.name === 'webp') {
    const chunks = webpChunks(bytes)
    if (chunks.some((c) => c.fourcc === 'ANIM' || c.fourcc === 'ANMF')) throw new FormatError('animated WebP: the gateway cannot mark every frame, so it refuses it')
    checkSize(width, height, 'imageDecodedPixels')
    const lossless = chunks.some((c) => c.fourcc === 'VP8L')
    const pixels = await ctx.codecs.decode('webp', bytes)
    blendPixels(pixels, place(pixels.width, pixels.height))
    watermarkPixels(pixels)
    return label(withMetadataOf(bytes, await ctx.codecs.encodeWebp(pixels, { lossless, quality: 90 })))
  }
  checkSize(width, height, 'imageDecodedPixels')
  return label(spec ? markGif(bytes, spec, place) : bytes)
}

function checkSize(width: number, height: number, limit: LimitName): void {
  checkLimit(limit, width * height, `${width}×${height} pixels`)
}

const PNG_SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }

/** Bytes of one unfiltered row as the header describes it, before any row is allocated. */
function pngRowBytes({ width, bitDepth, colorType }: PngHeader): number {
  return Math.ceil((width * (PNG_SAMPLES[colorType] ?? 4) * bitDepth) / 8)
}

/** The payload of the JPEG's frame header (SOFn): precision, height, width, components… */
function jpegFrameHeader(bytes: Uint8Array): Uint8Array {
  const sof = jpegSegments(bytes).segments.find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(s.marker))
  if (!sof || sof.payload.length < 6) throw new FormatError('JPEG has no frame header')
  return sof.payload
}

/** Width and height from the file header, before anything is decoded. */
export function imageSize(bytes: Uint8Array, format: string): { width: number; height: number } {
  if (format === 'png') {
    const { width, height } = pngHeader(pngChunks(bytes))
    return { width, height }
  }
  if (format === 'jpeg') {
    const sof = jpegFrameHeader(bytes)
    return { width: u16be(sof, 3), height: u16be(sof, 1) }
  }
  if (format === 'webp') {
    const first = webpChunks(bytes)[0]!
    const d = first.data
    if (first.fourcc === 'VP8X' && d.length >= 10) return { width: u24le(d, 4) + 1, height: u24le(d, 7) + 1 }
    if (first.fourcc === 'VP8L' && d.length >= 5) {
      const bits = d[1]! | (d[2]! << 8) | (d[3]! << 16) | (d[4]! << 24)
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 }
    }
    if (first.fourcc === 'VP8 ' && d.length >= 10) return { width: (d[6]! | (d[7]! << 8)) & 0x3fff, height: (d[8]! | (d[9]! << 8)) & 0x3fff }
    throw new FormatError('corrupt WebP header')
  }
  if (format === 'gif') return { width: u16le(bytes, 6), height: u16le(bytes, 8) }
  throw new FormatError(`${format} is not an image format`)
}

function blendPixels(pixels: Pixels, placement: Placement): void {
  const rows = new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.length)
  const stride = pixels.width * 4
  const end = Math.min(pixels.height, placement.y + placement.overlay.height)
  for (let y = placement.y; y < end; y++) {
    blendRow(rows.subarray(y * stride, (y + 1) * stride), { channels: 4, sampleBytes: 1 }, y, placement, pixels.width)
  }
}

/**
 * Decoders hand over the stored pixels; viewers turn them by the EXIF orientation. The
 * mark is placed where the viewer will see it and turned into stored coordinates.
 */
function orientedPlacement(pixels: { width: number; height: number }, orientation: number, place: (w: number, h: number) => Placement): Placement {
  if (orientation <= 1 || orientation > 8) return place(pixels.width, pixels.height)
  const swap = orientation >= 5
  const shown = place(swap ? pixels.height : pixels.width, swap ? pixels.width : pixels.height)
  const { overlay } = shown
  const w = swap ? overlay.height : overlay.width
  const h = swap ? overlay.width : overlay.height
  const rgba = new Uint8ClampedArray(w * h * 4)
  // Stored (sx, sy) of a displayed pixel (dx, dy), for a W × H stored image.
  const W = pixels.width
  const H = pixels.height
  const toStored = (dx: number, dy: number): [number, number] => {
    switch (orientation) {
      case 2: return [W - 1 - dx, dy]
      case 3: return [W - 1 - dx, H - 1 - dy]
      case 4: return [dx, H - 1 - dy]
      case 5: return [dy, dx]
      case 6: return [dy, H - 1 - dx]
      case 7: return [W - 1 - dy, H - 1 - dx]
      default: return [W - 1 - dy, dx] // 8
    }
  }
  const corners = [toStored(shown.x, shown.y), toStored(shown.x + overlay.width - 1, shown.y + overlay.height - 1)]
  const left = Math.min(corners[0]![0], corners[1]![0])
  const top = Math.min(corners[0]![1], corners[1]![1])
  for (let my = 0; my < overlay.height; my++) {
    for (let mx = 0; mx < overlay.width; mx++) {
      const [sx, sy] = toStored(shown.x + mx, shown.y + my)
      const from = (my * overlay.width + mx) * 4
      rgba.set(overlay.rgba.subarray(from, from + 4), ((sy - top) * w + (sx - left)) * 4)
    }
  }
  const turned: MarkOverlay = { width: w, height: h, rgba, inkTop: overlay.inkTop, inkBottom: overlay.inkBottom }
  return { overlay: turned, x: left, y: top }
}

/** EXIF orientation (tag 0x0112) from the APP1 Exif segment, 1 when absent. */
export function exifOrientation(bytes: Uint8Array): number {
  const app1 = jpegSegments(bytes).segments.find((s) => s.marker === 0xe1 && latin1(s.payload, 0, 6) === 'Exif\0\0')
  if (!app1) return 1
  const tiff = app1.payload.subarray(6)
  if (tiff.length < 8) return 1
  const little = tiff[0] === 0x49
  const u16 = (i: number) => (little ? tiff[i]! | (tiff[i + 1]! << 8) : u16be(tiff, i))
  const u32 = (i: number) => (little ? (tiff[i]! | (tiff[i + 1]! << 8) | (tiff[i + 2]! << 16) | (tiff[i + 3]! << 24)) >>> 0 : u32be(tiff, i))
  const ifd = u32(4)
  if (ifd + 2 > tiff.length) return 1
  const count = u16(ifd)
  for (let i = 0; i < count && ifd + 2 + i * 12 + 12 <= tiff.length; i++) {
    const entry = ifd + 2 + i * 12
    if (u16(entry) === 0x0112) return u16(entry + 8)
  }
  return 1
}

// IJG's standard luminance table (JPEG Annex K.1), in zig-zag order as DQT stores it.
const STD_LUMINANCE = [
  16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
  56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92,
  101, 103, 99,
]

/** The IJG quality whose scaled standard table best matches the file's luminance table. */
export function estimateJpegQuality(bytes: Uint8Array): number {
  for (const s of jpegSegments(bytes).segments) {
    if (s.marker !== 0xdb) continue
    let at = 0
    while (at < s.payload.length) {
      const precision = s.payload[at]! >> 4
      const id = s.payload[at]! & 15
      const size = precision ? 128 : 64
      if (at + 1 + size > s.payload.length) break
      if (id === 0) {
        let sum = 0
        for (let i = 0; i < 64; i++) sum += precision ? u16be(s.payload, at + 1 + i * 2) : s.payload[at + 1 + i]!
        const scale = (sum * 100) / STD_LUMINANCE.reduce((a, b) => a + b, 0)
        const quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale
        return Math.max(1, Math.min(100, Math.round(quality)))
      }
      at += 1 + size
    }
  }
  return 90
}

/** The encoder's image segments under the source's APPn and COM segments (EXIF, ICC, XMP…). */
function withSegmentsOf(source: Uint8Array, encoded: Uint8Array): Uint8Array {
  const isMeta = (marker: number) => (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe
  const src = jpegSegments(source)
  const enc = jpegSegments(encoded)
  return concat([
    encoded.subarray(0, 2),
    ...src.segments.filter((s) => isMeta(s.marker)).map((s) => source.subarray(s.start, s.end)),
    ...enc.segments.filter((s) => !isMeta(s.marker)).map((s) => encoded.subarray(s.start, s.end)),
    encoded.subarray(enc.scan),
  ])
}
