/**
 * Finds the keyed tile in RGBA pixels: whitened luma on a ≤ 1 MP box downscale; the tile
 * period from the autocorrelation (scale); the residual folded at that period and
 * cross-correlated with each key's pilot (offset and a presence score); the payload chips
 * read at the peak and decoded by soft Viterbi.
 */
import { CODED_BITS, decodePayload } from './code'
import { fft2 } from './fft'
import { boxMean, highPass, lumaOf } from './luma'
import { CHIP, GRID, TILE, tilePattern } from './pattern'

/** Presence threshold on the pilot peak's z-score (see the bench's unmarked set). */
export const PRESENCE_Z = 7

export interface WatermarkReading {
  present: boolean
  score: number
  pValue: number
  /** Index of the key that matched, with its payload when the CRC checks. */
  keyIndex?: number
  payload?: Uint8Array
}

function workingLuma(rgba: ArrayLike<number>, width: number, height: number): { y: Float32Array; w: number; h: number } {
  const d = Math.max(1, Math.ceil(Math.sqrt((width * height) / 2 ** 20)))
  const full = lumaOf(rgba, width, height)
  if (d === 1) return { y: full, w: width, h: height }
  const w = Math.floor(width / d)
  const h = Math.floor(height / d)
  const y = new Float32Array(w * h)
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) {
    let sum = 0
    for (let b = 0; b < d; b++) for (let a = 0; a < d; a++) sum += full[(j * d + b) * width + i * d + a]!
    y[j * w + i] = sum / (d * d)
  }
  return { y, w, h }
}

/** High-pass residual normalised by its local magnitude, so edges do not drown the chips. */
function whitened(y: Float32Array, w: number, h: number): Float32Array {
  const r = highPass(y, w, h)
  const mag = boxMean(r.map(Math.abs), w, h, 4)
  return r.map((v, i) => v / (mag[i]! + 1))
}

/** Candidate tile periods (working pixels) from the autocorrelation of a centre crop. */
function candidatePeriods(r: Float32Array, w: number, h: number): number[] {
  let size = 512
  while (size > 64 && (size > w || size > h)) size >>= 1
  const re = new Float64Array(size * size)
  const im = new Float64Array(size * size)
  const x0 = (w - size) >> 1
  const y0 = (h - size) >> 1
  for (let j = 0; j < size; j++) for (let i = 0; i < size; i++) re[j * size + i] = r[(y0 + j) * w + x0 + i]!
  fft2(re, im, size, false)
  for (let i = 0; i < re.length; i++) {
    re[i] = re[i]! * re[i]! + im[i]! * im[i]!
    im[i] = 0
  }
  fft2(re, im, size, true)
  const half = size >> 1
  const s = (l: number) => (l < half ? re[l]! + re[l * size]! : 0)
  const prominence = (l: number) => {
    let sum = 0
    let n = 0
    for (let d = -8; d <= 8; d++) if (Math.abs(d) > 2 && l + d < half) (sum += s(l + d)), n++
    return s(l) - sum / n
  }
  const scored: { l: number; v: number }[] = []
  for (let l = 24; l < half - 8; l++) scored.push({ l, v: prominence(l) + (2 * l < half - 8 ? prominence(2 * l) : 0) })
  scored.sort((a, b) => b.v - a.v)
  const picked: number[] = []
  for (const { l } of scored) {
    if (picked.length === 3) break
    if (picked.some((p) => Math.abs(p - l) < 3)) continue
    const a = s(l - 1)
    const b = s(l)
    const c = s(l + 1)
    const denom = a - 2 * b + c
    picked.push(l + (denom < 0 ? (0.5 * (a - c)) / denom : 0))
  }
  return picked
}

/** The residual summed into TILE × TILE bins at period p (origin at the image centre), per bin mean. */
function fold(r: Float32Array, w: number, h: number, p: number): Float64Array {
  const sum = new Float64Array(TILE * TILE)
  const count = new Float64Array(TILE * TILE)
  const bin = (v: number, centre: number) => {
    const u = Math.floor((((v - centre) * TILE) / p) % TILE)
    return u < 0 ? u + TILE : u
  }
  const bx = Int32Array.from({ length: w }, (_, x) => bin(x, w >> 1))
  for (let y = 0; y < h; y++) {
    const row = bin(y, h >> 1) * TILE
    for (let x = 0; x < w; x++) {
      sum[row + bx[x]!] = sum[row + bx[x]!]! + r[y * w + x]!
      count[row + bx[x]!] = count[row + bx[x]!]! + 1
    }
  }
  return sum.map((v, i) => (count[i] ? v / Math.sqrt(count[i]!) : 0))
}

