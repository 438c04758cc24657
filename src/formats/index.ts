/**
 * The carrier formats and what callers do with them: sniff the format, read every label
 * (parsed where it parses), write exactly one, and verify a file carries the label given.
 */
import { parseLabel, serializeLabel, type AigcLabel } from '../label/annex-e'
import { XmpError } from '../label/xmp'
import { FormatError } from './bytes'
import { gif } from './gif'
import { jpeg } from './jpeg'
import { markdown } from './markdown'
import { png } from './png'
import type { CarrierFormat, FoundLabel } from './types'
import { webp } from './webp'

export { FormatError }
export type { CarrierFormat, FoundLabel }

export const FORMATS: CarrierFormat[] = [png, jpeg, webp, gif, markdown]
export { markdown }

/** Sniffs the bytes; text without front matter is Markdown only when declared as text. */
export function detectFormat(bytes: Uint8Array, declaredType = ''): CarrierFormat | undefined {
  const sniffed = FORMATS.find((f) => f.detect(bytes))
  if (sniffed) return sniffed
  return /^text\/(markdown|plain|x-markdown)$/.test(declaredType) ? markdown : undefined
}

export function formatFor(bytes: Uint8Array, declaredType?: string): CarrierFormat {
  const format = detectFormat(bytes, declaredType)
  if (!format) throw new FormatError('unsupported file type: expected PNG, JPEG, WebP, GIF or Markdown')
  return format
}

export interface ReadLabel extends FoundLabel {
  /** Undefined when the value is not an Annex E record. */
  label?: AigcLabel
  wrapped?: boolean
}

export function readLabels(bytes: Uint8Array, format = formatFor(bytes)): ReadLabel[] {
  return format
    .read(bytes)
    .map((found) => ({ ...found, ...parseLabel(found.raw) }))
}

export function writeLabel(bytes: Uint8Array, label: AigcLabel, format = formatFor(bytes)): Uint8Array {
  try {
    return format.write(bytes, serializeLabel(label))
  } catch (error) {
    if (error instanceof XmpError) throw new FormatError(`the file's XMP packet cannot be updated: ${error.message}`)
    throw error
  }
}

/** Images only: a model's image answer that sniffs as text is not an image. */
export function imageFormat(bytes: Uint8Array): CarrierFormat {
  const format = detectFormat(bytes)
  if (!format || format === markdown) throw new FormatError('unsupported image type: expected PNG, JPEG, WebP or GIF')
  return format
}

/** Exactly one label, and it is this one. */
export function verifyLabel(bytes: Uint8Array, label: AigcLabel): boolean {
  const found = readLabels(bytes)
  return found.length === 1 && found[0]!.label !== undefined && serializeLabel(found[0]!.label) === serializeLabel(label)
}
