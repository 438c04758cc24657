/**
 * The carrier formats and what callers do with them: sniff the format, read every label
 * (parsed where it parses), write exactly one, and verify a file carries the label given.
 */
import { parseLabel, serializeLabel, type AigcLabel } from '../label/annex-e'
import { XmpError } from '../label/xmp'
import { checkLimit } from '../limits'
import { FormatError } from './bytes'
import { gif } from './gif'
import { html } from './html'
import { jpeg } from './jpeg'
import { markdown } from './markdown'
import { m4a, mov, mp4 } from './mp4'
import { aac } from './aac'
import { flac } from './flac'
import { mp3 } from './mp3'
import { oggVorbis, opus } from './ogg'
import { docx, pptx, xlsx } from './ooxml'
import { pdf } from './pdf'
import { png } from './png'
import { isLabel, type CarrierFormat, type CarrierVariant, type FoundLabel } from './types'
import { wav } from './wav'
import { webp } from './webp'

export { FormatError }
export { isLabel }
export type { CarrierFormat, CarrierVariant, FoundLabel }

// Office packages by their main part's content type (a plain ZIP is none of them). Video and
// audio (ISO base media): mov and m4a by their ftyp brand before the mp4 catch-all. AAC
// (ADTS) before MP3, which takes any other ID3-tagged file; both last: a bare frame header
// is only two bytes of magic.
export const FORMATS: CarrierFormat[] = [png, jpeg, webp, gif, pdf, markdown, html, docx, xlsx, pptx, mov, m4a, mp4, wav, flac, oggVorbis, opus, aac, mp3]
/** What the formats are, for the error that refuses any other file. */
export const SUPPORTED_FORMATS = 'PNG, JPEG, WebP, GIF, PDF, DOCX, XLSX, PPTX (and their templates), MP4, MOV, M4A, MP3, WAV, FLAC, Ogg Vorbis, Ogg Opus, AAC (ADTS), HTML, or Markdown/plain text declared as text/markdown or text/plain'
export { markdown }

/** Text has no magic number: a text file its bytes do not identify is what its declared type says. */
const TEXT_FORMATS = FORMATS.filter((f) => f.mime.startsWith('text/'))

export const accepts = (format: CarrierFormat, type: string) => format.mime === type || (format.types?.includes(type) ?? false)

/**
 * Sniffs the bytes. Text is what its declared type names when it names a text format: a
 * text/plain upload that opens with `<html` stays plain text, answered as text/plain.
 * Throws FormatError (a LimitError) for a file that is one of ours but breaks its budgets
 * before it can be told apart (an Office package whose directory claims a deflate bomb).
 */
export function detectFormat(bytes: Uint8Array, declaredType = ''): CarrierFormat | undefined {
  const declared = TEXT_FORMATS.find((f) => accepts(f, declaredType))
  const sniffed = FORMATS.find((f) => f.detect(bytes))
  return sniffed && !(declared && TEXT_FORMATS.includes(sniffed)) ? sniffed : declared
}

export function formatFor(bytes: Uint8Array, declaredType?: string): CarrierFormat {
  const format = detectFormat(bytes, declaredType)
  if (!format) throw new FormatError(`unsupported file type: expected ${SUPPORTED_FORMATS}`)
  return format
}

export interface ReadLabel extends FoundLabel {
  /** Undefined when the value is not an Annex E record. */
  label?: AigcLabel
  wrapped?: boolean
  misspelled?: string[]
}

/** Everything `format.read` finds, refused before any label is parsed when there are too many labels. */
export function readFound(bytes: Uint8Array, format: CarrierFormat): FoundLabel[] {
  const found = format.read(bytes)
  checkLimit('labelsPerFile', found.filter(isLabel).length, `the ${format.name} file's labels`)
  return found
}

/** The labels (signs left out), parsed where they parse. */
export function readLabels(bytes: Uint8Array, format = formatFor(bytes)): ReadLabel[] {
  return readFound(bytes, format)
    .filter(isLabel)
    .map((found) => ({ ...found, ...parseLabel(found.raw) }))
}

/** The file with exactly one label, `label`: read back before it is returned, else a FormatError. */
export function writeLabel(bytes: Uint8Array, label: AigcLabel, format = formatFor(bytes)): Uint8Array {
  let out: Uint8Array
  try {
    out = format.write(bytes, serializeLabel(label))
  } catch (error) {
    if (error instanceof XmpError) throw new FormatError(`the file's XMP packet cannot be updated: ${error.message}`)
    throw error
  }
  checkWritten(out, label, format)
  return out
}

/**
 * Fails closed: throws unless the file holds exactly one label, canonical, and it is `label`.
 * Every path that writes a label (here, and the routes after a visible mark) ends with it.
 */
export function checkWritten(bytes: Uint8Array, label: AigcLabel, format: CarrierFormat): void {
  if (!verifyLabel(bytes, label, format)) throw new FormatError('the labelled file does not read back as exactly one label; nothing was returned')
}

/** Images only: a model's image answer that sniffs as text is not an image. */
export function imageFormat(bytes: Uint8Array): CarrierFormat {
  const format = detectFormat(bytes)
  if (!format || !format.mime.startsWith('image/')) throw new FormatError('unsupported image type: expected PNG, JPEG, WebP or GIF')
  return format
}

/** Exactly one label, written the guide's way, and it is this one. */
export function verifyLabel(bytes: Uint8Array, label: AigcLabel, format = formatFor(bytes)): boolean {
  const found = readLabels(bytes, format)
  const [only] = found
  return found.length === 1 && !only!.variant && only!.label !== undefined && serializeLabel(only!.label) === serializeLabel(label)
}
