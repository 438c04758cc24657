/**
 * The visible mark on a JPEG (8-bit, Huffman-coded) in the coefficient domain: only the
 * MCUs under the mark go through IDCT → blend → DCT with the file's own quantisation
 * tables; every other block keeps its quantised coefficients exactly, so there is no
 * generation loss outside the mark.
 *
 * A sequential file is spliced (jpeg-splice.ts): the marked MCUs are coded again into the
 * input's own entropy-coded bits, which are otherwise copied, with the file's Huffman
 * tables (extended when the mark needs symbols they lack). Only a file whose tables have
 * no free codes left is coded again whole, one MCU row at a time, with the Annex K tables.
 *
 * Progressive and multi-scan files keep the full path: decoded whole into coefficient
 * planes (2 bytes a coefficient, within MAX_COEFFICIENT_BYTES) and written as one
 * sequential scan.
 *
 * Written here because no JPEG library for JS or wasm exposes quantised coefficients
 * (jpegtran's role); @jsquash decodes to pixels, which costs 4 bytes a pixel at once.
 * Arithmetic-coded, 12-bit and CMYK files return undefined: the caller takes the
 * whole-image path for those.
 */
import { concat, FormatError, u16be } from '../formats/bytes'
import { blendRow, type Placement } from '../label/image-mark'
import { dctCoefficients, forwardDct, inverseDct, toByte, ZIGZAG } from './jpeg-dct'
import { BitReader, BitWriter, CHROMA, decodeBlock, dhtPayload, encodeBlock, K3, LUMA, readHuffmanTables, type ScanTables } from './jpeg-entropy'
import { DHT, DQT, DRI, isSingleSequentialScan, quantPrecisions, readFrame, readScan, scanTables, SOF0, SOF1, SOF2, type Component, type Frame, type Scan } from './jpeg-frame'
import { recodeMcus } from './jpeg-splice'
import { bandGain, amplitudeAt, TileWatermark, type WatermarkEmbedding } from '../watermark'

/** Progressive files are decoded whole into coefficient planes; beyond this they are refused. */
const MAX_COEFFICIENT_BYTES = 64 * 1024 * 1024

/** The marked file (no label yet), or undefined when this JPEG is not one this path codes. */
export function markJpegBlocks(bytes: Uint8Array, placement: Placement, watermark?: WatermarkEmbedding): Uint8Array | undefined {
  const frame = readFrame(bytes)
  if (!frame) return undefined
  const scan = readScan(bytes, frame.firstScan, frame)
  // A luma plane below full resolution would put more than two chips in a block: the pixel path takes it.
  if (watermark && (frame.components[0]!.h !== frame.hmax || frame.components[0]!.v !== frame.vmax)) return undefined
  const mark = watermark && new TileWatermark(frame.width, frame.height, watermark.key, watermark.payload)
  if (!isSingleSequentialScan(frame, scan)) return markBuffered(bytes, frame, placement, mark)
  // The watermark changes every luma block: the scan is coded again, an MCU row at a time.
  if (mark) return codeScan(bytes, frame, scan, scanTables(frame, scan, frame.tables), placement, mark)
  const band = markedMcus(frame, placement)
  const columns = band.right - band.left + 1
  const mcus: number[] = []
  for (let my = band.top; my <= band.bottom; my++) for (let mx = band.left; mx <= band.right; mx++) mcus.push(my * frame.mcusPerLine + mx)
  const change = (coefficients: Int16Array) => {
    for (let my = band.top; my <= band.bottom; my++) markBand(frame, coefficients, (my - band.top) * columns, my, band.left, band.right, placement)
  }
  return recodeMcus(bytes, frame, scan, frame.tables, { mcus, change }) ?? codeScan(bytes, frame, scan, scanTables(frame, scan, frame.tables), placement)
}

/** Every MCU decoded and coded again with the Annex K tables, the mark's ones through pixels. */
function codeScan(bytes: Uint8Array, frame: Frame, scan: Scan, fileTables: ScanTables[], placement: Placement, mark?: TileWatermark): Uint8Array | undefined {
  const { mcusPerLine, mcuRows, blocksPerMcu, components } = frame
  const band = markedMcus(frame, placement)
  const reader = new BitReader(bytes, scan.dataStart)
  const writer = new BitWriter(bytes.length)
  const row = new Int16Array(mcusPerLine * blocksPerMcu * 64)
  // The component of each block of an MCU, in coding order (e.g. Y Y Y Y Cb Cr).
  const plan = components.flatMap((c, ci) => Array<number>(c.h * c.v).fill(ci))
  const decodePred = new Int32Array(components.length)
  const encodePred = new Int32Array(components.length)
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
      for (const ci of plan) {
        decodePred[ci] = decodeBlock(reader, fileTables[ci]!, row, at, decodePred[ci]!)
        at += 64
      }
    }
    if (my >= band.top && my <= band.bottom) markBand(frame, row, band.left, my, band.left, band.right, placement)
    if (mark) watermarkMcuRow(frame, row, my, mark)
    for (let at = 0, b = 0; at < row.length; at += 64, b = (b + 1) % plan.length) {
      const ci = plan[b]!
      encodePred[ci] = encodeBlock(writer, ci === 0 ? LUMA : CHROMA, row, at, encodePred[ci]!)
    }
  }
  // Data that goes on past the scan (a second scan, DNL) is not this path's to drop.
  if (!reader.endsAtEoi()) return undefined
  return assemble(bytes, frame, writer.finish())
}

