/**
 * Seeded mutations of a carrier file: generic byte edits (bit flips, truncation, insertion,
 * range duplication, boundary integers) and, where a lenient walk finds the structure,
 * edits that keep the file parseable one level deeper: PNG chunks with their CRC fixed,
 * JPEG segments, RIFF chunks, GIF blocks, MP4 boxes, Markdown front matter lines, markup
 * fragments in HTML and in Office XML parts (repackaged), the numbers a PDF's
 * cross-reference sections trust, ZIP record fields. Pure: the same seed
 * gives the same bytes, so a case is its (seed, format, index).
 */
import { zipSync } from 'fflate'
import { entryData, readZip } from '../../src/formats/zip'
import { concat, latin1, putU32be, putU32le, u16be, u32be, u32le, utf8, fromUtf8 } from '../../src/formats/bytes'

/** `mp4` is the ISO base media family (MP4, MOV, M4A); `ooxml` the Office packages (DOCX, XLSX, PPTX). */
export type FuzzFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'markdown' | 'html' | 'pdf' | 'ooxml' | 'mp4' | 'mp3' | 'aac' | 'wav' | 'flac' | 'ogg'
export const FUZZ_FORMATS: FuzzFormat[] = ['png', 'jpeg', 'webp', 'gif', 'markdown', 'html', 'pdf', 'ooxml', 'mp4', 'mp3', 'aac', 'wav', 'flac', 'ogg']

/** mulberry32: small, fast, and good enough to pick mutations. */
export interface Rng {
  next(): number
  int(n: number): number
  pick<T>(items: readonly T[]): T
}

export function rng(seed: number): Rng {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  return { next, int, pick: (items) => items[int(items.length)]! }
}

