/**
 * One file, labelled as a reader will meet it: the visible mark its format takes (the text
 * label in a text document, the image mark on an image, the rhythm mark on WAV and MP3), then exactly one signed implicit
 * label, read back before it is returned. Shared by uploads to /v1/aigc and generated files
 * read from the model API.
 */
import { accepts, checkWritten, markdown, type CarrierFormat } from '../formats'
import { labelFile, type LabelledFile, type Signing } from '../image/label-image'
import { markContext } from '../image/runtime'
import type { Watermarker } from '../image/watermarker'
import type { AigcLabel } from '../label/annex-e'
import { affixesFor } from '../label/explicit-text'
import type { Labels } from '../tenant/schema'

export interface TypedFile {
  bytes: Uint8Array
  format: CarrierFormat
  /** The content type the answer carries: the one declared, when it names this format. */
  type: string
}

/** A content type header's media type, lower case, without parameters. */
export const mediaType = (header: string | null | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase()

/**
 * The file with the type its answer carries: the declared type when it names the format,
 * else the format's own. Markdown and plain text are UTF-8 (a write refuses anything else),
 * so they say so; HTML is spliced byte for byte and keeps the header as sent, charset
 * included, since its bytes keep whatever charset the page is in.
 */
export function typedFile(bytes: Uint8Array, format: CarrierFormat, header: string): TypedFile {
  const declared = mediaType(header)
  const type = accepts(format, declared) ? declared : format.mime
  if (format === markdown) return { bytes, format, type: `${type}; charset=utf-8` }
  return { bytes, format, type: type === declared ? header.trim() : type }
}

export type VisibleMarks = Pick<Labels, 'text' | 'image' | 'audio'>

/** Whether the gateway can put a visible (or audible) mark on this format (video not yet). */
export const takesVisibleMark = (format: CarrierFormat) => format.explicitText !== undefined || format.audibleMark !== undefined || format.mime.startsWith('image/')

/**
 * Audio the rhythm mark cannot be joined to without decoding and re-encoding it (FLAC,
 * Opus, Vorbis, AAC in M4A): it leaves with the implicit label alone and says so, unless
 * the tenant requires the mark (`labels.audio.required`), when the caller refuses it.
 */
export const cannotCarryAudioMark = (format: CarrierFormat) => format.mime.startsWith('audio/') && format.audibleMark === undefined

export interface LabelledTypedFile extends LabelledFile {
  /** Why the visible mark asked for is not there: the tenant turned its option off, or the codec cannot take it. */
  omission?: 'tenant-option-off' | 'format-cannot-carry'
}

/**
 * The visible mark when `marks` are given, then the implicit label. Throws FormatError
 * (LimitError included) for a file it cannot read: the caller says whose file that was.
 */
export async function labelTypedFile(
  { bytes, format }: TypedFile,
  label: AigcLabel,
  marks: VisibleMarks | undefined,
  signing: Signing,
  watermark?: Watermarker,
): Promise<LabelledTypedFile> {
  // A tenant stored before the option existed has none: the default (on) applies.
  const optedOut = marks !== undefined && format.explicitTextOptional === true && marks.text.pdfPageText === false
  const input = !marks
    ? bytes
    : format.explicitText && !optedOut
      ? format.explicitText(bytes, affixesFor(marks.text))
      : format.audibleMark
        ? format.audibleMark(bytes, marks.audio.position)
        : bytes
  const imageMark = (marks || watermark) && format.mime.startsWith('image/') ? markContext(marks?.image, watermark) : undefined
  const out = await labelFile(input, format, label, imageMark, signing)
  checkWritten(out.bytes, out.label, format)
  if (optedOut) return { ...out, omission: 'tenant-option-off' }
  return marks && cannotCarryAudioMark(format) ? { ...out, omission: 'format-cannot-carry' } : out
}
