/**
 * Both labels on one file (image or Markdown): the visible mark when asked for, then exactly one implicit
 * label, signed over the finished content when a signer is given.
 */
import { serializeLabel, type AigcLabel } from '../label/annex-e'
import { FormatError, writeLabel, type CarrierFormat } from '../formats'
import type { SigningRole } from '../label/security-data'
import { signLabel, type Signer } from '../label/signature'
import { XmpError } from '../label/xmp'
import { markImage, type MarkContext } from './mark-image'

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
  try {
    const marked = explicit ? await markImage(bytes, explicit, serializeLabel(label)) : bytes
    // The content a label write leaves alone is what the signature binds.
    const signed = signing ? await signLabel(label, signing.role, signing.signer, () => format.content(marked)) : label
    return { bytes: signing || !explicit ? writeLabel(marked, signed, format) : marked, label: signed }
  } catch (error) {
    if (error instanceof XmpError) throw new FormatError(`the file's XMP packet cannot be updated: ${error.message}`)
    throw error
  }
}
