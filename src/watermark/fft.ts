/** Radix-2 complex FFT over Float64Array pairs, in place; sizes are powers of two. */

const twiddles = new Map<number, { cos: Float64Array; sin: Float64Array; reversed: Uint32Array }>()

/** cos/sin of 2πk/n for k < n/2 and the bit-reversal permutation, made once per size. */
function tablesFor(n: number) {
  let t = twiddles.get(n)
  if (!t) {
    const cos = Float64Array.from({ length: n >> 1 }, (_, k) => Math.cos((2 * Math.PI * k) / n))
    const sin = Float64Array.from({ length: n >> 1 }, (_, k) => Math.sin((2 * Math.PI * k) / n))
    const reversed = new Uint32Array(n)
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1
      for (; j & bit; bit >>= 1) j ^= bit
      j ^= bit
      reversed[i] = j
    }
    t = { cos, sin, reversed }
    twiddles.set(n, t)
  }
  return t
}

export function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length
  const { cos, sin, reversed } = tablesFor(n)
  for (let i = 1; i < n; i++) {
    const j = reversed[i]!
    if (i < j) {
      const r = re[i]!
      re[i] = re[j]!
      re[j] = r
      const m = im[i]!
      im[i] = im[j]!
      im[j] = m
    }
  }
  const direction = inverse ? 1 : -1
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1
    const stride = n / len
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const cr = cos[k * stride]!
        const ci = direction * sin[k * stride]!
        const a = i + k
        const b = a + half
        const tr = re[b]! * cr - im[b]! * ci
        const ti = re[b]! * ci + im[b]! * cr
        re[b] = re[a]! - tr
        im[b] = im[a]! - ti
        re[a] = re[a]! + tr
        im[a] = im[a]! + ti
      }
    }
  }
}

/** 2-D FFT of a size × size grid (row-major), in place. */
export function fft2(re: Float64Array, im: Float64Array, size: number, inverse: boolean): void {
  for (let r = 0; r < size; r++) fft(re.subarray(r * size, (r + 1) * size), im.subarray(r * size, (r + 1) * size), inverse)
  const colRe = new Float64Array(size)
  const colIm = new Float64Array(size)
  for (let c = 0; c < size; c++) {
    for (let r = 0; r < size; r++) {
      colRe[r] = re[r * size + c]!
      colIm[r] = im[r * size + c]!
    }
    fft(colRe, colIm, inverse)
    for (let r = 0; r < size; r++) {
      re[r * size + c] = colRe[r]!
      im[r * size + c] = colIm[r]!
    }
  }
}
