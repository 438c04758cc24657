/**
 * Both labels on one file: the image mark when one is given (text documents take theirs
 * before, in routes/file-label.ts), then exactly one implicit label, signed over the
 * finished content when a signer is given.
 */
import { serializeLabel, type AigcLabel } from '../label/annex-e'
import { FormatError, type CarrierFormat } from '../formats'
import type { SigningRole } from '../label/security-data'
import { signLabel, type Signer } from '../label/signature'
import { XmpError } from '../label/xmp'
import { markImage, takesWatermark, type MarkContext } from './mark-image'

export interface LabelledFile {
  bytes: Uint8Array
  /** The label as written, signature included. */
  label: AigcLabel
}

export interface Signing {
  signer: Signer
  role: SigningRole
}

export async function labelFile(
  bytes: Uint8Array,
  format: CarrierFormat,
  label: AigcLabel,
  explicit: MarkContext | undefined,
  signing?: Signing,
): Promise<LabelledFile> {
  let written = label
  // The signature binds the content as the label write leaves it, so it is made last.
  const labelFor = async (content: () => Iterable<Uint8Array>) => {
    written = signing ? await signLabel(label, signing.role, signing.signer, content) : label
    return serializeLabel(written)
  }
  try {
    if (explicit) {
      const watermarker = takesWatermark(format.name) ? explicit.watermark : undefined
      const embedding = await watermarker?.embedding(label)
      const out = await markImage(bytes, explicit, labelFor, embedding)
      await watermarker?.record(written, out)
      return { bytes: out, label: written }
    }
    const json = await labelFor(() => format.content(bytes))
    return { bytes: format.write(bytes, json), label: written }
  } catch (error) {
    if (error instanceof XmpError) throw new FormatError(`the file's XMP packet cannot be updated: ${error.message}`)
    throw error
  }
}
