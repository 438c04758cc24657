/** Luma and box filters over Float32Array planes. */

/** BT.601 luma of RGBA pixels. */
export function lumaOf(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const y = new Float32Array(width * height)
  for (let i = 0, p = 0; i < y.length; i++, p += 4) y[i] = 0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!
  return y
}

/** Mean over a (2r+1)² window, clamped at the edges, from a summed-area table. */
export function boxMean(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const w1 = width + 1
  const sat = new Float64Array(w1 * (height + 1))
  for (let y = 0; y < height; y++) {
    let row = 0
    for (let x = 0; x < width; x++) {
      row += src[y * width + x]!
      sat[(y + 1) * w1 + x + 1] = sat[y * w1 + x + 1]! + row
    }
  }
  const out = new Float32Array(width * height)
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r)
    const y1 = Math.min(height, y + r + 1)
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - r)
      const x1 = Math.min(width, x + r + 1)
      const sum = sat[y1 * w1 + x1]! - sat[y0 * w1 + x1]! - sat[y1 * w1 + x0]! + sat[y0 * w1 + x0]!
      out[y * width + x] = sum / ((y1 - y0) * (x1 - x0))
    }
  }
  return out
}

/** |Y − local mean|: the texture that hides the pattern when embedding, the noise detect must whiten. */
export function highPass(y: Float32Array, width: number, height: number): Float32Array {
  const mean = boxMean(y, width, height, 1)
  return y.map((v, i) => v - mean[i]!)
}
