/**
 * A PDF's cross-reference chain (ISO 32000-1 §7.5.4–7.5.8): from `startxref` through every
 * `/Prev` (and the `/XRefStm` of hybrid files) to the first section, classic tables and
 * cross-reference streams alike. Every step is budgeted before it is taken: sections
 * (pdfXrefSections, a repeated section is a loop and refused at once), entries and object
 * numbers (pdfObjects), the bytes of their dictionaries together (SECTION_DICTIONARY_BYTES), and a
 * stream inflates to no more than its rows need. A section's offset must land on its `xref`
 * keyword or its `num gen obj` exactly (§7.5.5, §7.5.8), so no two offsets reach one section
 * and a section repeats only as the same offset, which is refused as a loop. Every in-use
 * entry must point at its own `num gen obj`; a file whose offsets are broken is refused,
 * not repaired.
 */
import { checkLimit, LIMITS } from '../limits'
import { FormatError, inflateCapped, latin1, need, startsWith } from './bytes'
import { ascii, dictName, dictNumber, dictValue, indirectObject, integer, isWhite, keyword, needInteger, objectStartsAt, parseValue, type PdfDict, type PdfValue } from './pdf-syntax'
import { unfilter } from './png-filter'

export type XrefEntry = { type: 'free' } | { type: 'offset'; offset: number; gen: number } | { type: 'compressed'; stream: number; index: number }

export interface XrefSection {
  kind: 'table' | 'stream'
  /** Where the section starts: its `xref` keyword or its stream object. */
  offset: number
  trailer: PdfDict
  /** This section's own entries (a hybrid file's `/XRefStm` ones included). */
  entries: Map<number, XrefEntry>
  /** A cross-reference stream's own object number. */
  streamObject?: number
}

export interface Xref {
  /** Newest first. */
  sections: XrefSection[]
  /** Every object's newest entry. */
  entries: Map<number, XrefEntry>
  /** Where the newest section starts, as `startxref` says. */
  startxref: number
  /** The highest object number in use, plus one (at least the newest `/Size`). */
  size: number
}

/** `startxref` must be in the last KiB (§7.5.5 puts `%%EOF` on the last line). */
const TAIL = 1024
const SECTION_DICTIONARY_BYTES = LIMITS.pdfXrefDictionaryBytes.max

/** What the sections read so far have used of the budgets. */
interface Spent {
  entries: number
  dictionaryBytes: number
}

export function readXref(bytes: Uint8Array): Xref {
  const startxref = findStartxref(bytes)
  const sections: XrefSection[] = []
  const seen = new Set<number>()
  const spent: Spent = { entries: 0, dictionaryBytes: 0 }
  const visit = (offset: number) => {
    if (seen.has(offset)) throw new FormatError(`the cross-reference chain loops: the section at offset ${offset} repeats`)
    seen.add(offset)
    checkLimit('pdfXrefSections', seen.size, "the PDF's cross-reference sections")
  }
  for (let offset: number | undefined = startxref; offset !== undefined; ) {
    visit(offset)
    const section = readSection(bytes, offset, spent)
    const hybrid = dictNumber(section.trailer, 'XRefStm')
    if (section.kind === 'table' && hybrid !== undefined) {
      visit(hybrid)
      // The table's own entries win over its stream's (§7.5.8.4).
      for (const [num, entry] of readSection(bytes, hybrid, spent, 'stream').entries) if (!section.entries.has(num)) section.entries.set(num, entry)
    }
    sections.push(section)
    const prev = dictValue(section.trailer, 'Prev')
    if (prev !== undefined && (prev.kind !== 'number' || !Number.isSafeInteger(prev.value) || prev.value < 0)) throw new FormatError('the trailer /Prev is not an offset')
    offset = prev?.kind === 'number' ? prev.value : undefined
  }
  const entries = new Map<number, XrefEntry>()
  for (const section of sections) for (const [num, entry] of section.entries) if (!entries.has(num)) entries.set(num, entry)
  let size = dictNumber(sections[0]!.trailer, 'Size') ?? 0
  if (!Number.isSafeInteger(size) || size < 1) throw new FormatError('the trailer has no valid /Size')
  checkLimit('pdfObjects', size, "the PDF's /Size")
  for (const [num, entry] of entries) {
    if (entry.type === 'free') continue
    size = Math.max(size, num + 1)
    if (entry.type === 'offset' && !objectStartsAt(bytes, entry.offset, num, entry.gen)) {
      throw new FormatError(`the cross-reference entry of object ${num} points to offset ${entry.offset}, where that object does not start: broken cross-reference offsets`)
    }
  }
  return { sections, entries, startxref, size }
}

