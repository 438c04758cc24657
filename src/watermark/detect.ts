/**
 * Finds the keyed tile in RGBA pixels: whitened luma on a ≤ 1 MP box downscale; the tile
 * period from the autocorrelation (scale); the residual folded at that period and
 * cross-correlated with each key's pilot (offset and a presence score); the payload chips
 * read at the peak and decoded by soft Viterbi.
 */
import { CODED_BITS, decodePayload } from './code'
import { fft, fft2 } from './fft'
import { boxMean, highPass } from './luma'
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

/** Luma on a box downscale to at most 1 MP, summed straight from the pixels. */
function workingLuma(rgba: ArrayLike<number>, width: number, height: number): { y: Float32Array; w: number; h: number } {
  const d = Math.max(1, Math.ceil(Math.sqrt((width * height) / 2 ** 20)))
  const w = Math.floor(width / d)
  const h = Math.floor(height / d)
  const y = new Float32Array(w * h)
  const scale = 1 / (d * d)
  for (let j = 0; j < h; j++) {
    const out = j * w
    for (let b = 0; b < d; b++) {
      let p = (j * d + b) * width * 4
      for (let i = 0; i < w; i++) {
        let sum = 0
        for (let a = 0; a < d; a++, p += 4) sum += 0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!
        y[out + i] = y[out + i]! + sum * scale
      }
    }
  }
  return { y, w, h }
}

/** High-pass residual normalised by its local magnitude, so edges do not drown the chips. */
function whitened(y: Float32Array, w: number, h: number): Float32Array {
  const r = highPass(y, w, h)
  const mag = boxMean(r.map(Math.abs), w, h, 4)
  return r.map((v, i) => v / (mag[i]! + 1))
}

const AUTOCORRELATION_WINDOW = 736
const MIN_PERIOD = 24
const MAX_PERIOD = 288

/**
 * The mean product of the residual with itself shifted by each lag along rows and along
 * columns, over a centre crop of at most AUTOCORRELATION_WINDOW² (linear, not circular: a
 * crop that leaves only a few periods still shows its period). Rows go two at a time
 * through one complex FFT, their power spectra summed.
 */
function lagProducts(r: Float32Array, w: number, h: number, maxLag: number): Float64Array {
  const cw = Math.min(w, AUTOCORRELATION_WINDOW)
  const ch = Math.min(h, AUTOCORRELATION_WINDOW)
  const x0 = (w - cw) >> 1
  const y0 = (h - ch) >> 1
  const total = new Float64Array(maxLag + 1)
  const along = (length: number, lines: number, at: (line: number, i: number) => number) => {
    let n = 64
    while (n < length + maxLag) n <<= 1
    const power = new Float64Array(n)
    const re = new Float64Array(n)
    const im = new Float64Array(n)
    for (let line = 0; line < lines; line += 2) {
      re.fill(0)
      im.fill(0)
      for (let i = 0; i < length; i++) {
        re[i] = at(line, i)
        if (line + 1 < lines) im[i] = at(line + 1, i)
      }
      fft(re, im, false)
      for (let k = 0; k < n; k++) power[k] = power[k]! + re[k]! * re[k]! + im[k]! * im[k]!
    }
    // Two real lines in one transform: their summed spectra are the symmetric part.
    for (let k = 0; k < n; k++) {
      re[k] = (power[k]! + power[(n - k) % n]!) / 2
      im[k] = 0
    }
    fft(re, im, true)
    for (let l = 0; l <= maxLag; l++) total[l] = total[l]! + re[l]! / (n * lines * (length - l))
  }
  along(cw, ch, (j, i) => r[(y0 + j) * w + x0 + i]!)
  along(ch, cw, (i, j) => r[(y0 + j) * w + x0 + i]!)
  return total
}

