/**
 * Adds the keyed tile to the luminance, band by band. The amplitude follows a perceptual
 * mask (local texture takes more, flat areas less): each band's gain is set so the band
 * lands near TARGET_PSNR, but never above MAX_GAIN times the local texture, and the
 * amplitude is capped per pixel at both ends, so flat graphics are never pushed up to the
 * target. Bands make the same marks whether the caller holds the whole image (WebP, GIF
 * frames) or streams rows (PNG strips); the JPEG path uses the gain on block textures.
 */
import { encodePayload } from './code'
import { boxMean, highPass, lumaOf } from './luma'
import { CHIP, chipValues, GRID, tilePattern } from './pattern'

const TARGET_PSNR = 38.6
const MIN_AMPLITUDE = 1.5
const MAX_AMPLITUDE = 9
/** The amplitude is at most this many times the local texture (above MIN_AMPLITUDE). */
const MAX_GAIN = 2.5
const TARGET_MSE = (255 * 255) / 10 ** (TARGET_PSNR / 10)
/** Rows a band's texture needs above and below it: the 3 × 3 high-pass, then the 7 × 7 mean. */
export const CONTEXT_ROWS = 4
export const BAND_ROWS = 64

/** Tile pixels per image pixel: the tile grows with the image, so a ≤ 1 MP downscale sees ~128 px tiles. */
export function embedScale(width: number, height: number): number {
  return Math.max(1, Math.round(Math.sqrt(width * height) / 1024))
}

export const amplitudeAt = (gain: number, texture: number) => Math.min(MAX_AMPLITUDE, Math.max(MIN_AMPLITUDE, gain * texture))

const BINS = 256
// Texture in quarter levels up to 64: beyond that the amplitude is at its cap for any gain a photo gets.
const BIN_WIDTH = 0.25

/** The gain whose mean squared amplitude over `texture` is TARGET_MSE, at most MAX_GAIN. */
export function bandGain(texture: ArrayLike<number>, from = 0, to = texture.length): number {
  const histogram = new Float64Array(BINS)
  for (let i = from; i < to; i++) histogram[Math.min(BINS - 1, Math.floor(texture[i]! / BIN_WIDTH))]!++
  const n = Math.max(1, to - from)
  const mse = (gain: number) => {
    let sum = 0
    for (let b = 0; b < BINS; b++) if (histogram[b]) sum += histogram[b]! * amplitudeAt(gain, (b + 0.5) * BIN_WIDTH) ** 2
    return sum / n
  }
  if (mse(MAX_GAIN) <= TARGET_MSE) return MAX_GAIN
  let low = 0
  let high = MAX_GAIN
  for (let i = 0; i < 24; i++) {
    const mid = (low + high) / 2
    if (mse(mid) < TARGET_MSE) low = mid
    else high = mid
  }
  return low
}

/** The keyed pattern for one image: ±1 per pixel, chips of CHIP × embedScale pixels. */
export class TileWatermark {
  private readonly chips: Int8Array
  readonly chipPixels: number

  constructor(width: number, height: number, key: Uint8Array, payload: ArrayLike<number>) {
    this.chips = chipValues(tilePattern(key), encodePayload(payload))
    this.chipPixels = CHIP * embedScale(width, height)
  }

  /** ±1 at image pixel (x, y). */
  sign(x: number, y: number): number {
    return this.chips[(Math.floor(y / this.chipPixels) % GRID) * GRID + (Math.floor(x / this.chipPixels) % GRID)]!
  }

  /**
   * Integer luma changes for `count` rows from image row `y0`, given the luma of those rows
   * with up to CONTEXT_ROWS rows around them (`above` of them before, the rest after).
   */
  bandDeltas(luma: Float32Array, width: number, above: number, count: number, y0: number): Int8Array {
    const rows = luma.length / width
    const detail = highPass(luma, width, rows)
    for (let i = 0; i < detail.length; i++) detail[i] = Math.abs(detail[i]!)
    const texture = boxMean(detail, width, rows, 3)
    const gain = bandGain(texture, above * width, (above + count) * width)
    const column = this.columns(width)
    const deltas = new Int8Array(count * width)
    for (let y = 0; y < count; y++) {
      const signs = this.chips.subarray((Math.floor((y0 + y) / this.chipPixels) % GRID) * GRID)
      const t = (above + y) * width
      const out = y * width
      for (let x = 0; x < width; x++) deltas[out + x] = Math.round(amplitudeAt(gain, texture[t + x]!) * signs[column[x]!]!)
    }
    return deltas
  }

  private columnCache: Uint8Array | undefined

  /** The tile column of each image column. */
  private columns(width: number): Uint8Array {
    if (this.columnCache?.length !== width) this.columnCache = Uint8Array.from({ length: width }, (_, x) => Math.floor(x / this.chipPixels) % GRID)
    return this.columnCache
  }
}

/** Rows [y0, y0 + count) of the band and its context rows, as the band's luma. */
function bandLuma(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, y0: number, count: number): { luma: Float32Array; above: number } {
  const top = Math.max(0, y0 - CONTEXT_ROWS)
  const bottom = Math.min(height, y0 + count + CONTEXT_ROWS)
  return { luma: lumaOf(rgba.subarray(top * width * 4, bottom * width * 4), width, bottom - top), above: y0 - top }
}

/** The watermark on whole RGBA pixels, in place, band by band. */
export function embedWatermark(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, key: Uint8Array, payload: ArrayLike<number>): void {
  const mark = new TileWatermark(width, height, key, payload)
  for (let y0 = 0; y0 < height; y0 += BAND_ROWS) {
    const count = Math.min(BAND_ROWS, height - y0)
    const { luma, above } = bandLuma(rgba, width, height, y0, count)
    const deltas = mark.bandDeltas(luma, width, above, count, y0)
    for (let i = 0, p = y0 * width * 4; i < deltas.length; i++, p += 4) {
      const d = deltas[i]!
      if (!d) continue
      rgba[p] = Math.min(255, Math.max(0, rgba[p]! + d))
      rgba[p + 1] = Math.min(255, Math.max(0, rgba[p + 1]! + d))
      rgba[p + 2] = Math.min(255, Math.max(0, rgba[p + 2]! + d))
    }
  }
}