function findStartxref(bytes: Uint8Array): number {
  const from = Math.max(0, bytes.length - TAIL)
  const at = latin1(bytes, from).lastIndexOf('startxref')
  if (at === -1) throw new FormatError('no startxref at the end of the PDF: truncated?')
  const offset = needInteger(bytes, from + at + 'startxref'.length, 'the startxref offset')
  let end = offset.end
  while (bytes[end] === 10 || bytes[end] === 13 || bytes[end] === 32) end++
  if (!startsWith(bytes, EOF, end)) throw new FormatError('no %%EOF after startxref: truncated PDF?')
  return offset.value
}

const EOF = ascii('%%EOF')

function readSection(bytes: Uint8Array, offset: number, spent: Spent, only?: 'stream'): XrefSection {
  if (offset >= bytes.length) throw new FormatError(`a cross-reference offset (${offset}) points past the end of the PDF: truncated?`)
  // The offset is the section's first byte, not whitespace or a comment before it.
  if (isWhite(bytes[offset]) || bytes[offset] === 0x25) throw new FormatError(`the cross-reference section at offset ${offset} of the PDF does not start there: broken cross-reference offsets`)
  const head = keyword(bytes, offset)
  if (head.value === 'xref' && !only) return readTable(bytes, offset, head.end, spent)
  if (integer(bytes, offset)) return readStream(bytes, offset, spent)
  throw new FormatError(`no cross-reference section at offset ${offset} of the PDF: broken cross-reference offsets`)
}

/**
 * A section's dictionary (its trailer, or its stream object), parsed from `at` in no more of the
 * file than SECTION_DICTIONARY_BYTES leaves, which it then uses up.
 */
function sectionDictionary<T extends { end: number }>(bytes: Uint8Array, at: number, spent: Spent, parse: (window: Uint8Array) => T): T {
  const window = bytes.subarray(0, Math.min(bytes.length, at + SECTION_DICTIONARY_BYTES - spent.dictionaryBytes))
  let parsed: T
  try {
    parsed = parse(window)
  } catch (error) {
    if (error instanceof FormatError && window.length < bytes.length) throw new FormatError(`a cross-reference dictionary at offset ${at} of the PDF is broken, or the dictionaries together exceed the ${LIMITS.pdfXrefDictionaryBytes.name} limit of ${SECTION_DICTIONARY_BYTES} bytes`)
    throw error
  }
  spent.dictionaryBytes += parsed.end - at
  return parsed
}

/** Object numbers and entries are budgeted before a subsection is read. */
function budget(spent: Spent, first: number, count: number): void {
  spent.entries += count
  checkLimit('pdfObjects', spent.entries, "the PDF's cross-reference entries")
  checkLimit('pdfObjects', first + count, "the PDF's object numbers")
}

