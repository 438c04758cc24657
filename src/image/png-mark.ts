/**
 * The visible mark on a PNG, in strips: the image data is inflated and deflated as a
 * stream of rows; rows down to the mark are unfiltered (a filter refers to the row above),
 * and only the rows under the mark plus the one after them are filtered again. Memory stays at a few rows plus
 * the compressed output, so an 8192 × 8192 image fits in a Worker; every other chunk is
 * copied as it is.
 */
import { concat, FormatError, u32be } from '../formats/bytes'
import { pngChunk, pngLayout, withPngLabel, type PngChunk } from '../formats/png'
import { paeth, unfilter } from '../formats/png-filter'
import { blendRow, type PixelLayout, type Placement } from '../label/image-mark'

/**
 * Makes the label JSON for the marked content (the parts a content binding covers), so a
 * signature can be made after the pixels change and the label still written only once.
 */
export type LabelFor = (content: () => Iterable<Uint8Array>) => Promise<string>

export interface PngHeader {
  width: number
  height: number
  bitDepth: number
  colorType: number
  interlace: number
}

/** The IHDR fields, from the chunk list (pngChunks checks that IHDR comes first). */
export function pngHeader(chunks: PngChunk[]): PngHeader {
  const ihdr = chunks[0]!.data
  return { width: u32be(ihdr, 0), height: u32be(ihdr, 4), bitDepth: ihdr[8]!, colorType: ihdr[9]!, interlace: ihdr[12]! }
}

const CHANNELS: Record<number, PixelLayout['channels']> = { 0: 1, 2: 3, 4: 2, 6: 4 }

/** Grey, RGB and their alpha variants at 8 or 16 bits, not interlaced, not animated. */
export function stripLayout(header: PngHeader): PixelLayout | undefined {
  const channels = CHANNELS[header.colorType]
  if (!channels || (header.bitDepth !== 8 && header.bitDepth !== 16) || header.interlace !== 0) return undefined
  return { channels, sampleBytes: header.bitDepth === 16 ? 2 : 1 }
}

const IDAT_SIZE = 256 * 1024

/**
 * Re-encodes the PNG with the mark blended in and the implicit label from `labelFor` written.
 * Inflate and deflate run in the platform's native zlib (DecompressionStream /
 * CompressionStream), rows in between in JS; the caller refuses layouts `stripLayout`
 * does not accept before calling this.
 */
export async function markPngStrips(
  bytes: Uint8Array,
  chunks: PngChunk[],
  layout: PixelLayout,
  place: (width: number, height: number) => Placement,
  labelFor: LabelFor,
): Promise<Uint8Array> {
  const { width, height } = pngHeader(chunks)
  const placement = place(width, height)
  const bandStart = placement.y
  const bandEnd = Math.min(height, placement.y + placement.overlay.height) // exclusive
  const bpp = layout.channels * layout.sampleBytes
  const stride = width * bpp
  const rowBytes = stride + 1

  const deflate = new CompressionStream('deflate')
  const writer = deflate.writable.getWriter()
  const compressed = idatChunks(deflate.readable)
  compressed.catch(() => {}) // awaited below; this only keeps an early failure from going unhandled
  let batch: Uint8Array[] = []
  let batchBytes = 0
  const emit = async (row: Uint8Array) => {
    batch.push(row)
    batchBytes += row.length
    if (batchBytes < IDAT_SIZE) return
    await writer.ready
    void writer.write(concat(batch))
    batch = []
    batchBytes = 0
  }

  // Unfiltering needs the original row above; filtering again needs the row as written.
  let prevRaw = new Uint8Array(stride) // zeros above the first row
  let raw = new Uint8Array(stride)
  let prevOut = new Uint8Array(stride)
  let out = new Uint8Array(stride)
  const partial = new Uint8Array(rowBytes)
  let filled = 0
  let y = 0

  const takeRow = (filtered: Uint8Array): Uint8Array => {
    if (y >= height) throw new FormatError('PNG image data is longer than its header says')
    const type = filtered[0]!
    if (type > 4) throw new FormatError('corrupt PNG filter type')
    let row = filtered
    if (y <= bandEnd) {
      unfilter(type, filtered.subarray(1), raw, prevRaw, bpp)
      out.set(raw)
      if (y >= bandStart) {
        // Rows under the mark, and the one below whose filter refers to the last of them.
        if (y < bandEnd) blendRow(out, layout, y, placement, width)
        row = new Uint8Array(rowBytes)
        row[0] = type
        filter(type, out, prevOut, bpp, row.subarray(1))
      }
      ;[prevRaw, raw] = [raw, prevRaw]
      ;[prevOut, out] = [out, prevOut]
    }
    y++
    return row === partial ? row.slice() : row
  }

  try {
    const inflated = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) if (c.type === 'IDAT') controller.enqueue(c.data)
        controller.close()
      },
    }).pipeThrough(new DecompressionStream('deflate'))
    for await (const data of inflated as unknown as AsyncIterable<Uint8Array>) {
      let at = 0
      while (at < data.length) {
        if (filled === 0 && data.length - at >= rowBytes) {
          await emit(takeRow(data.subarray(at, at + rowBytes)))
          at += rowBytes
          continue
        }
        const n = Math.min(rowBytes - filled, data.length - at)
        partial.set(data.subarray(at, at + n), filled)
        filled += n
        at += n
        if (filled === rowBytes) {
          await emit(takeRow(partial))
          filled = 0
        }
      }
    }
  } catch (error) {
    await writer.abort(error).catch(() => {})
    if (error instanceof FormatError) throw error
    throw new FormatError('corrupt PNG image data')
  }
  if (y !== height || filled !== 0) {
    await writer.abort().catch(() => {})
    throw new FormatError('PNG image data ends early')
  }
  if (batch.length) await writer.write(concat(batch))
  await writer.close()
  const idat = await compressed
  const file = pngLayout(bytes, (_, first) => (first ? idat : []), chunks)
  // The parts are the content a binding covers: the label is made for them, then written once.
  return withPngLabel(file, await labelFor(() => file.parts))
}

/** The compressed stream as IDAT chunks of about IDAT_SIZE bytes, never as one buffer. */
async function idatChunks(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  let pending: Uint8Array[] = []
  let size = 0
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) {
    pending.push(part)
    size += part.length
    if (size >= IDAT_SIZE) {
      chunks.push(pngChunk('IDAT', concat(pending)))
      pending = []
      size = 0
    }
  }
  if (pending.length) chunks.push(pngChunk('IDAT', concat(pending)))
  return chunks
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