/** FNV-1a over the case's coordinates: every case has its own independent stream. */
export function caseSeed(seed: number, format: FuzzFormat, index: number): number {
  let h = 0x811c9dc5
  for (const ch of `${seed}:${format}:${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193)
  return h >>> 0
}

export interface Mutation {
  bytes: Uint8Array
  /** What was done, for the failure report. */
  steps: string[]
}

type Mutator = (b: Uint8Array, r: Rng) => [Uint8Array, string] | undefined

const BOUNDARY32 = [0, 1, 0x7f, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]
const BOUNDARY16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff]

const at = (b: Uint8Array, r: Rng) => r.int(Math.max(1, b.length))
const randomBytes = (r: Rng, n: number) => Uint8Array.from({ length: n }, () => (r.next() < 0.3 ? r.pick([0, 0xff, 0x00, 0x80]) : r.int(256)))
const splice = (b: Uint8Array, start: number, remove: number, insert: Uint8Array = new Uint8Array()) =>
  concat([b.subarray(0, start), insert, b.subarray(Math.min(b.length, start + remove))])
const copy = (b: Uint8Array) => b.slice()

const generic: Mutator[] = [
  (b, r) => {
    const out = copy(b)
    const n = 1 + r.int(8)
    for (let k = 0; k < n && out.length; k++) out[at(out, r)]! ^= 1 << r.int(8)
    return [out, `flip ${n} bits`]
  },
  (b, r) => {
    const out = copy(b)
    const i = at(out, r)
    if (i < out.length) out[i] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)])
    return [out, `set byte ${i}`]
  },
  (b, r) => {
    // Mostly near the end, where trailers and last chunks are.
    const cut = r.next() < 0.5 ? Math.max(0, b.length - 1 - r.int(64)) : r.int(b.length + 1)
    return [b.subarray(0, cut), `truncate to ${cut}`]
  },
  (b, r) => {
    const i = r.int(b.length + 1)
    const n = 1 + r.int(64)
    return [splice(b, i, 0, randomBytes(r, n)), `insert ${n} bytes at ${i}`]
  },
  (b, r) => {
    const i = r.int(b.length + 1)
    const n = 1 + r.int(64)
    return [splice(b, i, n), `delete ${n} bytes at ${i}`]
  },
  (b, r) => {
    if (b.length < 2) return undefined
    const start = r.int(b.length)
    const end = Math.min(b.length, start + 1 + r.int(256))
    const to = r.int(b.length + 1)
    return [splice(b, to, 0, b.slice(start, end)), `duplicate ${start}..${end} at ${to}`]
  },
  (b, r) => {
    if (b.length < 4) return undefined
    const out = copy(b)
    const i = r.int(b.length - 3)
    const v = r.pick(BOUNDARY32)
    if (r.next() < 0.5) putU32be(out, i, v)
    else putU32le(out, i, v)
    return [out, `u32 ${v} at ${i}`]
  },
]

// --- PNG: chunks; edits inside a chunk recompute its CRC so the parser reads past it.

interface Span {
  start: number
  end: number
  /** Where the length field is, its width and byte order. */
  lengthAt: number
  tag: string
}

function pngChunkSpans(b: Uint8Array): Span[] {
  const spans: Span[] = []
  for (let p = 8; p + 12 <= b.length && spans.length < 10_000; ) {
    const length = u32be(b, p)
    const end = p + 12 + length
    if (end > b.length) break
    spans.push({ start: p, end, lengthAt: p, tag: String.fromCharCode(...b.subarray(p + 4, p + 8)) })
    p = end
  }
  return spans
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(b: Uint8Array): number {
  let c = 0xffffffff
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function fixPngCrc(b: Uint8Array, s: Span): void {
  if (s.end <= b.length && s.end - 4 >= s.start + 4) putU32be(b, s.end - 4, crc32(b.subarray(s.start + 4, s.end - 4)))
}

const png: Mutator[] = [
  ...spanMutators(pngChunkSpans, 4, 'be'),
  (b, r) => {
    // A field inside a chunk's data changed and the CRC made right: IHDR sizes, text lengths.
    const spans = pngChunkSpans(b).filter((s) => s.end - s.start > 12)
    if (!spans.length) return undefined
    const s = r.pick(spans)
    const out = copy(b)
    const i = s.start + 8 + r.int(s.end - s.start - 12)
    if (r.next() < 0.5 && i + 4 <= s.end - 4) putU32be(out, i, r.pick(BOUNDARY32))
    else out[i]! ^= 1 << r.int(8)
    fixPngCrc(out, s)
    return [out, `edit ${s.tag} data at ${i}, CRC fixed`]
  },
]

// --- JPEG: marker segments up to the first SOS; the entropy-coded data after it as a range.

function jpegSegmentSpans(b: Uint8Array): Span[] {
  const spans: Span[] = []
  for (let p = 2; p + 4 <= b.length && b[p] === 0xff && spans.length < 10_000; ) {
    const marker = b[p + 1]!
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2
      continue
    }
    const end = p + 2 + u16be(b, p + 2)
    if (end > b.length) break
    spans.push({ start: p, end, lengthAt: p + 2, tag: `FF${marker.toString(16).toUpperCase()}` })
    if (marker === 0xda) break
    p = end
  }
  return spans
}

const jpeg: Mutator[] = [
  ...spanMutators(jpegSegmentSpans, 2, 'be'),
  (b, r) => {
    // Inside a table or frame header: counts, component ids, Huffman code lengths.
    const spans = jpegSegmentSpans(b).filter((s) => s.end - s.start > 4)
    if (!spans.length) return undefined
    const s = r.pick(spans)
    const out = copy(b)
    const i = s.start + 4 + r.int(s.end - s.start - 4)
    out[i] = r.pick([0, 1, 0x0f, 0x10, 0x11, 0xff, r.int(256)])
    return [out, `edit ${s.tag} at ${i}`]
  },
]

// --- RIFF (WebP): chunks after the 12-byte header, padded to even sizes.

function riffChunkSpans(b: Uint8Array): Span[] {
  const spans: Span[] = []
  for (let p = 12; p + 8 <= b.length && spans.length < 10_000; ) {
    const size = u32le(b, p + 4)
    const end = p + 8 + size + (size & 1)
    if (end > b.length) break
    spans.push({ start: p, end, lengthAt: p + 4, tag: String.fromCharCode(...b.subarray(p, p + 4)) })
    p = end
  }
  return spans
}

const riffSize: Mutator = (b, r) => {
  if (b.length < 8) return undefined
  const out = copy(b)
  const v = r.pick([0, b.length - 8, b.length, b.length - 9, 0xffffffff, r.int(b.length * 2)])
  putU32le(out, 4, v)
  return [out, `RIFF size ${v}`]
}

const webp: Mutator[] = [
  ...spanMutators(riffChunkSpans, 4, 'le'),
  riffSize,
  (b, r) => {
    // VP8X flags (ICC, alpha, EXIF, XMP, animation) and canvas size.
    const vp8x = riffChunkSpans(b).find((s) => s.tag === 'VP8X')
    if (!vp8x || vp8x.end - vp8x.start < 18) return undefined
    const out = copy(b)
    const i = vp8x.start + 8 + r.int(10)
    out[i] = r.pick([0, 0xff, 1 << r.int(8), r.int(256)])
    return [out, `VP8X byte ${i - vp8x.start - 8}`]
  },
]

// --- GIF: the screen descriptor, then extensions and images made of sub-blocks.

function subBlocksEnd(b: Uint8Array, p: number): number {
  while (p < b.length && b[p] !== 0) p += 1 + b[p]!
  return p + 1
}

function gifBlockSpans(b: Uint8Array): Span[] {
  if (b.length < 13) return []
  const spans: Span[] = []
  let p = 13 + (b[10]! & 0x80 ? 3 << ((b[10]! & 7) + 1) : 0)
  while (p < b.length && spans.length < 10_000) {
    const start = p
    if (b[p] === 0x21 && p + 2 <= b.length) {
      p = subBlocksEnd(b, p + 2)
      spans.push({ start, end: Math.min(p, b.length), lengthAt: start + 2, tag: `ext ${b[start + 1]!.toString(16)}` })
    } else if (b[p] === 0x2c && p + 10 <= b.length) {
      const table = b[p + 9]! & 0x80 ? 3 << ((b[p + 9]! & 7) + 1) : 0
      // The LZW minimum code size byte, then the data sub-blocks.
      p = subBlocksEnd(b, p + 10 + table + 1)
      spans.push({ start, end: Math.min(p, b.length), lengthAt: start + 10 + table + 1, tag: 'image' })
    } else break
  }
  return spans.filter((s) => s.end > s.start)
}

const gif: Mutator[] = [
  ...spanMutators(gifBlockSpans, 1, 'be'),
  (b, r) => {
    const images = gifBlockSpans(b).filter((s) => s.tag === 'image' && s.end - s.start >= 10)
    if (!images.length) return undefined
    const s = r.pick(images)
    const out = copy(b)
    const field = r.int(4) // left, top, width, height
    const v = r.pick(BOUNDARY16)
    out[s.start + 1 + field * 2] = v & 0xff
    out[s.start + 2 + field * 2] = v >>> 8
    return [out, `image descriptor ${['left', 'top', 'width', 'height'][field]} = ${v}`]
  },
  (b, r) => {
    const images = gifBlockSpans(b).filter((s) => s.tag === 'image')
    if (!images.length) return undefined
    const s = r.pick(images)
    const out = copy(b)
    const v = r.pick([0, 1, 2, 8, 11, 12, 13, 0xff])
    if (s.lengthAt - 1 < out.length) out[s.lengthAt - 1] = v
    return [out, `LZW minimum code size ${v}`]
  },
  (b, r) => {
    if (b.length < 13) return undefined
    const out = copy(b)
    const i = 6 + r.int(7) // logical screen: width, height, flags, background, aspect
    out[i] = r.pick([0, 0xff, r.int(256)])
    return [out, `screen descriptor byte ${i}`]
  },
]

// --- ISO base media (MP4, MOV, M4A): boxes, and the boxes inside the containers that hold the label.

const MP4_CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'meta', 'ilst', 'edts', 'dinf'])

function mp4BoxSpans(b: Uint8Array, start = 0, end = b.length, spans: Span[] = []): Span[] {
  for (let p = start; p + 8 <= end && spans.length < 10_000; ) {
    const size = u32be(b, p)
    if (size < 8 || p + size > end) break
    const tag = String.fromCharCode(...b.subarray(p + 4, p + 8))
    spans.push({ start: p, end: p + size, lengthAt: p, tag })
    // A full box (meta) has four bytes of version and flags before its children.
    if (MP4_CONTAINERS.has(tag)) mp4BoxSpans(b, p + (tag === 'meta' && u32be(b, p + 8) === 0 ? 12 : 8), p + size, spans)
    p += size
  }
  return spans
}

const mp4: Mutator[] = [
  ...spanMutators(mp4BoxSpans, 4, 'be'),
  (b, r) => {
    // 64-bit sizes and size 0 (to the end of the file).
    const spans = mp4BoxSpans(b)
    if (!spans.length) return undefined
    const s = r.pick(spans)
    const out = copy(b)
    const v = r.pick([0, 1])
    putU32be(out, s.lengthAt, v)
    return [out, `${s.tag} size ${v}`]
  },
]

// --- Audio: WAV is RIFF; MP3 (and ADTS AAC) an ID3v2 tag of frames, then MPEG (ADTS) frames; FLAC metadata blocks; Ogg pages.

const wav: Mutator[] = [...spanMutators(riffChunkSpans, 4, 'le'), riffSize]

function id3FrameSpans(b: Uint8Array): Span[] {
  if (b.length < 10 || String.fromCharCode(b[0]!, b[1]!, b[2]!) !== 'ID3') return []
  const end = Math.min(b.length, 10 + ((b[6]! << 21) | (b[7]! << 14) | (b[8]! << 7) | b[9]!))
  const spans: Span[] = []
  for (let p = 10; p + 10 <= end && b[p] !== 0 && spans.length < 10_000; ) {
    const size = b[3] === 4 ? (b[p + 4]! << 21) | (b[p + 5]! << 14) | (b[p + 6]! << 7) | b[p + 7]! : u32be(b, p + 4)
    if (p + 10 + size > end) break
    spans.push({ start: p, end: p + 10 + size, lengthAt: p + 4, tag: String.fromCharCode(...b.subarray(p, p + 4)) })
    p += 10 + size
  }
  return spans
}

const mp3: Mutator[] = [
  ...spanMutators(id3FrameSpans, 4, 'be'),
  (b, r) => {
    // An MPEG frame header: version, layer, bitrate, sample rate, padding, channel mode.
    const starts: number[] = []
    for (let p = 0; p + 4 <= b.length && starts.length < 10_000; p++) if (b[p] === 0xff && (b[p + 1]! & 0xe0) === 0xe0) starts.push(p)
    if (!starts.length) return undefined
    const p = r.pick(starts) + 1 + r.int(3)
    const out = copy(b)
    out[p]! ^= 1 << r.int(8)
    return [out, `MPEG header byte ${p} flipped`]
  },
  (b, r) => {
    if (b.length < 10) return undefined
    const out = copy(b)
    const i = 3 + r.int(7) // version, revision, flags, tag size
    out[i] = r.pick([0, 2, 4, 0x40, 0x80, 0x10, 0x7f, 0xff, r.int(256)])
    return [out, `ID3v2 header byte ${i}`]
  },
]

function flacBlockSpans(b: Uint8Array): Span[] {
  const spans: Span[] = []
  for (let p = 4, last = false; !last && p + 4 <= b.length && spans.length < 10_000; ) {
    last = (b[p]! & 0x80) !== 0
    const end = p + 4 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
    if (end > b.length) break
    spans.push({ start: p, end, lengthAt: p, tag: `block ${b[p]! & 0x7f}` })
    p = end
  }
  return spans
}

const flac: Mutator[] = [
  ...spanMutators(flacBlockSpans, 1, 'be'),
  (b, r) => {
    const spans = flacBlockSpans(b)
    if (!spans.length) return undefined
    const s = r.pick(spans)
    const out = copy(b)
    const v = r.pick([0, 1, 0xffffff, 0xfffff0, s.end - s.start, r.int(1 << 24)])
    out.set([v >>> 16, (v >>> 8) & 0xff, v & 0xff], s.start + 1)
    return [out, `${s.tag} length ${v}`]
  },
  (b, r) => {
    // Inside a block: vendor and comment lengths, picture sizes.
    const spans = flacBlockSpans(b).filter((s) => s.end - s.start >= 8)
    if (!spans.length) return undefined
    const s = r.pick(spans)
    const out = copy(b)
    putU32le(out, s.start + 4 + r.int(s.end - s.start - 7), r.pick(BOUNDARY32))
    return [out, `${s.tag} field`]
  },
]

const OGG_CRC = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n << 24
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1
  return c >>> 0
})

function fixOggCrc(b: Uint8Array, s: Span): void {
  b.fill(0, s.start + 22, s.start + 26)
  let c = 0
  for (let i = s.start; i < s.end; i++) c = ((c << 8) ^ OGG_CRC[((c >>> 24) ^ b[i]!) & 0xff]!) >>> 0
  putU32le(b, s.start + 22, c)
}

function oggPageSpans(b: Uint8Array): Span[] {
  const spans: Span[] = []
  for (let p = 0; p + 27 <= b.length && spans.length < 10_000; ) {
    const segments = b[p + 26]!
    if (p + 27 + segments > b.length) break
    let end = p + 27 + segments
    for (let k = 0; k < segments; k++) end += b[p + 27 + k]!
    if (end > b.length) break
    spans.push({ start: p, end, lengthAt: p + 26, tag: `page ${u32le(b, p + 18)}` })
    p = end
  }
  return spans
}

const ogg: Mutator[] = [
  ...spanMutators(oggPageSpans, 1, 'be'),
  (b, r) => {
    // A header field or a byte of packet data changed, the CRC made right: flags, sequence, lacing, comment lengths.
    const spans = oggPageSpans(b)
    if (!spans.length) return undefined
    const s = r.pick(spans)
    const out = copy(b)
    const i = r.next() < 0.5 ? s.start + r.pick([5, 6, 13, 14, 18, 26]) : s.start + 27 + r.int(s.end - s.start - 27)
    if (r.next() < 0.5 && i + 4 <= s.end) putU32le(out, i, r.pick(BOUNDARY32))
    else out[i] = r.pick([0, 1, 2, 4, 0xff, r.int(256)])
    fixOggCrc(out, s)
    return [out, `${s.tag} byte ${i - s.start}, CRC fixed`]
  },
]

/** Duplicate, delete, swap, and corrupt the length field of structural units found by `spans`. */
function spanMutators(spans: (b: Uint8Array) => Span[], width: 1 | 2 | 4, order: 'be' | 'le'): Mutator[] {
  const withSpans = (f: (b: Uint8Array, r: Rng, all: Span[]) => [Uint8Array, string] | undefined): Mutator => (b, r) => {
    const all = spans(b)
    return all.length ? f(b, r, all) : undefined
  }
  return [
    withSpans((b, r, all) => {
      const s = r.pick(all)
      const n = 1 + (r.next() < 0.2 ? r.int(64) : 0)
      const unit = b.subarray(s.start, s.end)
      return [splice(b, s.end, 0, concat(Array.from({ length: n }, () => unit))), `duplicate ${s.tag} ×${n}`]
    }),
    withSpans((b, r, all) => {
      const s = r.pick(all)
      return [splice(b, s.start, s.end - s.start), `delete ${s.tag}`]
    }),
    withSpans((b, r, all) => {
      if (all.length < 2) return undefined
      const i = r.int(all.length - 1)
      const [x, y] = [all[i]!, all[i + 1]!]
      return [concat([b.subarray(0, x.start), b.subarray(y.start, y.end), b.subarray(x.start, x.end), b.subarray(y.end)]), `swap ${x.tag} and ${y.tag}`]
    }),
    withSpans((b, r, all) => {
      const s = r.pick(all)
      const out = copy(b)
      const current = width === 4 ? (order === 'be' ? u32be(b, s.lengthAt) : u32le(b, s.lengthAt)) : width === 2 ? u16be(b, s.lengthAt) : b[s.lengthAt]!
      const max = width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff
      const v = r.pick([0, 1, current - 1, current + 1, current * 2, max, max >>> 1, r.int(max + 1)]) >>> 0
      const clamped = Math.min(v, max)
      if (width === 4) (order === 'be' ? putU32be : putU32le)(out, s.lengthAt, clamped)
      else if (width === 2) {
        out[s.lengthAt] = clamped >>> 8
        out[s.lengthAt + 1] = clamped & 0xff
      } else out[s.lengthAt] = clamped
      return [out, `${s.tag} length ${current} → ${clamped}`]
    }),
  ]
}

// --- Markdown: lines, with the front matter lines and tricky YAML/label lines favoured.

const TRICKY_LINES = [
  '---',
  '...',
  "AIGC: '{\"Label\":\"1\",\"ContentProducer\":\"001191110000MA01ABCD2X00000\",\"ProduceID\":\"x\",\"ReservedCode1\":\"\",\"ContentPropagator\":\"\",\"PropagateID\":\"\",\"ReservedCode2\":\"\"}'",
  'AIGC: "{\\"Label\\":\\"3\\"}"',
  'AIGC: {"Label":"2"}',
  "AIGC: '",
  'AIGC:',
  'AIGC: "\\ud800"',
  '  Label: \'1\'',
  'AIGC :  x  ',
  '\uFEFF---',
  '\u0000',
  'x'.repeat(5000),
  '# 标题',
]

function markdownMutators(): Mutator[] {
  const lines = (b: Uint8Array) => fromUtf8(b).split(/(?<=\n)/)
  const join = (ls: string[]) => utf8.encode(ls.join(''))
  const frontEnd = (ls: string[]) => {
    const close = ls.findIndex((l, i) => i > 0 && /^(---|\.\.\.)[ \t]*\r?\n?$/.test(l))
    return close < 0 ? ls.length : close + 1
  }
  // Most edits land in the front matter, where the parser works.
  const line = (ls: string[], r: Rng) => (r.next() < 0.8 ? r.int(Math.max(1, frontEnd(ls))) : r.int(Math.max(1, ls.length)))
  const nl = (ls: string[]) => (ls[0]?.endsWith('\r\n') ? '\r\n' : '\n')
  return [
    (b, r) => {
      const ls = lines(b)
      const i = line(ls, r)
      const n = 1 + (r.next() < 0.2 ? r.int(1000) : 0)
      ls.splice(i, 0, ...Array.from({ length: n }, () => ls[i] ?? ''))
      return [join(ls), `duplicate line ${i} ×${n}`]
    },
    (b, r) => {
      const ls = lines(b)
      const i = line(ls, r)
      ls.splice(i, 1)
      return [join(ls), `delete line ${i}`]
    },
    (b, r) => {
      const ls = lines(b)
      const i = line(ls, r)
      const text = r.pick(TRICKY_LINES)
      ls.splice(i, 0, text + nl(ls))
      return [join(ls), `insert line ${i}: ${text.slice(0, 40)}`]
    },
    (b, r) => {
      const ls = lines(b)
      const i = line(ls, r)
      ls[i] = (ls[i] ?? '').replace(/\r?\n$/, r.pick(['\r\n', '\n', '\r', '', '\n\n']))
      return [join(ls), `line ending of ${i}`]
    },
  ]
}

// --- Markup (HTML, and the XML parts of Office packages): fragments the scanners must not be fooled by.

const HTML_FRAGMENTS = [
  `<meta name="AIGC" content='{"Label":"1","ContentProducer":"x"}'>`, '<META NAME=aigc CONTENT=x>', '<meta name="aigc">', '<head>', '</head>', '<body>', '</body>',
  '<html>', '</html>', '<!--', '-->', '<script>', '</script>', '<style>', '<![CDATA[', '<meta charset="gbk">', '&#x110000;', '&#0;', '&amp', '<', '>', '"', "'", '\u0000', '<!DOCTYPE html>',
]
const XML_FRAGMENTS = [
  `<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="AIGC"><vt:lpwstr>{"Label":"1"}</vt:lpwstr></property>`, '<property name="aigc" pid="1">', '</Properties>',
  '<!DOCTYPE x [<!ENTITY a "b">]>', '<![CDATA[', ']]>', '<!--', '&a;', '&#x110000;', '<?xml version="1.0"?>', '<a>'.repeat(300), '<', '"', 'pid="2"', '<Override PartName="/docProps/custom.xml"/>',
  '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>', '<w:sectPr/>', '</w:body>',
]

/** Insert a fragment (mostly where a tag starts), delete a tag, or duplicate one, in markup text. */
function markupMutators(fragments: string[]): ((text: string, r: Rng) => [string, string] | undefined)[] {
  const tagStart = (text: string, r: Rng) => {
    const at = text.indexOf('<', r.int(Math.max(1, text.length)))
    return at < 0 ? text.length : at
  }
  return [
    (text, r) => {
      const at = r.next() < 0.7 ? tagStart(text, r) : r.int(text.length + 1)
      const fragment = r.pick(fragments)
      return [text.slice(0, at) + fragment + text.slice(at), `insert ${fragment.slice(0, 30)} at ${at}`]
    },
    (text, r) => {
      const at = tagStart(text, r)
      const end = text.indexOf('>', at)
      if (end < 0) return undefined
      return [text.slice(0, at) + text.slice(end + 1), `delete tag at ${at}`]
    },
    (text, r) => {
      const at = tagStart(text, r)
      const end = text.indexOf('>', at)
      if (end < 0) return undefined
      const n = 1 + (r.next() < 0.1 ? r.int(2000) : 0)
      return [text.slice(0, end + 1) + text.slice(at, end + 1).repeat(n) + text.slice(end + 1), `duplicate tag at ${at} ×${n}`]
    },
  ]
}

const html: Mutator[] = markupMutators(HTML_FRAGMENTS).map((m) => (b, r) => {
  const out = m(fromUtf8(b), r)
  return out && [utf8.encode(out[0]), out[1]]
})

// --- PDF: the numbers the cross-reference machinery trusts, and the lines around them.

const PDF_NUMBERS = /(startxref\s+|\/Prev\s+|\/Size\s+|\/Length\s+|\/Info\s+|\/Root\s+|\/W\s*\[\s*|\/Index\s*\[\s*|\n)(\d+)/g

const pdf: Mutator[] = [
  (b, r) => {
    const text = latin1(b)
    const numbers = [...text.matchAll(PDF_NUMBERS)]
    if (!numbers.length) return undefined
    const m = r.pick(numbers)
    const value = String(r.pick([0, 1, 2, 7, 255, 65535, 2147483647, 4294967296, 1e15, Number(m[2]) + 1, Number(m[2]) - 1, r.int(b.length)]))
    const at = m.index! + m[1]!.length
    return [concat([b.subarray(0, at), utf8.encode(value), b.subarray(at + m[2]!.length)]), `${m[1]!.trim() || 'line start'} ${m[2]} → ${value}`]
  },
  (b, r) => {
    // Cut at (or just after) a keyword: truncated updates and tables.
    const text = latin1(b)
    const keywords = [...text.matchAll(/startxref|xref|trailer|endobj|stream|%%EOF/g)]
    if (!keywords.length) return undefined
    const m = r.pick(keywords)
    const at = m.index! + r.int(m[0].length + 8)
    return [b.subarray(0, Math.min(at, b.length)), `cut at ${m[0]} +${at - m.index!}`]
  },
  (b, r) => {
    // Duplicate a revision's worth of the tail: a /Prev chain that points back into itself.
    const start = latin1(b).lastIndexOf('xref')
    if (start < 0) return undefined
    const n = 1 + r.int(3)
    return [concat([b, ...Array.from({ length: n }, () => b.subarray(start))]), `tail from xref repeated ×${n}`]
  },
  ...markupMutators(['<<', '>>', '/Info 1 0 R', '/AIGC (x)', '/Encrypt 1 0 R', '/Type /XRef', '(', ')', '\\', '[', ']', ' 0 R', 'endobj', 'stream\n']).map((m): Mutator => (b, r) => {
    const out = m(latin1(b), r)
    return out && [Uint8Array.from(out[0], (c) => c.charCodeAt(0) & 0xff), out[1]]
  }),
]

// --- Office packages: the ZIP records, and the XML parts repackaged.

const ZIP_RECORDS = [0x04034b50, 0x02014b50, 0x06054b50, 0x08074b50]

const ooxml: Mutator[] = [
  (b, r) => {
    // A field of a local header, central record or end record: sizes, offsets, counts, method.
    const records: number[] = []
    for (let i = 0; i + 4 <= b.length && records.length < 10_000; i++) if (ZIP_RECORDS.includes(u32le(b, i))) records.push(i)
    if (!records.length) return undefined
    const at = r.pick(records)
    const out = copy(b)
    const field = at + 4 + r.int(Math.min(42, b.length - at - 4))
    const v = r.pick(BOUNDARY32)
    if (r.next() < 0.5 && field + 4 <= out.length) putU32le(out, field, v)
    else out[field] = v & 0xff
    return [out, `zip record at ${at}, byte ${field - at} = ${v}`]
  },
  ...markupMutators(XML_FRAGMENTS).map((m): Mutator => (b, r) => {
    // Read with our own bounded reader: fflate's unzipSync spends tens of seconds on a corrupt directory.
    const entries: Record<string, Uint8Array> = {}
    try {
      for (const entry of readZip(b).entries) entries[entry.name] = new Uint8Array(entryData(b, entry))
    } catch {
      return undefined
    }
    const names = Object.keys(entries).filter((n) => /\.(xml|rels)$/.test(n))
    if (!names.length) return undefined
    const name = r.pick(names)
    const out = m(fromUtf8(entries[name]!), r)
    if (!out) return undefined
    entries[name] = new Uint8Array(utf8.encode(out[0]))
    return [zipSync(entries), `${name}: ${out[1]}`]
  }),
]

const STRUCTURED: Record<FuzzFormat, Mutator[]> = { png, jpeg, webp, gif, markdown: markdownMutators(), html, pdf, ooxml, mp4, mp3, aac: mp3, wav, flac, ogg }

const MAX_MUTANT_BYTES = 2 * 1024 * 1024

/** 1–4 mutation steps, half of them format-aware; falls back to generic ones when a walk finds nothing. */
export function mutate(bytes: Uint8Array, format: FuzzFormat, r: Rng): Mutation {
  let b = bytes
  const steps: string[] = []
  const count = 1 + (r.next() < 0.5 ? 0 : r.int(4))
  for (let k = 0; k < count; k++) {
    const structured = r.next() < 0.5
    const result = (structured ? r.pick(STRUCTURED[format]) : r.pick(generic))(b, r) ?? r.pick(generic)(b, r)
    // Growth is what a step may do, not what a case is for: inputs stay small enough to run fast.
    if (!result || result[0].length > MAX_MUTANT_BYTES) continue
    ;[b, steps[steps.length]] = result
  }
  return { bytes: b, steps }
}
