/**
 * JPEG entropy coding (T.81 Annex F/G): Huffman tables from DHT segments, the bit reader
 * (with 0xFF00 unstuffing, restart markers and the progressive refinement passes), the
 * bit writer, and the Annex K tables that code every symbol. Pure.
 */
import { FormatError } from '../formats/bytes'

export interface ScanTables {
  dc: DecodeTable
  ac: DecodeTable
  codes: EncodeTables
}

/** Decoding by a 16-bit lookup: entry = code length << 8 | symbol (0 length: no code). */
type DecodeTable = Uint16Array

export interface HuffmanTable {
  decode: DecodeTable
  codes: HuffmanCodes
  /** As the DHT segment has it: code counts per length 1–16, then the symbols. */
  spec: number[][]
}

/** Keys: 0–3 DC tables, 16–19 AC tables. */
export function readHuffmanTables(p: Uint8Array, out: Map<number, HuffmanTable>): void {
  let at = 0
  while (at < p.length) {
    if (at + 17 > p.length) throw new FormatError('corrupt JPEG Huffman table')
    const kind = p[at]! >> 4
    const id = p[at]! & 15
    const counts = p.subarray(at + 1, at + 17)
    const total = counts.reduce((a, b) => a + b, 0)
    const symbols = p.subarray(at + 17, at + 17 + total)
    if (kind > 1 || id > 3 || symbols.length !== total) throw new FormatError('corrupt JPEG Huffman table')
    const table = new Uint16Array(65536)
    let code = 0
    let k = 0
    for (let length = 1; length <= 16; length++) {
      for (let i = 0; i < counts[length - 1]!; i++) {
        const span = 1 << (16 - length)
        const start = code << (16 - length)
        if (start + span > 65536) throw new FormatError('corrupt JPEG Huffman table: too many codes')
        table.fill((length << 8) | symbols[k++]!, start, start + span)
        code++
      }
      code <<= 1
    }
    const spec = [Array.from(counts), Array.from(symbols)]
    out.set(kind * 16 + id, { decode: table, codes: huffmanCodes(spec), spec })
    at += 17 + total
  }
}

/** Entropy-coded bits, with 0xFF00 unstuffed; a marker ends the data (then zeros follow). */
export class BitReader {
  private bits = 0
  private count = 0
  private marker = -1

  constructor(
    private readonly bytes: Uint8Array,
    private at: number,
  ) {}

  private fill(): void {
    while (this.count <= 24) {
      let byte = 0
      if (this.marker < 0) {
        if (this.at >= this.bytes.length) throw new FormatError('truncated JPEG image data')
        byte = this.bytes[this.at]!
        if (byte === 0xff) {
          const next = this.bytes[this.at + 1]
          if (next === 0) this.at += 2
          else {
            this.marker = next ?? 0xd9
            byte = 0
          }
        } else this.at++
      }
      this.bits = ((this.bits << 8) | byte) >>> 0
      this.count += 8
    }
  }

  /** `size` (≤ 16) raw bits. */
  read(size: number): number {
    if (this.count < size) this.fill()
    this.count -= size
    return (this.bits >>> this.count) & ((1 << size) - 1)
  }

  huffman(table: DecodeTable): number {
    if (this.count < 16) this.fill()
    const entry = table[(this.bits >>> (this.count - 16)) & 0xffff]!
    const length = entry >> 8
    if (length === 0) throw new FormatError('corrupt JPEG image data: bad Huffman code')
    this.count -= length
    return entry & 0xff
  }

  /** `size` raw bits as a signed coefficient (JPEG's EXTEND). */
  receive(size: number): number {
    if (size === 0) return 0
    const value = this.read(size)
    return value < 1 << (size - 1) ? value - (1 << size) + 1 : value
  }

  /** At a restart interval: drop the padding bits and step over the RSTn marker. */
  restart(): void {
    this.count = 0
    this.bits = 0
    if (this.marker < 0) this.seekMarker()
    if (this.marker < 0xd0 || this.marker > 0xd7) throw new FormatError('corrupt JPEG: expected a restart marker')
    this.at += 2
    this.marker = -1
  }

