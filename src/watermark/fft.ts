/** Radix-2 complex FFT over Float64Array pairs, in place; sizes are powers of two. */
export function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1
    for (; j & bit; bit >>= 1) j ^= bit
    j ^= bit
    if (i < j) {
      ;[re[i], re[j]] = [re[j]!, re[i]!]
      ;[im[i], im[j]] = [im[j]!, im[i]!]
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len
    const wr = Math.cos(angle)
    const wi = Math.sin(angle)
    for (let i = 0; i < n; i += len) {
      let cr = 1
      let ci = 0
      for (let k = 0; k < len / 2; k++) {
        const a = i + k
        const b = a + len / 2
        const tr = re[b]! * cr - im[b]! * ci
        const ti = re[b]! * ci + im[b]! * cr
        re[b] = re[a]! - tr
        im[b] = im[a]! - ti
        re[a] = re[a]! + tr
        im[a] = im[a]! + ti
        const next = cr * wr - ci * wi
        ci = cr * wi + ci * wr
        cr = next
      }
    }
  }
}

/** 2-D FFT of a size × size grid (row-major), in place. */
export function fft2(re: Float64Array, im: Float64Array, size: number, inverse: boolean): void {
  const rowRe = new Float64Array(size)
  const rowIm = new Float64Array(size)
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const i = pass === 0 ? r * size + c : c * size + r
        rowRe[c] = re[i]!
        rowIm[c] = im[i]!
      }
      fft(rowRe, rowIm, inverse)
      for (let c = 0; c < size; c++) {
        const i = pass === 0 ? r * size + c : c * size + r
        re[i] = rowRe[c]!
        im[i] = rowIm[c]!
      }
    }
  }
}
