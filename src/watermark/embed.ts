/**
 * Adds the keyed tile to the luminance of RGBA pixels, in place. The amplitude follows a
 * perceptual mask (local texture takes more, flat areas less), scaled so the whole image
 * lands near TARGET_PSNR, and is capped per pixel at both ends so flat graphics are never
 * pushed up to that target.
 */
import { encodePayload } from './code'
import { boxMean, highPass, lumaOf } from './luma'
import { CHIP, chipValues, GRID, tilePattern } from './pattern'

const TARGET_PSNR = 38.6
const MIN_AMPLITUDE = 1.5
const MAX_AMPLITUDE = 9

/** Tile pixels per image pixel: the tile grows with the image, so a ≤ 1 MP downscale sees ~128 px tiles. */
export function embedScale(width: number, height: number): number {
  return Math.max(1, Math.round(Math.sqrt(width * height) / 1024))
}

export function embedWatermark(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, key: Uint8Array, payload: ArrayLike<number>): void {
  const chips = chipValues(tilePattern(key), encodePayload(payload))
  const luma = lumaOf(rgba, width, height)
  const texture = boxMean(highPass(luma, width, height).map(Math.abs), width, height, 3)
  const targetMse = (255 * 255) / 10 ** (TARGET_PSNR / 10)
  const amplitude = (gain: number, t: number) => Math.min(MAX_AMPLITUDE, Math.max(MIN_AMPLITUDE, gain * t))
  const mse = (gain: number) => {
    let sum = 0
    for (let i = 0; i < texture.length; i += 7) sum += amplitude(gain, texture[i]!) ** 2
    return sum / Math.ceil(texture.length / 7)
  }
  let low = 0
  let high = 64
  for (let i = 0; i < 30; i++) {
    const mid = (low + high) / 2
    if (mse(mid) < targetMse) low = mid
    else high = mid
  }
  const chipPixels = CHIP * embedScale(width, height)
  for (let y = 0; y < height; y++) {
    const row = (Math.floor(y / chipPixels) % GRID) * GRID
    for (let x = 0; x < width; x++) {
      const i = y * width + x
      const delta = Math.round(amplitude(low, texture[i]!) * chips[row + (Math.floor(x / chipPixels) % GRID)]!)
      const p = i * 4
      for (let c = p; c < p + 3; c++) rgba[c] = Math.min(255, Math.max(0, rgba[c]! + delta))
    }
  }
}
