/**
 * A JPEG's frame and scan headers (T.81 B.2): components with their sampling and
 * quantisation tables, the Huffman tables and restart interval in force at the first scan.
 * Pure; shared by the coefficient paths (jpeg-blocks.ts, jpeg-splice.ts).
 */
import { FormatError, latin1, u16be } from '../formats/bytes'
import { jpegSegments, type JpegSegment } from '../formats/jpeg'
import { ZIGZAG } from './jpeg-dct'
import { readHuffmanTables, type HuffmanTable, type ScanTables } from './jpeg-entropy'

export const SOF0 = 0xc0
export const SOF1 = 0xc1
export const SOF2 = 0xc2
export const DHT = 0xc4
export const DQT = 0xdb
export const DRI = 0xdd
const APP14 = 0xee

export interface Component {
  id: number
  h: number
  v: number
  /** Quantisation table, natural order. */
  quant: Uint16Array
  /** This component's block offset inside one MCU's coefficient run. */
  offset: number
}

export interface Frame {
  width: number
  height: number
  hmax: number
  vmax: number
  mcusPerLine: number
  mcuRows: number
  blocksPerMcu: number
  components: Component[]
  /** Huffman tables and restart interval in force at the first scan. */
  tables: Map<number, HuffmanTable>
  restartInterval: number
  /** Segments before the first scan that are neither Huffman tables nor the restart interval. */
  kept: JpegSegment[]
  /** Where the first scan's SOS marker is. */
  firstScan: number
}

export interface Scan {
  /** Frame component index, with its DC and AC table keys. */
  components: { ci: number; dc: number; ac: number }[]
  ss: number
  se: number
  ah: number
  al: number
  dataStart: number
}

/** A scan as a sequential interleaved JPEG has it: every component, whole spectrum, one pass. */
export const isSingleSequentialScan = (frame: Frame, scan: Scan) =>
  scan.components.length === frame.components.length && scan.ss === 0 && scan.se === 63 && scan.ah === 0 && scan.al === 0


/** Per frame component, the tables the scan names (undefined for components not in it). */
export function scanTables(frame: Frame, scan: Scan, tables: Map<number, HuffmanTable>): ScanTables[] {
  const out: ScanTables[] = []
  for (const { ci, dc, ac } of scan.components) {
    const dcTable = tables.get(dc)
    const acTable = tables.get(ac)
    // A DC-only progressive scan names no AC table it uses; an empty one stands in.
    if (!dcTable || (!acTable && scan.se > 0)) throw new FormatError('corrupt JPEG: a scan names a missing Huffman table')
    const none = { decode: new Uint16Array(0), codes: { length: new Uint8Array(256), code: new Uint16Array(256) } }
    out[ci] = { dc: dcTable.decode, ac: (acTable ?? none).decode, codes: { dc: dcTable.codes, ac: (acTable ?? none).codes } }
  }
  return out
}