  /** Progressive AC first pass: coefficients ss..se of one block, scaled by 2^al; EOB runs span blocks. */
  acFirst(table: DecodeTable, out: Int16Array, at: number, ss: number, se: number, al: number, eob: { run: number }): void {
    if (eob.run > 0) {
      eob.run--
      return
    }
    for (let k = ss; k <= se; k++) {
      const rs = this.huffman(table)
      const run = rs >> 4
      const size = rs & 15
      if (size === 0) {
        if (run < 15) {
          eob.run = (1 << run) - 1 + (run ? this.read(run) : 0)
          return
        }
        k += 15 // sixteen zeros
        continue
      }
      k += run
      if (k > 63) throw new FormatError('corrupt JPEG image data: coefficient out of range')
      out[at + k] = this.receive(size) * (1 << al)
    }
  }

  /** Progressive AC refinement (T.81 G.1.2.3): one more bit of known coefficients, new ±1 ones placed. */
  acRefine(table: DecodeTable, out: Int16Array, at: number, ss: number, se: number, al: number, eob: { run: number }): void {
    const plus = 1 << al
    const minus = -1 << al
    let k = ss
    const refine = (i: number) => {
      const c = out[i]!
      if (this.read(1) && (c & plus) === 0) out[i] = c + (c >= 0 ? plus : minus)
    }
    if (eob.run === 0) {
      for (; k <= se; k++) {
        const rs = this.huffman(table)
        let run = rs >> 4
        const size = rs & 15
        let value = 0
        if (size) value = this.read(1) ? plus : minus
        else if (run !== 15) {
          eob.run = (1 << run) + (run ? this.read(run) : 0)
          break
        }
        // Skip `run` zero coefficients, refining the non-zero ones passed on the way.
        for (; k <= se; k++) {
          if (out[at + k] !== 0) refine(at + k)
          else if (run-- === 0) break
        }
        if (value && k <= se) out[at + k] = value
      }
    }
    if (eob.run > 0) {
      for (; k <= se; k++) if (out[at + k] !== 0) refine(at + k)
      eob.run--
    }
  }

  /** Where the marker that ended the data starts. */
  markerOffset(): number {
    if (this.marker < 0) this.seekMarker()
    return this.at
  }

  /** Whether the marker after the data is EOI. */
  endsAtEoi(): boolean {
    if (this.marker < 0) this.seekMarker()
    return this.marker === 0xd9
  }

  private seekMarker(): void {
    while (this.at < this.bytes.length - 1 && !(this.bytes[this.at] === 0xff && this.bytes[this.at + 1] !== 0)) this.at++
    this.marker = this.bytes[this.at + 1] ?? -1
  }
}

/** Decodes one block into `out[at..at+64)` (zig-zag order); returns the new DC predictor. */
export function decodeBlock(reader: BitReader, tables: ScanTables, out: Int16Array, at: number, pred: number): number {
  const dc = pred + reader.receive(reader.huffman(tables.dc))
  out[at] = dc
  // A sequential block is a progressive first pass over 1..63 at full precision.
  reader.acFirst(tables.ac, out, at, 1, 63, 0, { run: 0 })
  return dc
}

/** Where coded symbols go: a BitWriter, or a tally of the symbols a re-coding needs. */
export interface SymbolSink {
  symbol(codes: HuffmanCodes, symbol: number, value: number, size: number): void
}

export class BitWriter implements SymbolSink {
  private out: Uint8Array
  private at = 0
  private bits = 0
  private count = 0

  /**
   * `expected`: the input's size; re-coded data is rarely more than a few percent larger.
   * `stuffing` false: plain bits, to be stuffed later in one pass (see jpeg-splice.ts).
   */
  constructor(
    expected: number,
    private readonly stuffing = true,
  ) {
    this.out = new Uint8Array(Math.max(64 * 1024, Math.ceil(expected * 1.125)))
  }

  /** Bits [from, to) of plain (unstuffed) `source`, appended; a shifted byte copy in bulk. */
  copyBits(source: Uint8Array, from: number, to: number): void {
    let n = to - from
    if (n <= 0) return
    const head = Math.min(n, (8 - (from & 7)) & 7)
    if (head > 0) {
      this.write(source[from >>> 3]! >>> (8 - (from & 7) - head), head)
      from += head
      n -= head
    }
    const whole = n >>> 3
    let i = from >>> 3
    if (!this.stuffing) {
      while (this.at + whole + 4 > this.out.length) this.grow()
      const shift = this.count
      const out = this.out
      let at = this.at
      if (shift === 0) {
        out.set(source.subarray(i, i + whole), at)
        at += whole
        i += whole
      } else {
        // `bits` holds `shift` pending bits; each source byte pushes one whole byte out.
        let bits = this.bits
        const keep = (1 << shift) - 1
        for (const end = i + whole; i < end; i++) {
          const v = (bits << 8) | source[i]!
          out[at++] = (v >>> shift) & 0xff
          bits = v & keep
        }
        this.bits = bits
      }
      this.at = at
    } else for (const end = i + whole; i < end; i++) this.write(source[i]!, 8)
    const tail = n & 7
    if (tail > 0) this.write(source[i]! >>> (8 - tail), tail)
  }

