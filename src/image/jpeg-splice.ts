/**
 * Re-codes chosen MCUs of a sequential JPEG and copies everything else of its entropy-coded
 * data as it is: the cost of a copy plus a table-driven skim of the Huffman codes.
 *
 * - The scan is cut at its restart markers (T.81 B.2.1); an interval with no chosen MCU is
 *   copied byte for byte, marker included.
 * - An interval with chosen MCUs is unstuffed and skimmed: per block one lookup per code
 *   gives code and value length together, so nothing is dequantised and only the chosen
 *   MCUs' coefficients are kept. The DC values are followed, as the chosen MCUs and the DC
 *   difference after them need them.
 * - The output interval is the input's bits shifted into place, the chosen MCUs coded
 *   again, and the first DC difference of each component after a chosen run coded again
 *   (DC prediction, F.1.1.5.1), then stuffed once.
 * - The file's own Huffman tables code the new symbols; a table that lacks some gets them
 *   appended after its longest codes, in a DHT placed before the scan that redefines it
 *   with every old code unchanged. Only when a table has no free codes left is the caller
 *   told to take the re-coding path (undefined).
 */
import { concat, FormatError } from '../formats/bytes'
import { dhtPayload, BitWriter, encodeBlock, huffmanCodes, type EncodeTables, type HuffmanCodes, type HuffmanTable, type SymbolSink } from './jpeg-entropy'
import { DHT, type Frame, type Scan } from './jpeg-frame'

/**
 * Which MCUs to code again (scan indices, ascending) and what to do to them: `change` gets
 * their quantised coefficients, `blocksPerMcu` × 64 in zig-zag order per MCU, in the order
 * of `mcus`, and changes them in place. The file comes back with every other MCU's bits
 * unchanged, or undefined when its tables cannot be extended (or the scan is not followed
 * by EOI): then the caller re-codes the whole scan.
 */
export interface McuEdit {
  mcus: readonly number[]
  change(coefficients: Int16Array): void
}

/** A restart interval: its stuffed bytes in the input, [start, end), markers excluded. */
interface Interval {
  start: number
  end: number
}

/** What the skim of a changed interval found. */
interface Skim {
  data: Uint8Array
  /** Bits of entropy-coded data (the padding before the next marker excluded). */
  end: number
  /** Per chosen MCU of the interval: its first and end bit, and the DC predictors it starts from. */
  starts: Map<number, { from: number; to: number; preds: Int32Array }>
  /** Per MCU that follows a chosen run: per component, the bits of its first DC difference and the DC value. */
  followers: Map<number, { from: Int32Array; to: Int32Array; dc: Int32Array }>
}

