/**
 * The visible mark on a PNG, in strips: the image data is inflated and deflated as a
 * stream of rows, and only the rows under the mark (plus the one after them, whose filter
 * refers back) are unfiltered, blended and filtered again. Memory stays at a few rows plus
 * the compressed output, so an 8192 × 8192 image fits in a Worker; every other chunk is
 * copied as it is.
 */
import { Unzlib, Zlib } from 'fflate'
import { concat, crc32, FormatError, putU32be, u32be, utf8 } from '../formats/bytes'
import { pngChunks } from '../formats/png'
import { blendRow, type PixelLayout, type Placement } from '../label/image-mark'

export interface PngHeader {
  width: number
  height: number
  bitDepth: number
  colorType: number
  interlace: number
}

export function pngHeader(bytes: Uint8Array): PngHeader {
  const ihdr = pngChunks(bytes)[0]!.data
  return { width: u32be(ihdr, 0), height: u32be(ihdr, 4), bitDepth: ihdr[8]!, colorType: ihdr[9]!, interlace: ihdr[12]! }
}

const CHANNELS: Record<number, PixelLayout['channels']> = { 0: 1, 2: 3, 4: 2, 6: 4 }

/** Grey, RGB and their alpha variants at 8 or 16 bits, not interlaced, not animated. */
export function stripLayout(bytes: Uint8Array, header: PngHeader): PixelLayout | undefined {
  const channels = CHANNELS[header.colorType]
  if (!channels || (header.bitDepth !== 8 && header.bitDepth !== 16) || header.interlace !== 0) return undefined
  return { channels, sampleBytes: header.bitDepth === 16 ? 2 : 1 }
}

const IDAT_SIZE = 256 * 1024

/**
 * Re-encodes the PNG with the mark blended in. `placementFor` receives the size; the
 * caller refuses layouts `stripLayout` does not accept before calling this.
 */
export function markPngStrips(bytes: Uint8Array, layout: PixelLayout, place: (width: number, height: number) => Placement): Uint8Array {
  const chunks = pngChunks(bytes)
  const { width, height } = pngHeader(bytes)
  const placement = place(width, height)
  const bandStart = placement.y
  const bandEnd = Math.min(height, placement.y + placement.overlay.height) // exclusive
  const bpp = layout.channels * layout.sampleBytes
  const stride = width * bpp
  const rowBytes = stride + 1

  const idat: Uint8Array[] = []
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  const deflate = new Zlib({ level: 6 }, (data, final) => {
    pending.push(data)
    pendingBytes += data.length
    if (pendingBytes >= IDAT_SIZE || final) {
      idat.push(pngChunk('IDAT', concat(pending)))
      pending = []
      pendingBytes = 0
    }
  })

  // Unfiltering needs the original row above; filtering again needs the row as written.
  let prevRaw = new Uint8Array(stride) // zeros above the first row
  let raw = new Uint8Array(stride)
  let prevOut = new Uint8Array(stride)
  let out = new Uint8Array(stride)
  const partial = new Uint8Array(rowBytes)
  let filled = 0
  let y = 0

  const takeRow = (filtered: Uint8Array) => {
    if (y >= height) throw new FormatError('PNG image data is longer than its header says')
    const type = filtered[0]!
    if (type > 4) throw new FormatError('corrupt PNG filter type')
    if (y > bandEnd) {
      deflate.push(filtered.slice()) // neither this row nor the one above it changed
    } else {
      unfilter(type, filtered.subarray(1), raw, prevRaw, bpp)
      out.set(raw)
      if (y < bandStart) {
        deflate.push(filtered.slice())
      } else {
        if (y < bandEnd) blendRow(out, layout, y, placement, width)
        const row = new Uint8Array(rowBytes)
        row[0] = type
        filter(type, out, prevOut, bpp, row.subarray(1))
        deflate.push(row)
      }
      ;[prevRaw, raw] = [raw, prevRaw]
      ;[prevOut, out] = [out, prevOut]
    }
    y++
  }

  const inflate = new Unzlib((data) => {
    let at = 0
    while (at < data.length) {
      if (filled === 0 && data.length - at >= rowBytes) {
        takeRow(data.subarray(at, at + rowBytes))
        at += rowBytes
        continue
      }
      const n = Math.min(rowBytes - filled, data.length - at)
      partial.set(data.subarray(at, at + n), filled)
      filled += n
      at += n
      if (filled === rowBytes) {
        takeRow(partial)
        filled = 0
      }
    }
  })

  const idats = chunks.filter((c) => c.type === 'IDAT')
  try {
    for (const c of idats) {
      for (let i = 0; i < c.data.length; i += 64 * 1024) inflate.push(c.data.subarray(i, i + 64 * 1024))
    }
    inflate.push(new Uint8Array(0), true)
  } catch (error) {
    if (error instanceof FormatError) throw error
    throw new FormatError('corrupt PNG image data')
  }
  if (y !== height || filled !== 0) throw new FormatError('PNG image data ends early')
  deflate.push(new Uint8Array(0), true)

  const parts: Uint8Array[] = [bytes.subarray(0, 8)]
  let placed = false
  for (const c of chunks) {
    if (c.type === 'IDAT') {
      if (!placed) parts.push(...idat)
      placed = true
    } else {
      parts.push(bytes.subarray(c.start, c.end))
    }
  }
  return concat(parts)
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  putU32be(out, 0, data.length)
  out.set(utf8.encode(type), 4)
  out.set(data, 8)
  putU32be(out, 8 + data.length, crc32(out.subarray(4, 8), data))
  return out
}

/** PNG §9.2 filters: 0 none, 1 sub, 2 up, 3 average, 4 Paeth. */
function unfilter(type: number, src: Uint8Array, out: Uint8Array, prev: Uint8Array, bpp: number): void {
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

function filter(type: number, raw: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): void {
  const n = raw.length
  switch (type) {
    case 0:
      out.set(raw)
      break
    case 1:
      for (let i = 0; i < n; i++) out[i] = raw[i]! - (i >= bpp ? raw[i - bpp]! : 0)
      break
    case 2:
      for (let i = 0; i < n; i++) out[i] = raw[i]! - prev[i]!
      break
    case 3:
      for (let i = 0; i < n; i++) out[i] = raw[i]! - (((i >= bpp ? raw[i - bpp]! : 0) + prev[i]!) >> 1)
      break
    case 4:
      for (let i = 0; i < n; i++) out[i] = raw[i]! - paeth(i >= bpp ? raw[i - bpp]! : 0, prev[i]!, i >= bpp ? prev[i - bpp]! : 0)
      break
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}
