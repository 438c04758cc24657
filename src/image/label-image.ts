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
import { finishCredentials, readUpstream, type C2paOutcome, type C2paSigning } from '../c2pa/outcome'

export interface LabelledFile {
  bytes: Uint8Array
  /** The label as written, signature included. */
  label: AigcLabel
  /** What became of C2PA Content Credentials (written last, src/c2pa). */
  c2pa: C2paOutcome
}

export interface Signing {
  signer: Signer
  role: SigningRole
  c2pa?: C2paSigning
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
    const upstream = await readUpstream(bytes, format, signing?.c2pa)
    const watermarker = explicit && takesWatermark(format.name) ? explicit.watermark : undefined
    const labelled = explicit
      ? await markImage(bytes, explicit, labelFor, await watermarker?.embedding(label))
      : format.write(bytes, await labelFor(() => format.content(bytes)))
    const visibleMark = explicit?.spec ? { visibleMark: explicit.spec.text } : {}
    const finished = await finishCredentials(labelled, format, upstream, signing?.c2pa, { label: written, ...visibleMark })
    // The row names the file as delivered: after the Content Credentials are settled.
    await watermarker?.record(written, finished.bytes)
    return { ...finished, label: written }
  } catch (error) {
    if (error instanceof XmpError) throw new FormatError(`the file's XMP packet cannot be updated: ${error.message}`)
    throw error
  }
}
