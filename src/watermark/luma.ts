/** Luma and box filters over Float32Array planes. */

/** BT.601 luma of RGBA pixels. */
export function lumaOf(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const y = new Float32Array(width * height)
  for (let i = 0, p = 0; i < y.length; i++, p += 4) y[i] = 0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!
  return y
}

/** Mean over a (2r+1)² window, clamped at the edges: running sums along rows, then down columns. */
export function boxMean(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const across = new Float32Array(width * height)
  for (let y = 0; y < height; y++) {
    const row = y * width
    let sum = 0
    for (let x = 0; x < Math.min(r, width); x++) sum += src[row + x]!
    for (let x = 0; x < width; x++) {
      if (x + r < width) sum += src[row + x + r]!
      if (x - r - 1 >= 0) sum -= src[row + x - r - 1]!
      across[row + x] = sum / (Math.min(width - 1, x + r) - Math.max(0, x - r) + 1)
    }
  }
  const out = new Float32Array(width * height)
  const sums = new Float64Array(width)
  for (let y = 0; y < Math.min(r, height); y++) for (let x = 0; x < width; x++) sums[x] = sums[x]! + across[y * width + x]!
  for (let y = 0; y < height; y++) {
    const add = y + r < height ? (y + r) * width : -1
    const drop = y - r - 1 >= 0 ? (y - r - 1) * width : -1
    const n = Math.min(height - 1, y + r) - Math.max(0, y - r) + 1
    for (let x = 0; x < width; x++) {
      if (add >= 0) sums[x] = sums[x]! + across[add + x]!
      if (drop >= 0) sums[x] = sums[x]! - across[drop + x]!
      out[y * width + x] = sums[x]! / n
    }
  }
  return out
}

/** |Y − local mean|: the texture that hides the pattern when embedding, the noise detect must whiten. */
export function highPass(y: Float32Array, width: number, height: number): Float32Array {
  const mean = boxMean(y, width, height, 1)
  return y.map((v, i) => v - mean[i]!)
}
