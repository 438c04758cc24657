/**
 * The visible mark on a JPEG (8-bit, Huffman-coded) in the coefficient domain. A sequential
 * file is decoded one MCU row at a time; only the MCUs under the mark go through
 * IDCT → blend → DCT with the file's own quantisation tables, and the rest is copied bit
 * for bit where the file's Huffman tables allow, or coded again with the Annex K tables.
 * Every other block keeps its quantised coefficients exactly, so there is no generation
 * loss outside the mark, and memory is one MCU row plus the input and output, whatever the
 * image size. Entropy coding is in jpeg-entropy.ts, the DCT in jpeg-dct.ts.
 *
 * Progressive and multi-scan files are decoded whole into coefficient planes (2 bytes a
 * coefficient, within MAX_COEFFICIENT_BYTES) and written as one sequential scan.
 *
 * Written here because no JPEG library for JS or wasm exposes quantised coefficients
 * (jpegtran's role); @jsquash decodes to pixels, which costs 4 bytes a pixel at once.
 * Arithmetic-coded, 12-bit and CMYK files return undefined: the caller takes the
 * whole-image path for those.
 */
import { concat, FormatError, latin1, u16be } from '../formats/bytes'
import { jpegSegments, type JpegSegment } from '../formats/jpeg'
import { blendRow, type Placement } from '../label/image-mark'
import { forwardDct, inverseDct, toByte, ZIGZAG } from './jpeg-dct'
import {
  BitReader,
  BitWriter,
  CHROMA,
  codesEverySymbol,
  decodeBlock,
  dhtPayload,
  encodeBlock,
  K3,
  LUMA,
  readHuffmanTables,
  type HuffmanTable,
  type ScanTables,
} from './jpeg-entropy'

const SOF0 = 0xc0
const SOF1 = 0xc1
const SOF2 = 0xc2
const DHT = 0xc4
const DQT = 0xdb
const DRI = 0xdd
const APP14 = 0xee

interface Component {
  id: number
  h: number
  v: number
  /** Quantisation table, natural order. */
  quant: Uint16Array
  /** This component's block offset inside one MCU's coefficient run. */
  offset: number
}

