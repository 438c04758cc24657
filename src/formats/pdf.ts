/**
 * PDF: the label is the `/AIGC` entry of the current document information dictionary (the
 * trailer's `/Info`), the JSON as a literal string, so a scanner that greps the file finds it.
 * A write is an incremental update (ISO 32000-1 §7.5.6): the input stays a byte prefix of the
 * output, followed by a new Info object (the old entries copied as written, any `/AIGC`
 * replaced), a cross-reference section of the kind the file's newest one is (a table, or a
 * stream for files whose readers may only know streams) and a trailer that keeps `/Root` and
 * `/ID`. Older revisions' Info dictionaries are history, not labels: only the current one is
 * read. Encrypted files are refused: their strings would need the document key.
 */
import { checkLimit } from '../limits'
import { concat, FormatError, fromUtf8, latin1, startsWith } from './bytes'
import { ascii, dictName, dictNumber, dictValue, indirectObject, isWhite, needInteger, parseValue, type PdfDict, type PdfValue } from './pdf-syntax'
import { decodeStream, readXref, type Xref, type XrefEntry, type XrefSection } from './pdf-xref'
import type { CarrierFormat, FoundLabel } from './types'

const KEY = 'AIGC'
const MAGIC = ascii('%PDF-')
/** An object stream is inflated whole to reach the Info dictionary in it; writers make them of ~100 objects. */
const OBJECT_STREAM_BYTES = 32 * 1024 * 1024

export interface PdfFile {
  bytes: Uint8Array
  xref: Xref
  trailer: PdfDict
}

export function open(bytes: Uint8Array): PdfFile {
  if (!startsWith(bytes, MAGIC)) throw new FormatError('not a PDF: no %PDF- header')
  const xref = readXref(bytes)
  const trailer = xref.sections[0]!.trailer
  if (trailer.has('Encrypt')) throw new FormatError('encrypted PDFs are not supported')
  return { bytes, xref, trailer }
}

/** The object `ref` names, from its offset or its object stream; undefined for a free or absent one (§7.3.10: null). */
export function resolve(file: PdfFile, ref: PdfValue): PdfValue | undefined {
  if (ref.kind !== 'ref') return ref
  const entry = file.xref.entries.get(ref.num)
  if (!entry || entry.type === 'free') return undefined
  if (entry.type === 'compressed') return fromObjectStream(file, entry, ref.num)
  if (entry.gen !== ref.gen) return undefined
  return indirectObject(file.bytes, entry.offset).value
}

function fromObjectStream(file: PdfFile, { stream, index }: Extract<XrefEntry, { type: 'compressed' }>, num: number): PdfValue {
  const holder = file.xref.entries.get(stream)
  if (holder?.type !== 'offset') throw new FormatError(`object ${num} is in object stream ${stream}, which the cross-reference does not locate`)
  const object = indirectObject(file.bytes, holder.offset)
  if (object.value.kind !== 'dict' || object.streamStart === undefined || dictName(object.value.dict, 'Type') !== 'ObjStm') throw new FormatError(`object ${stream} is not an object stream`)
  const dict = object.value.dict
  const count = dictNumber(dict, 'N')
  const first = dictNumber(dict, 'First')
  if (count === undefined || first === undefined || !Number.isSafeInteger(count) || !Number.isSafeInteger(first) || count < 0 || first < 0) throw new FormatError(`object stream ${stream} has no valid /N and /First`)
  checkLimit('pdfObjects', count, `the objects of object stream ${stream}`)
  if (index >= count) throw new FormatError(`object ${num} is at index ${index} of object stream ${stream}, which holds ${count}`)
  const length = resolve(file, dictValue(dict, 'Length') ?? { kind: 'null' })
  if (length?.kind !== 'number') throw new FormatError(`object stream ${stream} has no /Length`)
  const data = decodeStream(file.bytes, { start: object.streamStart, length: length.value }, dict, OBJECT_STREAM_BYTES, `object stream ${stream}`)
  let at = 0
  for (let i = 0; i < index; i++) at = needInteger(data, needInteger(data, at, 'an object stream header').end, 'an object stream header').end
  const found = needInteger(data, at, 'an object stream header')
  const offset = needInteger(data, found.end, 'an object stream header')
  if (found.value !== num) throw new FormatError(`object stream ${stream} holds object ${found.value} where the cross-reference says ${num}`)
  return parseValue(data, first + offset.value).value
}

