/**
 * A PDF file read once (its newest trailer and every cross-reference entry, ISO 32000-1
 * §7.5) and the one way we change one: an incremental update (§7.5.6) that appends objects,
 * a cross-reference section of the kind the file's newest one is (a table, or a stream for
 * files whose readers may only know streams) and a trailer that keeps `/Root` and the first
 * `/ID` and gives the second a new value.
 * Shared by the label carrier (pdf.ts) and the page text label (pdf-page-text.ts).
 */
import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex } from '@noble/hashes/utils'
import { checkLimit, LimitError, LIMITS } from '../limits'
import { concat, FormatError, startsWith } from './bytes'
import { ascii, dictName, dictNumber, dictValue, indirectObject, needInteger, parseValue, type DictEntry, type PdfDict, type PdfValue } from './pdf-syntax'
import { decodeStream, readXref, type Xref, type XrefEntry } from './pdf-xref'

/** A PDF starts with its header, `%PDF-1.n` (§7.5.2). */
export const PDF_MAGIC = ascii('%PDF-')
/** An object stream is inflated whole to reach the Info dictionary in it; writers make them of ~100 objects. */

export interface PdfFile {
  bytes: Uint8Array
  xref: Xref
  trailer: PdfDict
  /** Object streams decoded so far, by object number: each is inflated once per file. */
  objectStreams: Map<number, ObjectStream>
  /** What the decoded object streams kept in `objectStreams` hold together (pdf_object_stream_bytes). */
  objectStreamBytes: number
}

export function open(bytes: Uint8Array): PdfFile {
  if (!startsWith(bytes, PDF_MAGIC)) throw new FormatError('not a PDF: no %PDF- header')
  const xref = readXref(bytes)
  const trailer = xref.sections[0]!.trailer
  if (trailer.has('Encrypt')) throw new FormatError('encrypted PDFs are not supported')
  return { bytes, xref, trailer, objectStreams: new Map(), objectStreamBytes: 0 }
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

/** An object stream's decoded data and its header: the number and offset (from `/First`) of each object. */
interface ObjectStream {
  data: Uint8Array
  first: number
  objects: { num: number; offset: number }[]
}

function fromObjectStream(file: PdfFile, { stream, index }: Extract<XrefEntry, { type: 'compressed' }>, num: number): PdfValue {
  let decoded = file.objectStreams.get(stream)
  if (!decoded) {
    decoded = decodeObjectStream(file, stream)
    file.objectStreams.set(stream, decoded)
  }
  const found = decoded.objects[index]
  if (!found) throw new FormatError(`object ${num} is at index ${index} of object stream ${stream}, which holds ${decoded.objects.length}`)
  if (found.num !== num) throw new FormatError(`object stream ${stream} holds object ${found.num} where the cross-reference says ${num}`)
  return parseValue(decoded.data, decoded.first + found.offset).value
}

function decodeObjectStream(file: PdfFile, stream: number): ObjectStream {
  const holder = file.xref.entries.get(stream)
  if (holder?.type !== 'offset') throw new FormatError(`object stream ${stream} is not located by the cross-reference`)
  const object = indirectObject(file.bytes, holder.offset)
  if (object.value.kind !== 'dict' || object.streamStart === undefined || dictName(object.value.dict, 'Type') !== 'ObjStm') throw new FormatError(`object ${stream} is not an object stream`)
  const dict = object.value.dict
  const count = dictNumber(dict, 'N')
  const first = dictNumber(dict, 'First')
  if (count === undefined || first === undefined || !Number.isSafeInteger(count) || !Number.isSafeInteger(first) || count < 0 || first < 0) throw new FormatError(`object stream ${stream} has no valid /N and /First`)
  checkLimit('pdfObjects', count, `the objects of object stream ${stream}`)
  // §7.5.7: the object holding an object stream's /Length is never in an object stream, so
  // resolving it cannot lead back here (a cycle that would recurse without end).
  const lengthValue = dictValue(dict, 'Length') ?? { kind: 'null' }
  if (lengthValue.kind === 'ref' && file.xref.entries.get(lengthValue.num)?.type === 'compressed') throw new FormatError(`the /Length of object stream ${stream} is itself in an object stream`)
  const length = resolve(file, lengthValue)
  if (length?.kind !== 'number') throw new FormatError(`object stream ${stream} has no /Length`)
  const limit = LIMITS.pdfObjectStreamBytes
  const what = `object stream ${stream}`
  const tooLarge = () => new LimitError(limit, `the object streams of the PDF, ${what} included,`)
  const data = decodeStream(file.bytes, { start: object.streamStart, length: length.value }, dict, limit.max - file.objectStreamBytes, what, undefined, tooLarge)
  file.objectStreamBytes += data.length
  checkLimit('pdfObjectStreamBytes', file.objectStreamBytes, `the object streams of the PDF, ${what} included,`)
  // The header is `num offset` pairs; a header shorter than /N says is refused at its end.
  const objects: ObjectStream['objects'] = []
  for (let at = 0; objects.length < count; ) {
    const found = needInteger(data, at, `the header of object stream ${stream}`)
    const offset = needInteger(data, found.end, `the header of object stream ${stream}`)
    objects.push({ num: found.value, offset: offset.value })
    at = offset.end
  }
  return { data, first, objects }
}

export const NL = ascii('\n')

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
 * section of the kind the file's newest one is, whose trailer keeps `/Root` and the first `/ID`, names
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
  const common = [ascii(' '), root.raw, ...(info ? [ascii(' '), info] : []), ascii(` /Prev ${xref.startxref}`), ...updatedId(trailer.get('ID'), bytes.length, objects)]
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

/**
 * The update's `/ID` (§14.4): the first identifier kept, the second a new one, a digest of the
 * previous pair, the file's length and the update's objects (the same update of the same file
 * gets the same one). An `/ID` that is not two strings is copied as written.
 */
function updatedId(id: DictEntry | undefined, length: number, objects: NewObject[]): Uint8Array[] {
  if (!id) return []
  const [first, second] = id.value.kind === 'array' && id.value.items.length === 2 ? id.value.items : []
  if (first?.kind !== 'string' || second?.kind !== 'string') return [ascii(' '), id.raw]
  const digest = sha256.create().update(first.bytes).update(second.bytes).update(ascii(` ${length}`))
  for (const { num, gen, body } of objects) digest.update(ascii(` ${num} ${gen}`)).update(body)
  return [ascii(` /ID [<${bytesToHex(first.bytes)}> <${bytesToHex(digest.digest().subarray(0, 16))}>]`)]
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