export function recodeMcus(bytes: Uint8Array, frame: Frame, scan: Scan, fileTables: Map<number, HuffmanTable>, edit: McuEdit): Uint8Array | undefined {
  const total = frame.mcusPerLine * frame.mcuRows
  const { intervals, marker } = restartIntervals(bytes, scan.dataStart)
  if (bytes[marker + 1] !== 0xd9) return undefined // a second scan, DNL…: not this path's
  const per = frame.restartInterval || total
  if (intervals.length !== Math.ceil(total / per)) throw new FormatError('corrupt JPEG: the restart markers do not match the restart interval')
  const slot = new Int32Array(total).fill(-1)
  edit.mcus.forEach((m, i) => (slot[m] = i))
  const size = frame.blocksPerMcu * 64
  const coefficients = new Int16Array(edit.mcus.length * size)

  const plan = frame.components.flatMap((c, ci) => Array<number>(c.h * c.v).fill(ci))
  const keys = frame.components.map((_, ci) => {
    const s = scan.components.find((x) => x.ci === ci)!
    return { dc: s.dc, ac: s.ac }
  })
  const table = (key: number) => {
    const t = fileTables.get(key)
    if (!t) throw new FormatError('corrupt JPEG: a scan names a missing Huffman table')
    return t
  }
  const decoders = keys.map(({ dc, ac }) => ({ dc: table(dc).decode, ac: table(ac).decode, skip: skipTable(table(ac).decode) }))

  const changed = [...new Set(edit.mcus.map((m) => Math.floor(m / per)))]
  const skims = new Map<number, Skim>()
  for (const i of changed) {
    const first = i * per
    skims.set(i, skim(unstuff(bytes, intervals[i]!), first, Math.min(total, first + per), plan, decoders, slot, coefficients, size))
  }
  edit.change(coefficients)

  // The symbols the new codes need, tallied by a dry run, decide whether tables are extended.
  const codes = new Map<number, HuffmanCodes>()
  for (const { dc, ac } of keys) for (const key of [dc, ac]) codes.set(key, table(key).codes)
  const tally = new SymbolTally()
  const emit = (sink: SymbolSink & Partial<Pick<BitWriter, 'copyBits'>>, i: number) => {
    const tables: EncodeTables[] = keys.map(({ dc, ac }) => ({ dc: codes.get(dc)!, ac: codes.get(ac)! }))
    recodeInterval(sink, skims.get(i)!, i * per, Math.min(total, (i + 1) * per), plan, tables, slot, coefficients, size)
  }
  for (const i of changed) emit(tally, i)
  const extended: number[][] = []
  for (const [key, c] of codes) {
    const missing = tally.missing(c)
    if (missing.length === 0) continue
    const spec = extendTable(table(key).spec, missing)
    if (!spec) return undefined
    codes.set(key, huffmanCodes(spec))
    extended.push(dhtPayload(key, spec))
  }

  const parts: Uint8Array[] = [bytes.subarray(0, frame.firstScan)]
  if (extended.length) {
    const body = extended.flat()
    parts.push(Uint8Array.from([0xff, DHT, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]))
  }
  let copyFrom = frame.firstScan
  for (const i of changed.sort((a, b) => a - b)) {
    const interval = intervals[i]!
    const writer = new BitWriter(interval.end - interval.start, false)
    emit(writer, i)
    parts.push(bytes.subarray(copyFrom, interval.start), stuff(writer.finish()))
    copyFrom = interval.end
  }
  parts.push(bytes.subarray(copyFrom, marker), Uint8Array.from([0xff, 0xd9]))
  return concat(parts)
}

/** The scan's restart intervals, found by the 0xFF bytes alone, and where its ending marker is. */
function restartIntervals(bytes: Uint8Array, dataStart: number): { intervals: Interval[]; marker: number } {
  const intervals: Interval[] = []
  let start = dataStart
  let at = dataStart
  for (;;) {
    const i = bytes.indexOf(0xff, at)
    if (i < 0 || i + 1 >= bytes.length) throw new FormatError('truncated JPEG image data')
    const next = bytes[i + 1]!
    if (next === 0 || next === 0xff) {
      at = i + (next === 0 ? 2 : 1) // a stuffed 0xFF, or a fill byte before a marker
      continue
    }
    let end = i
    while (end > start && bytes[end - 1] === 0xff) end-- // fill bytes (a data 0xFF is followed by 0)
    intervals.push({ start, end })
    if (next < 0xd0 || next > 0xd7) return { intervals, marker: i }
    start = at = i + 2
  }
}

/** The interval's bytes without stuffing, with zero bytes after them so lookups may read ahead. */
function unstuff(bytes: Uint8Array, { start, end }: Interval): Uint8Array {
  const out = new Uint8Array(end - start + 8)
  let o = 0
  for (let at = start; at < end; ) {
    const i = bytes.indexOf(0xff, at)
    const stop = i < 0 || i >= end ? end : i + 1
    out.set(bytes.subarray(at, stop), o)
    o += stop - at
    at = stop < end ? stop + 1 : end // the 0 after a data 0xFF
  }
  return out.subarray(0, o + 8)
}

