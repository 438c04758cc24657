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
import { BandQueue, TileWatermark, type WatermarkEmbedding } from '../watermark'

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
  watermark?: WatermarkEmbedding,
): Promise<Uint8Array> {
  const { width, height } = pngHeader(chunks)
  const placement = place(width, height)
  // The watermark changes every row, so every row is unfiltered and filtered again.
  const bandStart = watermark ? 0 : placement.y
  const bandEnd = watermark ? height : Math.min(height, placement.y + placement.overlay.height) // exclusive
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
  let prevOut: Uint8Array = new Uint8Array(stride)
  let out: Uint8Array = new Uint8Array(stride)
  const partial = new Uint8Array(rowBytes)
  let filled = 0
  let y = 0

  const marked = watermark && watermarkRows(new TileWatermark(width, height, watermark.key, watermark.payload), layout, width, height)
  const refilter = (type: number, row: Uint8Array): Uint8Array => {
    const filtered = new Uint8Array(rowBytes)
    filtered[0] = type
    filter(type, row, prevOut, bpp, filtered.subarray(1))
    prevOut = row
    return filtered
  }

  const takeRow = async (filtered: Uint8Array): Promise<void> => {
    if (y >= height) throw new FormatError('PNG image data is longer than its header says')
    const type = filtered[0]!
    if (type > 4) throw new FormatError('corrupt PNG filter type')
    let row = filtered
    if (y <= bandEnd) {
      unfilter(type, filtered.subarray(1), raw, prevRaw, bpp)
      out.set(raw)
      if (y < bandEnd) blendRow(out, layout, y, placement, width)
      if (marked) {
        y++
        for (const ready of marked.push(type, out.slice())) await emit(refilter(ready.type, ready.row))
        ;[prevRaw, raw] = [raw, prevRaw]
        return
      }
      if (y >= bandStart) {
        // Rows under the mark, and the one below whose filter refers to the last of them.
        row = new Uint8Array(rowBytes)
        row[0] = type
        filter(type, out, prevOut, bpp, row.subarray(1))
      }
      ;[prevRaw, raw] = [raw, prevRaw]
      ;[prevOut, out] = [out, prevOut]
    }
    y++
    await emit(row === partial ? row.slice() : row)
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
          await takeRow(data.subarray(at, at + rowBytes))
          at += rowBytes
          continue
        }
        const n = Math.min(rowBytes - filled, data.length - at)
        partial.set(data.subarray(at, at + n), filled)
        filled += n
        at += n
        if (filled === rowBytes) {
          await takeRow(partial)
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

/**
 * Rows held until the watermark band they belong to is ready, then given back with its
 * luma changes added (every colour sample; 16-bit samples scaled).
 */
function watermarkRows(mark: TileWatermark, layout: PixelLayout, width: number, height: number) {
  const queue = new BandQueue(mark, width, height)
  const pending: { type: number; row: Uint8Array }[] = []
  const { channels, sampleBytes } = layout
  const colours = channels >= 3 ? 3 : 1
  const sample = (row: Uint8Array, i: number) => (sampleBytes === 2 ? ((row[i * 2]! << 8) | row[i * 2 + 1]!) / 257 : row[i]!)
  return {
    push(type: number, row: Uint8Array): { type: number; row: Uint8Array }[] {
      pending.push({ type, row })
      const luma = new Float32Array(width)
      for (let x = 0; x < width; x++) {
        const i = x * channels
        luma[x] = colours === 3 ? 0.299 * sample(row, i) + 0.587 * sample(row, i + 1) + 0.114 * sample(row, i + 2) : sample(row, i)
      }
      const band = queue.push(luma)
      if (!band) return []
      const done = pending.splice(0, band.count)
      done.forEach(({ row }, r) => {
        for (let x = 0; x < width; x++) {
          const d = band.deltas[r * width + x]!
          if (!d) continue
          for (let c = 0; c < colours; c++) {
            const i = x * channels + c
            if (sampleBytes === 1) row[i] = Math.min(255, Math.max(0, row[i]! + d))
            else {
              const v = Math.min(65535, Math.max(0, ((row[i * 2]! << 8) | row[i * 2 + 1]!) + d * 257))
              row[i * 2] = v >> 8
              row[i * 2 + 1] = v & 255
            }
          }
        }
      })
      return done
    },
  }
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