interface Peak {
  z: number
  offset: number
  folded: Float64Array
  keyIndex: number
}

const erfc = (x: number) => {
  // Abramowitz–Stegun 7.1.26 is too coarse in the far tail; use the continued-fraction-free asymptotic bound there.
  if (x > 5) return Math.exp(-x * x) / (x * Math.sqrt(Math.PI))
  const t = 1 / (1 + 0.3275911 * x)
  return t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x)
}

const REFINE = [-0.006, -0.0045, -0.003, -0.0015, 0, 0.0015, 0.003, 0.0045, 0.006]

export function detectWatermark(rgba: ArrayLike<number>, width: number, height: number, keys: Uint8Array[]): WatermarkReading {
  const { y, w, h } = workingLuma(rgba, width, height)
  const r = whitened(y, w, h)
  const patterns = keys.map(tilePattern)
  const pilots = patterns.map((pattern) => {
    const re = new Float64Array(TILE * TILE)
    const im = new Float64Array(TILE * TILE)
    for (let b = 0; b < TILE * TILE; b++) {
      const chip = Math.floor(Math.floor(b / TILE) / CHIP) * GRID + Math.floor((b % TILE) / CHIP)
      if (pattern.role[chip]! < 0) re[b] = pattern.sign[chip]!
    }
    fft2(re, im, TILE, false)
    return { re, im }
  })
  const periods = candidatePeriods(r, w, h)
  let best: Peak | undefined
  for (const base of periods) for (const step of REFINE) {
    const folded = fold(r, w, h, base * (1 + step))
    const fr = Float64Array.from(folded)
    const fi = new Float64Array(TILE * TILE)
    fft2(fr, fi, TILE, false)
    pilots.forEach((pilot, keyIndex) => {
      const re = new Float64Array(TILE * TILE)
      const im = new Float64Array(TILE * TILE)
      for (let i = 0; i < re.length; i++) {
        re[i] = fr[i]! * pilot.re[i]! + fi[i]! * pilot.im[i]!
        im[i] = fi[i]! * pilot.re[i]! - fr[i]! * pilot.im[i]!
      }
      fft2(re, im, TILE, true)
      let mean = 0
      let top = 0
      for (let i = 0; i < re.length; i++) {
        mean += re[i]!
        if (re[i]! > re[top]!) top = i
      }
      mean /= re.length
      let variance = 0
      for (let i = 0; i < re.length; i++) variance += (re[i]! - mean) ** 2
      const z = (re[top]! - mean) / Math.sqrt(variance / re.length)
      if (!best || z > best.z) best = { z, offset: top, folded, keyIndex }
    })
  }
  if (!best) return { present: false, score: 0, pValue: 1 }
  // Independent tests: chip-level offsets × periods tried × keys.
  const tests = GRID * GRID * periods.length * REFINE.length * keys.length
  const pValue = Math.min(1, tests * 0.5 * erfc(best.z / Math.SQRT2))
  const present = best.z >= PRESENCE_Z
  const reading: WatermarkReading = { present, score: best.z, pValue }
  if (!present) return reading
  const pattern = patterns[best.keyIndex]!
  const soft = new Float64Array(CODED_BITS)
  const dy = Math.floor(best.offset / TILE)
  const dx = best.offset % TILE
  for (let chip = 0; chip < GRID * GRID; chip++) {
    const bit = pattern.role[chip]!
    if (bit < 0) continue
    const cy = Math.floor(chip / GRID) * CHIP
    const cx = (chip % GRID) * CHIP
    let v = 0
    for (let j = 0; j < CHIP; j++) for (let i = 0; i < CHIP; i++) v += best.folded[((dy + cy + j) % TILE) * TILE + ((dx + cx + i) % TILE)]!
    soft[bit] = soft[bit]! + v * pattern.sign[chip]!
  }
  const payload = decodePayload(soft)
  return { ...reading, keyIndex: best.keyIndex, ...(payload ? { payload } : {}) }
}
