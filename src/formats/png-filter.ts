/** PNG row filters (ISO/IEC 15948 §9.2), shared by PNG strips and PDF's PNG predictors. */

/** Undoes filter `type` (0 none, 1 sub, 2 up, 3 average, 4 Paeth) of one row into `out`. */
export function unfilter(type: number, src: Uint8Array, out: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = out.length
  switch (type) {
    case 0:
      out.set(src)
      break
    case 1:
      for (let i = 0; i < n; i++) out[i] = src[i]! + (i >= bpp ? out[i - bpp]! : 0)
      break
    case 2:
      for (let i = 0; i < n; i++) out[i] = src[i]! + prev[i]!
      break
    case 3:
      for (let i = 0; i < n; i++) out[i] = src[i]! + (((i >= bpp ? out[i - bpp]! : 0) + prev[i]!) >> 1)
      break
    case 4:
      for (let i = 0; i < n; i++) out[i] = src[i]! + paeth(i >= bpp ? out[i - bpp]! : 0, prev[i]!, i >= bpp ? prev[i - bpp]! : 0)
      break
  }
}

export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}
