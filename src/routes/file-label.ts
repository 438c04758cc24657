/**
 * One file, labelled as a reader will meet it: the visible mark its format takes (the text
 * label in a text document, the image mark on an image), then exactly one signed implicit
 * label, read back before it is returned. Shared by uploads to /v1/aigc and generated files
 * read from the model API.
 */
import { accepts, checkWritten, type CarrierFormat } from '../formats'
import { labelFile, type LabelledFile, type Signing } from '../image/label-image'
import { markContext } from '../image/runtime'
import type { AigcLabel } from '../label/annex-e'
import { affixesFor } from '../label/explicit-text'
import type { Labels } from '../tenant/schema'

export interface TypedFile {
  bytes: Uint8Array
  format: CarrierFormat
  /** The content type the answer carries: the one declared, when it names this format. */
  type: string
}

export function typedFile(bytes: Uint8Array, format: CarrierFormat, declared: string): TypedFile {
  const type = accepts(format, declared) ? declared : format.mime
  return { bytes, format, type: type.startsWith('text/') ? `${type}; charset=utf-8` : type }
}

export type VisibleMarks = Pick<Labels, 'text' | 'image'>

/** Whether the gateway can put a visible mark on this format (video and audio not yet). */
export const takesVisibleMark = (format: CarrierFormat) => format.explicitText !== undefined || format.mime.startsWith('image/')

export interface LabelledTypedFile extends LabelledFile {
  /** Why the visible mark asked for is not there: the tenant left its option for this format off. */
  omission?: 'tenant-option-off'
}

/**
 * The visible mark when `marks` are given, then the implicit label. Throws FormatError
 * (LimitError included) for a file it cannot read: the caller says whose file that was.
 */
export async function labelTypedFile({ bytes, format }: TypedFile, label: AigcLabel, marks: VisibleMarks | undefined, signing: Signing): Promise<LabelledTypedFile> {
  const optedOut = format.explicitTextOptIn && !marks?.text.pdfPageText
  const text = marks && format.explicitText && !optedOut ? format.explicitText : undefined
  const input = text ? text(bytes, affixesFor(marks!.text)) : bytes
  const imageMark = marks && format.mime.startsWith('image/') ? markContext(marks.image) : undefined
  const out = await labelFile(input, format, label, imageMark, signing)
  checkWritten(out.bytes, out.label, format)
  return marks && optedOut ? { ...out, omission: 'tenant-option-off' } : out
}