/** `xref`, subsections of `first count` and 20-byte entries `oooooooooo ggggg n`, then `trailer << … >>`. */
function readTable(bytes: Uint8Array, offset: number, start: number, spent: Spent): XrefSection {
  const entries = new Map<number, XrefEntry>()
  let at = start
  for (;;) {
    const next = keyword(bytes, at)
    if (next.value === 'trailer') {
      const trailer = sectionDictionary(bytes, next.end, spent, (window) => parseValue(window, next.end))
      if (trailer.value.kind !== 'dict') throw new FormatError('the PDF trailer is not a dictionary')
      return { kind: 'table', offset, trailer: trailer.value.dict, entries }
    }
    const first = needInteger(bytes, at, 'a cross-reference subsection')
    const count = needInteger(bytes, first.end, 'a cross-reference subsection count')
    budget(spent, first.value, count.value)
    // Each entry is 20 bytes; a count the file cannot hold is truncation, found before the loop.
    need(bytes, count.end, count.value * 18, 'cross-reference table')
    at = count.end
    for (let i = 0; i < count.value; i++) {
      const entryOffset = needInteger(bytes, at, 'a cross-reference entry')
      const gen = needInteger(bytes, entryOffset.end, 'a cross-reference generation')
      const type = keyword(bytes, gen.end)
      if (type.value !== 'n' && type.value !== 'f') throw new FormatError(`bad cross-reference entry type at offset ${gen.end}`)
      const num = first.value + i
      if (!entries.has(num)) entries.set(num, type.value === 'n' ? { type: 'offset', offset: entryOffset.value, gen: gen.value } : { type: 'free' })
      at = type.end
    }
  }
}

/** A `/Type /XRef` stream: rows of `/W` big-endian fields for the `/Index` ranges. */
function readStream(bytes: Uint8Array, offset: number, spent: Spent): XrefSection {
  const object = sectionDictionary(bytes, offset, spent, (window) => {
    const found = indirectObject(window, offset)
    return { ...found, end: found.streamStart ?? offset }
  })
  if (object.value.kind !== 'dict' || object.streamStart === undefined || dictName(object.value.dict, 'Type') !== 'XRef') {
    throw new FormatError(`no cross-reference stream at offset ${offset} of the PDF: broken cross-reference offsets`)
  }
  const dict = object.value.dict
  const widths = numbers(dictValue(dict, 'W'), '/W')
  if (widths.length !== 3 || widths.some((w) => w > 8)) throw new FormatError(`the cross-reference stream /W [${widths.join(' ')}] is not three field widths of at most 8 bytes`)
  const rowBytes = widths[0]! + widths[1]! + widths[2]!
  if (rowBytes === 0) throw new FormatError('the cross-reference stream /W is all zero')
  const size = dictNumber(dict, 'Size')
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw new FormatError('the cross-reference stream has no valid /Size')
  const index = dictValue(dict, 'Index') ? numbers(dictValue(dict, 'Index'), '/Index') : [0, size]
  if (index.length % 2 !== 0) throw new FormatError('the cross-reference stream /Index has an odd length')
  let rows = 0
  for (let i = 0; i < index.length; i += 2) {
    budget(spent, index[i]!, index[i + 1]!)
    rows += index[i + 1]!
  }
  const length = dictNumber(dict, 'Length')
  if (length === undefined) throw new FormatError('the cross-reference stream has no direct /Length')
  const data = decodeStream(bytes, { start: object.streamStart, length }, dict, rows * rowBytes, 'cross-reference stream', rowBytes)
  if (data.length < rows * rowBytes) throw new FormatError(`the cross-reference stream holds ${data.length} bytes, its /Index needs ${rows * rowBytes}`)
  const entries = new Map<number, XrefEntry>()
  let row = 0
  for (let i = 0; i < index.length; i += 2) {
    for (let k = 0; k < index[i + 1]!; k++, row++) {
      let at = row * rowBytes
      const field = (width: number, fallback: number) => {
        if (width === 0) return fallback
        let value = 0
        for (let b = 0; b < width; b++) value = value * 256 + data[at++]!
        if (!Number.isSafeInteger(value)) throw new FormatError('a cross-reference stream field is too large')
        return value
      }
      const type = field(widths[0]!, 1)
      const second = field(widths[1]!, 0)
      const third = field(widths[2]!, 0)
      const num = index[i]! + k
      if (entries.has(num)) continue
      // Types other than 1 and 2 are read as free (null) objects (§7.5.8.3).
      entries.set(num, type === 1 ? { type: 'offset', offset: second, gen: third } : type === 2 ? { type: 'compressed', stream: second, index: third } : { type: 'free' })
    }
  }
  return { kind: 'stream', offset, trailer: dict, entries, streamObject: object.num }
}