/** The trailer's Info dictionary: an indirect one as §14.3.3 says, a direct one read as well. */
function infoOf(file: PdfFile): PdfDict | undefined {
  const info = dictValue(file.trailer, 'Info')
  const value = info && resolve(file, info)
  return value?.kind === 'dict' ? value.dict : undefined
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * A text string (§7.9.2.2): UTF-16BE after its BOM, UTF-8 after its BOM (PDF 2.0), else
 * PDFDocEncoding, which is ASCII where labels are. Bare UTF-8 (written by tools that ignore
 * the rule) is taken as UTF-8 when it decodes as such.
 */
function textString(bytes: Uint8Array): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    let text = ''
    for (let i = 2; i + 1 < bytes.length; i += 2) text += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!)
    return text
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return fromUtf8(bytes.subarray(3))
  try {
    return STRICT_UTF8.decode(bytes)
  } catch {
    return latin1(bytes)
  }
}

/**
 * A literal string of `text`: the ASCII JSON as itself (with `\`, `(` and `)` escaped), so the
 * label is readable in the file's bytes; anything else as UTF-16BE after a BOM, its non-printable
 * bytes as octal escapes.
 */
function literalString(text: string): Uint8Array {
  const printable = [...text].every((c) => c >= ' ' && c <= '~')
  const bytes: number[] = printable ? Array.from(text, (c) => c.charCodeAt(0)) : [0xfe, 0xff]
  if (!printable) for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i) >> 8, text.charCodeAt(i) & 0xff)
  let out = '('
  for (const b of bytes) {
    if (b === 0x5c || b === 0x28 || b === 0x29) out += `\\${String.fromCharCode(b)}`
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b)
    else out += `\\${b.toString(8).padStart(3, '0')}`
  }
  return ascii(`${out})`)
}

const sameRef = (a: PdfValue | undefined, b: PdfValue | undefined) => a?.kind === 'ref' && b?.kind === 'ref' && a.num === b.num && a.gen === b.gen

/**
 * Where a revision that only relabels starts, or undefined when it does more. It relabels when
 * its section defines nothing but the trailer's Info object (a new object number, or the
 * previous Info's) and its own cross-reference stream, that Info holds `/AIGC`, and its trailer
 * keeps the previous `/Root`, without `/XRefStm` or `/Encrypt`: then the document a reader sees
 * is the previous revision's, and only the Info dictionary, the label's carrier, differs.
 */
function relabelStart(bytes: Uint8Array, section: XrefSection, previous: XrefSection, parsed: Map<number, PdfValue>): number | undefined {
  const { trailer } = section
  const info = dictValue(trailer, 'Info')
  if (trailer.has('XRefStm') || trailer.has('Encrypt') || info?.kind !== 'ref' || !sameRef(dictValue(trailer, 'Root'), dictValue(previous.trailer, 'Root'))) return undefined
  const isNew = (num: number) => num >= (dictNumber(previous.trailer, 'Size') ?? 0)
  if (!isNew(info.num) && !sameRef(info, dictValue(previous.trailer, 'Info'))) return undefined
  let start = section.offset
  for (const [num, entry] of section.entries) {
    if (entry.type === 'free' && num === 0) continue
    if (entry.type !== 'offset') return undefined
    if (num === section.streamObject && entry.offset === section.offset && isNew(num)) continue
    if (num !== info.num || entry.gen !== info.gen) return undefined
    start = Math.min(start, entry.offset)
  }
  const infoEntry = section.entries.get(info.num)
  if (infoEntry?.type !== 'offset' || start <= previous.offset) return undefined
  // Sections may share one Info object: each is parsed once.
  const object = parsed.get(infoEntry.offset) ?? indirectObject(bytes, infoEntry.offset).value
  parsed.set(infoEntry.offset, object)
  return object.kind === 'dict' && object.dict.has(KEY) ? start : undefined
}

/**
 * The bytes an update is appended to: the file without its trailing relabelling revisions.
 * Both the input's (our label is signed over this) and our output's (detect re-derives it)
 * end at the same byte, once the end-of-line an update may add before it is trimmed.
 */
function original(file: PdfFile): Uint8Array {
  const { sections } = file.xref
  let end = file.bytes.length
  const parsed = new Map<number, PdfValue>()
  for (let i = 0; i + 1 < sections.length; i++) {
    const start = relabelStart(file.bytes, sections[i]!, sections[i + 1]!, parsed)
    if (start === undefined) break
    end = start
  }
  while (end > 0 && isWhite(file.bytes[end - 1])) end--
  return file.bytes.subarray(0, end)
}

const NL = ascii('\n')

export interface NewObject {
  num: number
  gen: number
  /** The object's value as PDF syntax (a stream with its `stream … endstream`). */
  body: Uint8Array
}

/** Consecutive object numbers as cross-reference subsections: `[first, count]` pairs. */
function runs(nums: number[]): [number, number][] {
  const out: [number, number][] = []
  for (const num of nums) {
    const last = out[out.length - 1]
    if (last && last[0] + last[1] === num) last[1]++
    else out.push([num, 1])
  }
  return out
}