/** The MCU rows and columns the mark covers. */
function markedMcus(frame: Frame, placement: Placement) {
  const mcuWidth = 8 * frame.hmax
  const mcuHeight = 8 * frame.vmax
  return {
    top: Math.floor(placement.y / mcuHeight),
    bottom: Math.min(frame.mcuRows - 1, Math.floor((placement.y + placement.overlay.height - 1) / mcuHeight)),
    left: Math.floor(placement.x / mcuWidth),
    right: Math.min(frame.mcusPerLine - 1, Math.floor((placement.x + placement.overlay.width - 1) / mcuWidth)),
  }
}


/**
 * Progressive and multi-scan sequential JPEGs: every scan decoded into per-component
 * coefficient planes (successive approximation included), then written as one sequential
 * scan with the Annex K tables and the mark coded in, quantisation tables unchanged.
 */
function markBuffered(bytes: Uint8Array, frame: Frame, placement: Placement, mark: TileWatermark | undefined): Uint8Array | undefined {
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
    if (my >= band.top && my <= band.bottom) markBand(frame, row, band.left, my, band.left, band.right, placement)
    if (mark) watermarkMcuRow(frame, row, my, mark)
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
 * The MCUs [left, right] of MCU row `my`, held in `row` from MCU `first` on, through pixels: IDCT, colour conversion (box
 * up-sampling), the mark blended row by row, and back (box down-sampling, DCT, quantise).
 */
function markBand(frame: Frame, row: Int16Array, first: number, my: number, left: number, right: number, placement: Placement): void {
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
          const at = ((first + mx - left) * blocksPerMcu + c.offset + b) * 64
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

/** Unit-amplitude DCTs of the chip signs a block can hold, by their layout (see blockPatternKey). */
const blockPatterns = new Map<number, Float64Array>()

/**
 * The watermark on MCU row `my` in the coefficient domain: per luma block, the pattern's
 * DCT (unit chips times the block's amplitude) added and requantised with the file's own
 * table. The mask is the block's AC energy (its pixel deviation), the gain the band's, as
 * on pixels. Chips are at least 4 pixels, so a block spans at most two chips each way.
 */
function watermarkMcuRow(frame: Frame, row: Int16Array, my: number, mark: TileWatermark): void {
  const luma = frame.components[0]!
  const blocks = luma.h * luma.v
  const count = frame.mcusPerLine * blocks
  const texture = new Float64Array(count)
  const at = (i: number) => (Math.floor(i / blocks) * frame.blocksPerMcu + luma.offset + (i % blocks)) * 64
  for (let i = 0; i < count; i++) {
    let energy = 0
    for (let k = 1; k < 64; k++) energy += (row[at(i) + k]! * luma.quant[ZIGZAG[k]!]!) ** 2
    texture[i] = Math.sqrt(energy) / 8
  }
  const gain = bandGain(texture)
  for (let i = 0; i < count; i++) {
    const mx = Math.floor(i / blocks)
    const b = i % blocks
    // The block's top-left image pixel (luma is at full resolution here).
    const x0 = (mx * luma.h + (b % luma.h)) * 8
    const y0 = (my * luma.v + Math.floor(b / luma.h)) * 8
    if (x0 >= frame.width || y0 >= frame.height) continue
    const unit = blockPattern(mark, x0, y0)
    const amplitude = amplitudeAt(gain, texture[i]!)
    const base = at(i)
    for (let k = 0; k < 64; k++) {
      const step = Math.round((amplitude * unit[k]!) / luma.quant[ZIGZAG[k]!]!)
      if (step) row[base + k] = Math.max(-2047, Math.min(2047, row[base + k]! + step))
    }
  }
}

function blockPattern(mark: TileWatermark, x0: number, y0: number): Float64Array {
  const chip = mark.chipPixels
  // Where the next chip starts inside the block (8 when it does not), and the four signs.
  const splitX = Math.min(8, chip - (x0 % chip))
  const splitY = Math.min(8, chip - (y0 % chip))
  const signs = [mark.sign(x0, y0), mark.sign(x0 + chip, y0), mark.sign(x0, y0 + chip), mark.sign(x0 + chip, y0 + chip)]
  const key = (splitX * 9 + splitY) * 16 + signs.reduce((k, s, i) => k | ((s > 0 ? 1 : 0) << i), 0)
  let unit = blockPatterns.get(key)
  if (!unit) {
    const samples = new Float64Array(64)
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) samples[y * 8 + x] = signs[(x >= splitX ? 1 : 0) + (y >= splitY ? 2 : 0)]!
    unit = dctCoefficients(samples)
    blockPatterns.set(key, unit)
  }
  return unit
}