function numbers(value: PdfValue | undefined, what: string): number[] {
  if (value?.kind !== 'array') throw new FormatError(`the cross-reference stream ${what} is not an array`)
  return value.items.map((item) => {
    if (item.kind !== 'number' || !Number.isSafeInteger(item.value) || item.value < 0) throw new FormatError(`the cross-reference stream ${what} holds something other than counts`)
    return item.value
  })
}

/**
 * A stream's data, FlateDecode'd when filtered, with a PNG predictor undone when one is
 * declared (`/Columns` bytes a row). It never inflates to more than `max` bytes plus the
 * predictor's tag byte per row: a deflate bomb stops there.
 */
export function decodeStream(
  bytes: Uint8Array,
  { start, length }: { start: number; length: number },
  dict: PdfDict,
  max: number,
  what: string,
  rowBytes?: number,
  tooLarge = () => new FormatError(`the ${what} inflates beyond the ${max} bytes its entries need`),
): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new FormatError(`the ${what} has no valid /Length`)
  need(bytes, start, length, what)
  if (keyword(bytes, start + length).value !== 'endstream') throw new FormatError(`the ${what}'s /Length does not end at endstream`)
  const raw = bytes.subarray(start, start + length)
  const filter = dictValue(dict, 'Filter')
  const filters = filter === undefined ? [] : filter.kind === 'array' ? filter.items : [filter]
  if (filters.length === 0) return raw
  if (filters.length > 1 || filters[0]!.kind !== 'name' || filters[0]!.value !== 'FlateDecode') throw new FormatError(`the ${what} uses a filter other than FlateDecode`)
  const parms = dictValue(dict, 'DecodeParms')
  const parmsDict = parms?.kind === 'dict' ? parms.dict : parms?.kind === 'array' && parms.items[0]?.kind === 'dict' ? parms.items[0].dict : undefined
  const predictor = parmsDict ? (dictNumber(parmsDict, 'Predictor') ?? 1) : 1
  if (predictor === 1) return inflateCapped(raw, max, what, tooLarge)
  const columns = dictNumber(parmsDict!, 'Columns') ?? 1
  if (predictor < 10 || (rowBytes !== undefined && columns !== rowBytes) || (dictNumber(parmsDict!, 'Colors') ?? 1) !== 1 || (dictNumber(parmsDict!, 'BitsPerComponent') ?? 8) !== 8) {
    throw new FormatError(`the ${what} uses a predictor other than PNG over its rows`)
  }
  const rows = Math.ceil(max / columns)
  const limit = rows * (columns + 1)
  return unpredictPng(inflateCapped(raw, limit, what, () => new FormatError(`the ${what} inflates beyond the ${limit} bytes its entries need`)), columns, what)
}

/** PNG row filters with one byte per pixel, as cross-reference streams use them (predictors 10–15). */
function unpredictPng(data: Uint8Array, columns: number, what: string): Uint8Array {
  const rows = Math.floor(data.length / (columns + 1))
  const out = new Uint8Array(rows * columns)
  let prev = new Uint8Array(columns)
  for (let r = 0; r < rows; r++) {
    const tag = data[r * (columns + 1)]!
    if (tag > 4) throw new FormatError(`the ${what} has a bad PNG predictor tag ${tag}`)
    const row = out.subarray(r * columns, (r + 1) * columns)
    unfilter(tag, data.subarray(r * (columns + 1) + 1, (r + 1) * (columns + 1)), row, prev, 1)
    prev = row
  }
  return out
}