/**
 * An incremental update (§7.5.6): `objects` after the file's bytes, then a cross-reference
 * section of the kind the file's newest one is, whose trailer keeps `/Root` and `/ID`, names
 * `info` (the `/Info` entry as written) and points `/Prev` at the section before.
 */
export function appendUpdate(file: PdfFile, objects: NewObject[], info: Uint8Array | undefined): Uint8Array {
  const { bytes, xref, trailer } = file
  const root = trailer.get('Root')
  if (!root) throw new FormatError('the PDF trailer has no /Root')
  const last = bytes[bytes.length - 1]
  const parts: Uint8Array[] = last === 10 || last === 13 ? [] : [NL]
  let offset = bytes.length + parts.length
  const offsets = new Map<number, [number, number]>()
  for (const { num, gen, body } of [...objects].sort((a, b) => a.num - b.num)) {
    offsets.set(num, [offset, gen])
    const object = concat([ascii(`${num} ${gen} obj\n`), body, ascii('\nendobj\n')])
    parts.push(object)
    offset += object.length
  }
  const id = trailer.get('ID')
  const common = [ascii(' '), root.raw, ...(info ? [ascii(' '), info] : []), ascii(` /Prev ${xref.startxref}`), ...(id ? [ascii(' '), id.raw] : [])]
  const highest = Math.max(xref.size, ...objects.map((o) => o.num + 1))
  if (xref.sections[0]!.kind === 'table') {
    let table = 'xref\n'
    for (const [first, count] of runs([...offsets.keys()])) {
      table += `${first} ${count}\n`
      for (let num = first; num < first + count; num++) table += `${String(offsets.get(num)![0]).padStart(10, '0')} ${String(offsets.get(num)![1]).padStart(5, '0')} n \n`
    }
    parts.push(ascii(`${table}trailer\n<< /Size ${highest}`), ...common, ascii(' >>\n'))
  } else {
    offsets.set(highest, [offset, 0])
    parts.push(xrefStream(highest, offsets, [ascii(` /Size ${highest + 1}`), ...common]))
  }
  checkLimit('pdfObjects', highest + 1, "the PDF's objects with the update's")
  return concat([bytes, ...parts, ascii(`startxref\n${offset}\n%%EOF\n`)])
}

/** A cross-reference stream of rows `[1 offset gen]`, itself the last of `rows`. */
function xrefStream(num: number, rows: Map<number, [number, number]>, trailer: Uint8Array[]): Uint8Array {
  const ownOffset = rows.get(num)![0]
  const width = Math.max(1, Math.ceil(Math.log2(ownOffset + 1) / 8))
  const data = new Uint8Array(rows.size * (width + 3))
  let at = 0
  const nums = [...rows.keys()].sort((a, b) => a - b)
  for (const n of nums) {
    const [offset, gen] = rows.get(n)!
    data[at++] = 1
    for (let b = width - 1; b >= 0; b--) data[at++] = Math.floor(offset / 256 ** b) & 0xff
    data[at++] = gen >> 8
    data[at++] = gen & 0xff
  }
  const index = runs(nums).flat().join(' ')
  const dict = [ascii(`${num} 0 obj\n<< /Type /XRef /W [1 ${width} 2] /Index [${index}] /Length ${data.length}`), ...trailer, ascii(' >>\nstream\n')]
  return concat([...dict, data, ascii('\nendstream\nendobj\n')])
}

export const pdf: CarrierFormat = {
  name: 'pdf',
  mime: 'application/pdf',
  detect: (bytes) => startsWith(bytes, MAGIC),

  read(bytes) {
    const file = open(bytes)
    const entry = infoOf(file)?.get(KEY)
    if (!entry) return []
    const value = resolve(file, entry.value)
    // A value that is not a string is reported as written, for detect to call it not a label.
    const raw = value?.kind === 'string' ? textString(value.bytes) : latin1(entry.raw, KEY.length + 1).trim()
    return [{ carrier: 'pdf:Info:AIGC', form: 'text', raw } satisfies FoundLabel]
  },

  write(bytes, json) {
    const file = open(bytes)
    const num = file.xref.size
    const kept = [...(infoOf(file) ?? new Map<string, never>())].filter(([key]) => key !== KEY).flatMap(([, entry]) => [entry.raw, NL])
    const body = concat([ascii('<<\n'), ...kept, ascii(`/${KEY} `), literalString(json), ascii('\n>>')])
    return appendUpdate(file, [{ num, gen: 0, body }], ascii(`/Info ${num} 0 R`))
  },

  // The file as it was before our update (see `original`): edits anywhere in it change the content.
  content: (bytes) => [original(open(bytes))],
}