/** Plain entropy-coded bytes → stuffed (0 after every 0xFF). */
function stuff(data: Uint8Array): Uint8Array {
  let ffs = 0
  for (let i = data.indexOf(0xff); i >= 0; i = data.indexOf(0xff, i + 1)) ffs++
  if (ffs === 0) return data
  const out = new Uint8Array(data.length + ffs)
  let o = 0
  for (let at = 0; at < data.length; ) {
    const i = data.indexOf(0xff, at)
    const stop = i < 0 ? data.length : i + 1
    out.set(data.subarray(at, stop), o)
    o += stop - at + (i < 0 ? 0 : 1) // the 0 is already there
    at = stop
  }
  return out
}

/**
 * Per 16-bit lookahead, for skimming AC codes: bits 0–4 the code and value length together,
 * bits 5–9 how far the coefficient index moves (0: end of block), bit 10 a run of 16 zeros.
 */
const skipTables = new WeakMap<Uint16Array, Uint16Array>()
function skipTable(decode: Uint16Array): Uint16Array {
  const known = skipTables.get(decode)
  if (known) return known
  const out = new Uint16Array(65536)
  for (let i = 0; i < 65536; i++) {
    const e = decode[i]!
    const length = e >> 8
    if (length === 0) continue
    const run = (e >> 4) & 15
    const size = e & 15
    out[i] = (length + size) | ((size ? run + 1 : run === 15 ? 16 : 0) << 5) | (size === 0 && run === 15 ? 1 << 10 : 0)
  }
  skipTables.set(decode, out)
  return out
}

interface Decoders {
  dc: Uint16Array
  ac: Uint16Array
  skip: Uint16Array
}

const badCode = () => new FormatError('corrupt JPEG image data: bad Huffman code')

/**
 * Skims MCUs [first, last) of one interval from its start, decoding in full only the chosen
 * ones (into `coefficients`), and the DC difference of the MCU after each chosen run.
 */