interface Frame {
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

interface Scan {
  /** Frame component index, with its DC and AC table keys. */
  components: { ci: number; dc: number; ac: number }[]
  ss: number
  se: number
  ah: number
  al: number
  dataStart: number
}

/** A scan as a sequential interleaved JPEG has it: every component, whole spectrum, one pass. */
const isSingleSequentialScan = (frame: Frame, scan: Scan) =>
  scan.components.length === frame.components.length && scan.ss === 0 && scan.se === 63 && scan.ah === 0 && scan.al === 0

/** Progressive files are decoded whole into coefficient planes; beyond this they are refused. */
const MAX_COEFFICIENT_BYTES = 64 * 1024 * 1024

/** The marked file (no label yet), or undefined when this JPEG is not one this path codes. */
export function markJpegBlocks(bytes: Uint8Array, placement: Placement): Uint8Array | undefined {
  const frame = readFrame(bytes)
  if (!frame) return undefined
  const scan = readScan(bytes, frame.firstScan, frame)
  if (!isSingleSequentialScan(frame, scan)) return markBuffered(bytes, frame, placement)
  // Best: the file's own Huffman tables, and unchanged MCUs copied bit for bit. That needs
  // tables that code every symbol a block can hold (the Annex K ones most encoders use
  // unoptimised do) and no restart markers (copies would cross them). Otherwise, as with
  // the optimised tables of mozjpeg or libvips, every block is coded again with Annex K's.
  const tables = scanTables(frame, scan, frame.tables)
  const keepTables = !frame.restartInterval && tables.every((t) => codesEverySymbol(t.codes))
  return codeScan(bytes, frame, scan, tables, placement, keepTables)
}

function codeScan(bytes: Uint8Array, frame: Frame, scan: Scan, fileTables: ScanTables[], placement: Placement, keepTables: boolean): Uint8Array | undefined {
  const { mcusPerLine, mcuRows, blocksPerMcu, components } = frame
  const band = markedMcus(frame, placement)
  const reader = new BitReader(bytes, scan.dataStart)
  // A second reader trails the first and copies the bits of unchanged MCUs to the output.
  const source = new BitReader(bytes, scan.dataStart)
  const writer = new BitWriter(bytes.length)
  const row = new Int16Array(mcusPerLine * blocksPerMcu * 64)
  // The component of each block of an MCU, in coding order (e.g. Y Y Y Y Cb Cr).
  const plan = components.flatMap((c, ci) => Array<number>(c.h * c.v).fill(ci))
  const tables = components.map((_, ci) => (keepTables ? fileTables[ci]!.codes : ci === 0 ? LUMA : CHROMA))
  const n = components.length
  // Per MCU of the row: where its bits start, and the DC predictors it starts from.
  const starts = new Float64Array(mcusPerLine + 1)
  const preds = new Int32Array((mcusPerLine + 1) * n)
  const decodePred = new Int32Array(n)
  const encodePred = new Int32Array(n)
  let copied = 0 // input bits the trailing reader has passed
  let pending = 0 // input bits, up to here, that are to be copied as they are
  let mcusToRestart = frame.restartInterval
  for (let my = 0; my < mcuRows; my++) {
    row.fill(0)
    for (let mx = 0, at = 0; mx < mcusPerLine; mx++) {
      if (frame.restartInterval) {
        if (mcusToRestart === 0) {
          reader.restart()
          decodePred.fill(0)
          mcusToRestart = frame.restartInterval
        }
        mcusToRestart--
      }
      starts[mx] = reader.consumed()
      for (let i = 0; i < n; i++) preds[mx * n + i] = decodePred[i]!
      for (const ci of plan) {
        decodePred[ci] = decodeBlock(reader, fileTables[ci]!, row, at, decodePred[ci]!)
        at += 64
      }
    }
    starts[mcusPerLine] = reader.consumed()
    for (let i = 0; i < n; i++) preds[mcusPerLine * n + i] = decodePred[i]!
    const inBand = my >= band.top && my <= band.bottom
    if (inBand) markBand(frame, row, my, band.left, band.right, placement)
    for (let mx = 0, at = 0; mx < mcusPerLine; mx++, at += blocksPerMcu * 64) {
      const changed = inBand && mx >= band.left && mx <= band.right
      // An unchanged MCU whose predictors agree codes to the very same bits.
      if (keepTables && !changed && samePredictors(encodePred, preds, mx * n)) {
        pending = starts[mx + 1]!
        for (let i = 0; i < n; i++) encodePred[i] = preds[(mx + 1) * n + i]!
        continue
      }
      source.copyTo(writer, pending - copied)
      source.skip(starts[mx + 1]! - pending)
      copied = pending = starts[mx + 1]!
      for (let b = 0; b < plan.length; b++) {
        const ci = plan[b]!
        encodePred[ci] = encodeBlock(writer, tables[ci]!, row, at + b * 64, encodePred[ci]!)
      }
    }
  }
  source.copyTo(writer, pending - copied)
  // Data that goes on past the scan (a second scan, DNL) is not this path's to drop.
  if (!reader.endsAtEoi()) return undefined
  const data = writer.finish()
  return keepTables ? concat([bytes.subarray(0, scan.dataStart), data, Uint8Array.from([0xff, 0xd9])]) : assemble(bytes, frame, data)
}

/** The MCU rows and columns the mark covers. */
function markedMcus(frame: Frame, placement: Placement) {
  const mcuWidth = 8 * frame.hmax
  const mcuHeight = 8 * frame.vmax
  return {
    top: Math.floor(placement.y / mcuHeight),
    bottom: Math.floor((placement.y + placement.overlay.height - 1) / mcuHeight),
    left: Math.floor(placement.x / mcuWidth),
    right: Math.min(frame.mcusPerLine - 1, Math.floor((placement.x + placement.overlay.width - 1) / mcuWidth)),
  }
}

/** Per frame component, the tables the scan names (undefined for components not in it). */
function scanTables(frame: Frame, scan: Scan, tables: Map<number, HuffmanTable>): ScanTables[] {
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

/**
 * Progressive and multi-scan sequential JPEGs: every scan decoded into per-component
 * coefficient planes (successive approximation included), then written as one sequential
 * scan with the Annex K tables and the mark coded in, quantisation tables unchanged.
 */
function markBuffered(bytes: Uint8Array, frame: Frame, placement: Placement): Uint8Array | undefined {
  const { components, mcusPerLine, mcuRows, blocksPerMcu } = frame
  const planeBytes = components.reduce((sum, c) => sum + mcusPerLine * c.h * mcuRows * c.v * 128, 0)
  if (planeBytes > MAX_COEFFICIENT_BYTES) return undefined
  const planes = components.map((c) => new Int16Array(mcusPerLine * c.h * mcuRows * c.v * 64))
  if (!decodeScans(bytes, frame, planes)) return undefined

  const band = markedMcus(frame, placement)
  const writer = new BitWriter(bytes.length)
  const row = new Int16Array(mcusPerLine * blocksPerMcu * 64)
  const encodePred = new Int32Array(components.length)
  for (let my = 0; my < mcuRows; my++) {
    // The MCU row, gathered from the planes into coding order.
    for (let mx = 0; mx < mcusPerLine; mx++) {
      components.forEach((c, ci) => {
        const planeWidth = mcusPerLine * c.h
        for (let y = 0; y < c.v; y++) {
          for (let x = 0; x < c.h; x++) {
            const from = ((my * c.v + y) * planeWidth + mx * c.h + x) * 64
            row.set(planes[ci]!.subarray(from, from + 64), (mx * blocksPerMcu + c.offset + y * c.h + x) * 64)
          }
        }
      })
    }
    if (my >= band.top && my <= band.bottom) markBand(frame, row, my, band.left, band.right, placement)
    for (let mx = 0, at = 0; mx < mcusPerLine; mx++) {
      components.forEach((c, ci) => {
        for (let b = 0; b < c.h * c.v; b++, at += 64) encodePred[ci] = encodeBlock(writer, ci === 0 ? LUMA : CHROMA, row, at, encodePred[ci]!)
      })
    }
  }
  return assemble(bytes, frame, writer.finish())
}

/** Decodes every scan into the planes; false when the file holds something this path does not read. */
function decodeScans(bytes: Uint8Array, frame: Frame, planes: Int16Array[]): boolean {
  const tables = new Map(frame.tables)
  let restartInterval = frame.restartInterval
  let at = frame.firstScan
  for (;;) {
    while (bytes[at] === 0xff && bytes[at + 1] === 0xff) at++ // fill bytes
    if (at + 1 >= bytes.length || bytes[at] !== 0xff) throw new FormatError('corrupt JPEG: expected a marker between scans')
    const marker = bytes[at + 1]!
    if (marker === 0xd9) return true
    if (at + 4 > bytes.length) throw new FormatError('truncated JPEG')
    const end = at + 2 + u16be(bytes, at + 2)
    if (end > bytes.length) throw new FormatError('truncated JPEG segment')
    const payload = bytes.subarray(at + 4, end)
    if (marker === 0xda) {
      const scan = readScan(bytes, at, frame)
      const reader = new BitReader(bytes, scan.dataStart)
      decodeScan(reader, frame, scan, scanTables(frame, scan, tables), restartInterval, planes)
      at = reader.markerOffset()
      continue
    }
    if (marker === DHT) readHuffmanTables(payload, tables)
    else if (marker === DRI) restartInterval = payload.length >= 2 ? u16be(payload, 0) : 0
    else if (!(marker === 0xfe || (marker >= 0xe0 && marker <= 0xef))) return false // DQT, DNL…: not here
    at = end
  }
}

function decodeScan(reader: BitReader, frame: Frame, scan: Scan, tables: ScanTables[], restartInterval: number, planes: Int16Array[]): void {
  const { ss, se, ah, al } = scan
  const preds = new Int32Array(frame.components.length)
  const eob = { run: 0 }
  const decodeOne = (ci: number, plane: Int16Array, at: number) => {
    const t = tables[ci]!
    if (ss === 0 && se === 63 && ah === 0 && al === 0) preds[ci] = decodeBlock(reader, t, plane, at, preds[ci]!)
    else if (ss === 0) {
      if (ah === 0) {
        preds[ci] = preds[ci]! + reader.receive(reader.huffman(t.dc))
        plane[at] = preds[ci]! * (1 << al)
      } else if (reader.read(1)) plane[at] = plane[at]! | (1 << al)
    } else if (ah === 0) reader.acFirst(t.ac, plane, at, ss, se, al, eob)
    else reader.acRefine(t.ac, plane, at, ss, se, al, eob)
  }
  let mcus = 0
  const restart = () => {
    if (restartInterval && mcus > 0 && mcus % restartInterval === 0) {
      reader.restart()
      preds.fill(0)
      eob.run = 0
    }
    mcus++
  }
  if (scan.components.length === 1) {
    // Non-interleaved: the component's own blocks in raster order, each its own MCU.
    const ci = scan.components[0]!.ci
    const c = frame.components[ci]!
    const planeWidth = frame.mcusPerLine * c.h
    const blocksWide = Math.ceil(Math.ceil((frame.width * c.h) / frame.hmax) / 8)
    const blocksHigh = Math.ceil(Math.ceil((frame.height * c.v) / frame.vmax) / 8)
    for (let by = 0; by < blocksHigh; by++) {
      for (let bx = 0; bx < blocksWide; bx++) {
        restart()
        decodeOne(ci, planes[ci]!, (by * planeWidth + bx) * 64)
      }
    }
    return
  }
  for (let my = 0; my < frame.mcuRows; my++) {
    for (let mx = 0; mx < frame.mcusPerLine; mx++) {
      restart()
      for (const { ci } of scan.components) {
        const c = frame.components[ci]!
        const planeWidth = frame.mcusPerLine * c.h
        for (let y = 0; y < c.v; y++) for (let x = 0; x < c.h; x++) decodeOne(ci, planes[ci]!, ((my * c.v + y) * planeWidth + mx * c.h + x) * 64)
      }
    }
  }
}

function samePredictors(current: Int32Array, preds: Int32Array, at: number): boolean {
  for (let i = 0; i < current.length; i++) if (current[i] !== preds[at + i]) return false
  return true
}

/** Header segments → frame, or undefined for a JPEG kind this path does not code. */
function readFrame(bytes: Uint8Array): Frame | undefined {
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
function readScan(bytes: Uint8Array, at: number, frame: Frame): Scan {
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
function quantPrecisions(p: Uint8Array): boolean[] {
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

/** SOI, the header segments but Huffman tables and restart interval, the Annex K tables, a scan header naming them, the data, EOI. */
function assemble(bytes: Uint8Array, frame: Frame, data: Uint8Array): Uint8Array {
  const luma = [dhtPayload(0x00, K3.lumaDc), dhtPayload(0x10, K3.lumaAc)]
  const chroma = frame.components.length > 1 ? [dhtPayload(0x01, K3.chromaDc), dhtPayload(0x11, K3.chromaAc)] : []
  const dhtBody = [...luma, ...chroma].flat()
  const dht = [0xff, DHT, (dhtBody.length + 2) >> 8, (dhtBody.length + 2) & 0xff, ...dhtBody]
  const n = frame.components.length
  const sos = [0xff, 0xda, 0, 6 + 2 * n, n, ...frame.components.flatMap((c, i) => [c.id, i === 0 ? 0x00 : 0x11]), 0, 63, 0]
  const sofAt = frame.kept.findIndex((s) => s.marker === SOF0 || s.marker === SOF1 || s.marker === SOF2)
  // The output is one sequential scan: a progressive frame header becomes baseline, or
  // extended sequential when a quantisation table has 16-bit steps.
  const sof = bytes.slice(frame.kept[sofAt]!.start, frame.kept[sofAt]!.end)
  const wideSteps = frame.kept.some((s) => s.marker === DQT && quantPrecisions(s.payload).some((wide) => wide))
  if (sof[1] === SOF2) sof[1] = wideSteps ? SOF1 : SOF0
  return concat([
    bytes.subarray(0, 2),
    ...frame.kept.slice(0, sofAt).map((s) => bytes.subarray(s.start, s.end)),
    sof,
    Uint8Array.from(dht),
    ...frame.kept.slice(sofAt + 1).map((s) => bytes.subarray(s.start, s.end)),
    Uint8Array.from(sos),
    data,
    Uint8Array.from([0xff, 0xd9]),
  ])
}

/**
 * The MCUs [left, right] of MCU row `my` through pixels: IDCT, colour conversion (box
 * up-sampling), the mark blended row by row, and back (box down-sampling, DCT, quantise).
 */
function markBand(frame: Frame, row: Int16Array, my: number, left: number, right: number, placement: Placement): void {
  const { components, hmax, vmax, blocksPerMcu } = frame
  const mcuWidth = 8 * hmax
  const mcuHeight = 8 * vmax
  const tileWidth = (right - left + 1) * mcuWidth
  // One plane per component at full resolution over the tile.
  const planes = components.map(() => new Float64Array(tileWidth * mcuHeight))
  const samples = new Float64Array(64)
  const eachBlock = (fn: (c: Component, ci: number, at: number, bx: number, by: number) => void) => {
    for (let mx = left; mx <= right; mx++) {
      components.forEach((c, ci) => {
        for (let b = 0; b < c.h * c.v; b++) {
          const at = (mx * blocksPerMcu + c.offset + b) * 64
          fn(c, ci, at, (mx - left) * 8 * c.h + (b % c.h) * 8, Math.floor(b / c.h) * 8)
        }
      })
    }
  }
  eachBlock((c, ci, at, bx, by) => {
    inverseDct(row, at, c.quant, samples)
    const sx = hmax / c.h
    const sy = vmax / c.v
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const value = samples[y * 8 + x]!
        for (let dy = 0; dy < sy; dy++) {
          const base = ((by + y) * sy + dy) * tileWidth + (bx + x) * sx
          for (let dx = 0; dx < sx; dx++) planes[ci]![base + dx] = value
        }
      }
    }
  })

  const rgba = new Uint8Array(tileWidth * 4)
  const before = new Uint8Array(tileWidth * 4)
  const shifted = { ...placement, x: placement.x - left * mcuWidth }
  const [Y, Cb, Cr] = planes as [Float64Array, Float64Array?, Float64Array?]
  for (let y = 0; y < mcuHeight; y++) {
    const imageY = my * mcuHeight + y
    if (imageY < placement.y || imageY >= placement.y + placement.overlay.height) continue
    const o = y * tileWidth
    for (let x = 0; x < tileWidth; x++) {
      const l = Y[o + x]!
      const cb = Cb ? Cb[o + x]! - 128 : 0
      const cr = Cr ? Cr[o + x]! - 128 : 0
      rgba[x * 4] = toByte(l + 1.402 * cr)
      rgba[x * 4 + 1] = toByte(l - 0.344136 * cb - 0.714136 * cr)
      rgba[x * 4 + 2] = toByte(l + 1.772 * cb)
      rgba[x * 4 + 3] = 255
    }
    before.set(rgba)
    blendRow(rgba, { channels: 4, sampleBytes: 1 }, imageY, shifted, tileWidth)
    for (let x = 0; x < tileWidth; x++) {
      const i = x * 4
      const r = rgba[i]!
      const g = rgba[i + 1]!
      const b = rgba[i + 2]!
      // Unblended pixels keep their exact samples rather than a rounded colour round trip.
      if (r === before[i] && g === before[i + 1] && b === before[i + 2]) continue
      Y[o + x] = 0.299 * r + 0.587 * g + 0.114 * b
      if (Cb) Cb[o + x] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
      if (Cr) Cr[o + x] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    }
  }

  eachBlock((c, ci, at, bx, by) => {
    const sx = hmax / c.h
    const sy = vmax / c.v
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        let sum = 0
        for (let dy = 0; dy < sy; dy++) {
          const base = ((by + y) * sy + dy) * tileWidth + (bx + x) * sx
          for (let dx = 0; dx < sx; dx++) sum += planes[ci]![base + dx]!
        }
        samples[y * 8 + x] = sum / (sx * sy)
      }
    }
    forwardDct(samples, c.quant, row, at)
  })
}
