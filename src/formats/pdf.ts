/**
 * PDF: the label is the `/AIGC` entry of the current document information dictionary (the
 * trailer's `/Info`), the JSON as a literal string, so a scanner that greps the file finds it.
 * A write is an incremental update (ISO 32000-1 §7.5.6): the input stays a byte prefix of the
 * output, followed by a new Info object (the old entries copied as written, any `/AIGC`
 * replaced), a cross-reference section of the kind the file's newest one is (a table, or a
 * stream for files whose readers may only know streams) and a trailer that keeps `/Root` and
 * the first `/ID` (the second changes, §14.4). Older revisions' Info dictionaries are history, not labels: only the current one is
 * read. Encrypted files are refused: their strings would need the document key.
 */
import { concat, fromUtf8, latin1, startsWith } from './bytes'
import { ascii, dictNumber, dictValue, indirectObject, isWhite, type PdfDict, type PdfValue } from './pdf-syntax'
import type { XrefSection } from './pdf-xref'
import { appendUpdate, NL, open, PDF_MAGIC, resolve, type PdfFile } from './pdf-file'
import { pdfPageText } from './pdf-page-text'
import type { CarrierFormat, FoundLabel } from './types'

const KEY = 'AIGC'

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

export const pdf: CarrierFormat = {
  name: 'pdf',
  mime: 'application/pdf',
  detect: (bytes) => startsWith(bytes, PDF_MAGIC),

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

  // The tenant may turn it off (labels.text.pdfPageText): the CJK font is named, not embedded, so a reader without one shows boxes.
  explicitText: (bytes, affixes) => pdfPageText(bytes, affixes),
  explicitTextOptional: true,
}