/** Header segments → frame, or undefined for a JPEG kind this path does not code. */
export function readFrame(bytes: Uint8Array): Frame | undefined {
  const { segments, scan } = jpegSegments(bytes)
  const quant: Uint16Array[] = []
  const tables = new Map<number, HuffmanTable>()
  let sof: JpegSegment | undefined
  let restartInterval = 0
  for (const s of segments) {
    const p = s.payload
    if (s.marker === DQT) readQuantTables(p, quant)
    else if (s.marker === DHT) readHuffmanTables(p, tables)
    else if (s.marker === DRI) restartInterval = p.length >= 2 ? u16be(p, 0) : 0
    else if (s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== DHT && s.marker !== 0xc8 && s.marker !== 0xcc) sof = s
    // Adobe's transform flag 0 means RGB or CMYK samples, not YCbCr.
    else if (s.marker === APP14 && p.length >= 12 && latin1(p, 0, 5) === 'Adobe' && p[11] === 0) return undefined
  }
  // Huffman-coded, 8-bit: baseline, extended sequential, progressive.
  if (!sof || (sof.marker !== SOF0 && sof.marker !== SOF1 && sof.marker !== SOF2)) return undefined
  const f = sof.payload
  if (f.length < 6 || f[0] !== 8) return undefined
  const height = u16be(f, 1)
  const width = u16be(f, 3)
  const count = f[5]!
  if ((count !== 1 && count !== 3) || f.length < 6 + count * 3 || height === 0 || width === 0) return undefined

  const components: Component[] = []
  let offset = 0
  for (let i = 0; i < count; i++) {
    const sampling = f[7 + i * 3]!
    const q = quant[f[8 + i * 3]!]
    if (!q) throw new FormatError('corrupt JPEG: a component has no quantisation table')
    // A single-component frame codes one block per MCU whatever its sampling factors say.
    const h = count === 1 ? 1 : sampling >> 4
    const v = count === 1 ? 1 : sampling & 15
    if (h < 1 || h > 4 || v < 1 || v > 4) throw new FormatError('corrupt JPEG sampling factors')
    components.push({ id: f[6 + i * 3]!, h, v, quant: q, offset })
    offset += h * v
  }
  const hmax = Math.max(...components.map((c) => c.h))
  const vmax = Math.max(...components.map((c) => c.v))
  // Chroma resampling below assumes whole ratios, as every real encoder writes them.
  if (components.some((c) => hmax % c.h !== 0 || vmax % c.v !== 0)) return undefined
  return {
    width,
    height,
    hmax,
    vmax,
    mcusPerLine: Math.ceil(width / (8 * hmax)),
    mcuRows: Math.ceil(height / (8 * vmax)),
    blocksPerMcu: offset,
    components,
    tables,
    restartInterval,
    kept: segments.filter((s) => s.marker !== DHT && s.marker !== DRI),
    firstScan: scan,
  }
}

/** The scan header at `at` (its SOS marker). */
export function readScan(bytes: Uint8Array, at: number, frame: Frame): Scan {
  const length = u16be(bytes, at + 2)
  const p = bytes.subarray(at + 4, at + 2 + length)
  const n = p[0] ?? 0
  if (n < 1 || n > frame.components.length || p.length < 1 + n * 2 + 3) throw new FormatError('corrupt JPEG scan header')
  const components = Array.from({ length: n }, (_, k) => {
    const ci = frame.components.findIndex((c) => c.id === p[1 + k * 2])
    if (ci < 0) throw new FormatError('corrupt JPEG: a scan names an unknown component')
    const selector = p[2 + k * 2]!
    return { ci, dc: selector >> 4, ac: 16 + (selector & 15) }
  })
  const [ss, se, ahal] = [p[1 + n * 2]!, p[2 + n * 2]!, p[3 + n * 2]!]
  if (ss > 63 || se > 63 || ss > se || (ss > 0 && n > 1)) throw new FormatError('corrupt JPEG scan parameters')
  return { components, ss, se, ah: ahal >> 4, al: ahal & 15, dataStart: at + 2 + length }
}

/** Whether each table in a DQT payload has 16-bit steps. */
export function quantPrecisions(p: Uint8Array): boolean[] {
  const wide: boolean[] = []
  for (let at = 0; at < p.length; at += 1 + (p[at]! >> 4 ? 128 : 64)) wide.push(p[at]! >> 4 !== 0)
  return wide
}

function readQuantTables(p: Uint8Array, out: Uint16Array[]): void {
  let at = 0
  while (at < p.length) {
    const wide = p[at]! >> 4
    const id = p[at]! & 15
    if (id > 3 || at + 1 + (wide ? 128 : 64) > p.length) throw new FormatError('corrupt JPEG quantisation table')
    const table = new Uint16Array(64)
    for (let i = 0; i < 64; i++) table[ZIGZAG[i]!] = wide ? u16be(p, at + 1 + i * 2) : p[at + 1 + i]!
    if (table.includes(0)) throw new FormatError('corrupt JPEG quantisation table: zero step')
    out[id] = table
    at += 1 + (wide ? 128 : 64)
  }
}