function skim(data: Uint8Array, first: number, last: number, plan: number[], decoders: Decoders[], slot: Int32Array, coefficients: Int16Array, size: number): Skim {
  const bits = (data.length - 8) * 8
  const pred = new Int32Array(decoders.length)
  const starts: Skim['starts'] = new Map()
  const followers: Skim['followers'] = new Map()
  const peek = (pos: number) => {
    const i = pos >>> 3
    return (((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!) >>> (8 - (pos & 7))) & 0xffff
  }
  const extend = (pos: number, n: number) => {
    if (n === 0) return 0
    const v = peek(pos) >>> (16 - n)
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v
  }
  let pos = 0
  // DC difference: adds to the predictor, moves `pos`.
  const dc = (ci: number) => {
    const e = decoders[ci]!.dc[peek(pos)]!
    if (e < 256 || (e & 0xff) > 15) throw badCode()
    pos += e >> 8
    const n = e & 15
    pred[ci] = pred[ci]! + extend(pos, n)
    pos += n
  }
  for (let m = first; m < last; m++) {
    const j = slot[m]!
    const follows = j < 0 && m > first && slot[m - 1]! >= 0
    if (j >= 0) starts.set(m, { from: pos, to: 0, preds: pred.slice() })
    const follower = follows ? { from: new Int32Array(pred.length), to: new Int32Array(pred.length), dc: new Int32Array(pred.length) } : undefined
    for (let b = 0; b < plan.length; b++) {
      const ci = plan[b]!
      const firstOfComponent = b === 0 || plan[b - 1] !== ci
      if (follower && firstOfComponent) follower.from[ci] = pos
      dc(ci)
      if (follower && firstOfComponent) {
        follower.to[ci] = pos
        follower.dc[ci] = pred[ci]!
      }
      if (j >= 0) {
        // In full: the coefficients of a chosen block.
        const at = j * size + b * 64
        coefficients[at] = pred[ci]!
        const ac = decoders[ci]!.ac
        for (let k = 1; k < 64; k++) {
          const e = ac[peek(pos)]!
          if (e < 256) throw badCode()
          pos += e >> 8
          const run = (e >> 4) & 15
          const n = e & 15
          if (n === 0) {
            if (run !== 15) break
            k += 15
            continue
          }
          k += run
          if (k > 63) throw new FormatError('corrupt JPEG image data: coefficient out of range')
          coefficients[at + k] = extend(pos, n)
          pos += n
        }
      } else {
        const skip = decoders[ci]!.skip
        for (let k = 1; k < 64; ) {
          const s = skip[peek(pos)]!
          if (s === 0) throw badCode()
          pos += s & 31
          const step = (s >> 5) & 31
          if (step === 0) break
          k += step
          if (k > 64 && !(s & 1024)) throw new FormatError('corrupt JPEG image data: coefficient out of range')
        }
      }
    }
    if (pos > bits) throw new FormatError('truncated JPEG image data')
    if (j >= 0) starts.get(m)!.to = pos
    if (follower) followers.set(m, follower)
  }
  return { data, end: pos, starts, followers }
}

/** One interval again: the input's bits, the chosen MCUs coded anew, and the DC differences after them. */
function recodeInterval(
  sink: SymbolSink & Partial<Pick<BitWriter, 'copyBits'>>,
  { data, end, starts, followers }: Skim,
  first: number,
  last: number,
  plan: number[],
  tables: EncodeTables[],
  slot: Int32Array,
  coefficients: Int16Array,
  size: number,
): void {
  let cursor = 0
  const copy = (to: number) => {
    sink.copyBits?.(data, cursor, to)
    cursor = to
  }
  let pred = new Int32Array(tables.length)
  for (let m = first; m < last; m++) {
    const j = slot[m]!
    if (j >= 0) {
      const start = starts.get(m)!
      if (m === first || slot[m - 1]! < 0) pred = start.preds.slice()
      copy(start.from)
      for (let b = 0; b < plan.length; b++) {
        const ci = plan[b]!
        pred[ci] = encodeBlock(sink, tables[ci]!, coefficients, j * size + b * 64, pred[ci]!)
      }
      cursor = start.to
      continue
    }
    const follower = followers.get(m)
    if (!follower) continue
    for (let ci = 0; ci < tables.length; ci++) {
      copy(follower.from[ci]!)
      const diff = follower.dc[ci]! - pred[ci]!
      const n = diff === 0 ? 0 : 32 - Math.clz32(Math.abs(diff))
      sink.symbol(tables[ci]!.dc, n, diff, n)
      cursor = follower.to[ci]!
    }
  }
  copy(end)
}

/** Records, per table, the symbols coded that it has no code for. */
class SymbolTally implements SymbolSink {
  private readonly lacking = new Map<HuffmanCodes, Set<number>>()

  symbol(codes: HuffmanCodes, symbol: number): void {
    if (codes.length[symbol]! > 0) return
    const set = this.lacking.get(codes) ?? new Set<number>()
    set.add(symbol)
    this.lacking.set(codes, set)
  }

  missing(codes: HuffmanCodes): number[] {
    return [...(this.lacking.get(codes) ?? [])].sort((a, b) => a - b)
  }
}

/**
 * The table with `extra` symbols given codes after its longest ones, at the shortest length
 * with room: canonical codes (C.2) of the old symbols stay as they were. The all-ones code
 * stays unused (K.2). Undefined when the code space is full.
 */
export function extendTable([counts, symbols]: number[][], extra: number[]): number[][] | undefined {
  let longest = 16
  while (longest > 1 && counts![longest - 1] === 0) longest--
  let code = 0 // the next free code at length `longest`
  for (let length = 1; length <= longest; length++) {
    code += counts![length - 1]!
    if (length < longest) code <<= 1
  }
  for (let length = longest; length <= 16; length++, code <<= 1) {
    if ((1 << length) - 1 - code >= extra.length) {
      const more = counts!.slice()
      more[length - 1]! += extra.length
      return [more, [...symbols!, ...extra]]
    }
  }
  return undefined
}