  /** A Huffman code and, after it, `size` bits of `value` (one's complement when negative). */
  symbol(codes: HuffmanCodes, symbol: number, value: number, size: number): void {
    const length = codes.length[symbol]!
    const extra = value < 0 ? value - 1 : value
    if (length + size <= 24) this.write((codes.code[symbol]! << size) | (extra & ((1 << size) - 1)), length + size)
    else {
      this.write(codes.code[symbol]!, length)
      this.write(extra, size)
    }
  }

  /** At most 24 bits; fewer than 8 are left pending afterwards. */
  write(value: number, length: number): void {
    const bits = ((this.bits << length) | (value & ((1 << length) - 1))) >>> 0
    let count = this.count + length
    while (count >= 8) {
      count -= 8
      const byte = (bits >>> count) & 0xff
      if (this.at + 2 > this.out.length) this.grow()
      this.out[this.at++] = byte
      if (byte === 0xff && this.stuffing) this.out[this.at++] = 0
    }
    this.bits = bits & ((1 << count) - 1)
    this.count = count
  }

  private grow(): void {
    const bigger = new Uint8Array(Math.ceil(this.out.length * 1.5))
    bigger.set(this.out)
    this.out = bigger
  }

  /** Pads the last byte with ones, as the standard asks. */
  finish(): Uint8Array {
    if (this.count > 0) this.write(0x7f, 8 - this.count)
    return this.out.subarray(0, this.at)
  }
}

export interface EncodeTables {
  dc: HuffmanCodes
  ac: HuffmanCodes
}

/** code and length per symbol */
export interface HuffmanCodes {
  code: Uint16Array
  length: Uint8Array
}

/** Category of a value (the number of bits of its magnitude), by lookup: |v| < 2^15. */
const CATEGORY = Uint8Array.from({ length: 1 << 16 }, (_, i) => (i === 32768 ? 0 : 32 - Math.clz32(Math.abs(i - 32768))))
const category = (v: number) => CATEGORY[v + 32768]!

export function encodeBlock(writer: SymbolSink, tables: EncodeTables, block: Int16Array, at: number, pred: number): number {
  const dc = block[at]!
  const diff = dc - pred
  const dcSize = category(diff)
  writer.symbol(tables.dc, dcSize, diff, dcSize)
  let last = 63
  while (last > 0 && block[at + last] === 0) last--
  let run = 0
  for (let k = 1; k <= last; k++) {
    const v = block[at + k]!
    if (v === 0) {
      run++
      continue
    }
    while (run > 15) {
      writer.symbol(tables.ac, 0xf0, 0, 0)
      run -= 16
    }
    const size = category(v)
    writer.symbol(tables.ac, (run << 4) | size, v, size)
    run = 0
  }
  if (last < 63) writer.symbol(tables.ac, 0x00, 0, 0) // end of block
  return dc
}

// The typical tables of JPEG Annex K.3: they code every symbol an 8-bit baseline block can
// produce, so re-coded blocks always fit (the file's own tables may lack symbols the mark needs).
export const K3 = {
  lumaDc: [[0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
  chromaDc: [[0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
  lumaAc: [
    [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
    [
      0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81,
      0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18,
      0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
      0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
      0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
      0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
      0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5,
      0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
    ],
  ],
  chromaAc: [
    [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
    [
      0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08,
      0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25,
      0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47,
      0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74,
      0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
      0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba,
      0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4,
      0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
    ],
  ],
}

export function huffmanCodes([counts, symbols]: number[][]): HuffmanCodes {
  const out = { code: new Uint16Array(256), length: new Uint8Array(256) }
  let code = 0
  let k = 0
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < counts![length - 1]!; i++) {
      out.code[symbols![k]!] = code++
      out.length[symbols![k++]!] = length
    }
    code <<= 1
  }
  return out
}

export const dhtPayload = (classAndId: number, [counts, symbols]: number[][]) => [classAndId, ...counts!, ...symbols!]

export const LUMA: EncodeTables = { dc: huffmanCodes(K3.lumaDc), ac: huffmanCodes(K3.lumaAc) }
export const CHROMA: EncodeTables = { dc: huffmanCodes(K3.chromaDc), ac: huffmanCodes(K3.chromaAc) }