/** Candidate tile periods (working pixels): the most prominent lag products, with their doubles. */
function candidatePeriods(r: Float32Array, w: number, h: number): number[] {
  const maxLag = Math.min(MAX_PERIOD, Math.floor(Math.min(w, h, AUTOCORRELATION_WINDOW) / 2))
  if (maxLag < MIN_PERIOD + 12) return []
  const s = lagProducts(r, w, h, maxLag)
  const prominence = (l: number) => {
    let sum = 0
    let n = 0
    for (let d = -8; d <= 8; d++) if (Math.abs(d) > 2 && l + d <= maxLag) (sum += s[l + d]!), n++
    return s[l]! - sum / n
  }
  const scored: { l: number; v: number }[] = []
  for (let l = MIN_PERIOD; l < maxLag - 8; l++) scored.push({ l, v: prominence(l) + (2 * l < maxLag - 8 ? prominence(2 * l) : 0) })
  scored.sort((a, b) => b.v - a.v)
  const picked: number[] = []
  for (const { l } of scored) {
    if (picked.length === 3) break
    if (picked.some((p) => Math.abs(p - l) < 3)) continue
    const a = s[l - 1]!
    const b = s[l]!
    const c = s[l + 1]!
    const denom = a - 2 * b + c
    picked.push(l + (denom < 0 ? (0.5 * (a - c)) / denom : 0))
  }
  return picked
}

/** The residual summed into TILE × TILE bins at period p (origin at the image centre), per bin mean. */
function fold(r: Float32Array, w: number, h: number, p: number): Float64Array {
  const sum = new Float64Array(TILE * TILE)
  const bins = (length: number) => {
    const bin = new Int32Array(length)
    const count = new Float64Array(TILE)
    for (let v = 0; v < length; v++) {
      const u = Math.floor((((v - (length >> 1)) * TILE) / p) % TILE)
      bin[v] = u < 0 ? u + TILE : u
      count[bin[v]!]!++
    }
    return { bin, count }
  }
  const cols = bins(w)
  const rows = bins(h)
  for (let y = 0, i = 0; y < h; y++) {
    const row = rows.bin[y]! * TILE
    for (let x = 0; x < w; x++, i++) {
      const b = row + cols.bin[x]!
      sum[b] = sum[b]! + r[i]!
    }
  }
  for (let b = 0; b < TILE * TILE; b++) {
    const n = rows.count[Math.floor(b / TILE)]! * cols.count[b % TILE]!
    sum[b] = n ? sum[b]! / Math.sqrt(n) : 0
  }
  return sum
}

interface Peak {
  z: number
  offset: number
  folded: Float64Array
  keyIndex: number
  period: number
}

const erfc = (x: number) => {
  // Abramowitz–Stegun 7.1.26 is too coarse in the far tail; use the continued-fraction-free asymptotic bound there.
  if (x > 5) return Math.exp(-x * x) / (x * Math.sqrt(Math.PI))
  const t = 1 / (1 + 0.3275911 * x)
  return t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x)
}

const COARSE_STEP = 0.003
const COARSE_STEPS = [-2, -1, 0, 1, 2].map((k) => k * COARSE_STEP)
const FINEST_STEP = 0.00075

/** The pilot's circular cross-correlation with the fold (both as spectra): its top and z-score. */
function pilotPeak(fr: Float64Array, fi: Float64Array, pilot: { re: Float64Array; im: Float64Array }): { z: number; top: number } {
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
  return { z: (re[top]! - mean) / Math.sqrt(variance / re.length), top }
}

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
  let folds = 0
  const tryPeriod = (period: number): Peak => {
    folds++
    const folded = fold(r, w, h, period)
    const fr = Float64Array.from(folded)
    const fi = new Float64Array(TILE * TILE)
    fft2(fr, fi, TILE, false)
    let peak: Peak | undefined
    pilots.forEach((pilot, keyIndex) => {
      const { z, top } = pilotPeak(fr, fi, pilot)
      if (!peak || z > peak.z) peak = { z, offset: top, folded, keyIndex, period }
    })
    return peak!
  }
  let best: Peak | undefined
  for (const base of periods) {
    // Coarse steps over the estimate's error, then halving around the best.
    let here = COARSE_STEPS.map((step) => tryPeriod(base * (1 + step))).reduce((a, b) => (b.z > a.z ? b : a))
    for (let step = COARSE_STEP / 2; step >= FINEST_STEP; step /= 2) {
      here = [here, tryPeriod(here.period * (1 - step)), tryPeriod(here.period * (1 + step))].reduce((a, b) => (b.z > a.z ? b : a))
    }
    if (!best || here.z > best.z) best = here
    // A period that shows the pilot is the tile's: the other candidates need not be folded.
    if (best.z >= PRESENCE_Z) break
  }
  if (!best) return { present: false, score: 0, pValue: 1 }
  // Independent tests: chip-level offsets × periods folded × keys.
  const tests = GRID * GRID * folds * keys.length
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
