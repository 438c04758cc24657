/** The 8 × 8 DCT of JPEG blocks, with quantisation, in zig-zag order. Pure. */

/** Zig-zag index → natural (row-major) index of an 8 × 8 block. */
export const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42,
  49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
])

// 8-point DCT basis: COS[u * 8 + x] = C(u)/2 · cos((2x + 1)uπ/16).
const COS = Float64Array.from({ length: 64 }, (_, i) => {
  const u = i >> 3
  const x = i & 7
  return (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16)
})

/** Dequantised zig-zag coefficients → 8 × 8 samples (level-shifted, clamped). */
export function inverseDct(block: Int16Array, at: number, quant: Uint16Array, out: Float64Array): void {
  const coef = new Float64Array(64)
  for (let k = 0; k < 64; k++) coef[ZIGZAG[k]!] = block[at + k]! * quant[ZIGZAG[k]!]!
  const tmp = new Float64Array(64)
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0
      for (let v = 0; v < 8; v++) s += COS[v * 8 + y]! * coef[v * 8 + u]!
      tmp[y * 8 + u] = s
    }
  }
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let s = 0
      for (let u = 0; u < 8; u++) s += COS[u * 8 + x]! * tmp[y * 8 + u]!
      out[y * 8 + x] = Math.min(255, Math.max(0, Math.round(s + 128)))
    }
  }
}

/** 8 × 8 samples → quantised zig-zag coefficients. */
export function forwardDct(samples: Float64Array, quant: Uint16Array, block: Int16Array, at: number): void {
  const tmp = new Float64Array(64)
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0
      for (let x = 0; x < 8; x++) s += COS[u * 8 + x]! * (samples[y * 8 + x]! - 128)
      tmp[y * 8 + u] = s
    }
  }
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0
      for (let y = 0; y < 8; y++) s += COS[v * 8 + y]! * tmp[y * 8 + u]!
      const natural = v * 8 + u
      block[at + INVERSE_ZIGZAG[natural]!] = Math.round(s / quant[natural]!)
    }
  }
}

/** 8 × 8 samples (no level shift) → DCT coefficients in zig-zag order, not quantised. */
export function dctCoefficients(samples: Float64Array): Float64Array {
  const out = new Float64Array(64)
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += COS[v * 8 + y]! * COS[u * 8 + x]! * samples[y * 8 + x]!
      out[INVERSE_ZIGZAG[v * 8 + u]!] = s
    }
  }
  return out
}

export const toByte = (v: number) => Math.min(255, Math.max(0, Math.round(v)))

const INVERSE_ZIGZAG = Uint8Array.from({ length: 64 }, (_, natural) => ZIGZAG.indexOf(natural))

