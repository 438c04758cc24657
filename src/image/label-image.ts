/** Both labels on one image: the visible mark when asked for, then exactly one implicit label. */
import { serializeLabel, type AigcLabel } from '../label/annex-e'
import { FormatError, writeLabel } from '../formats'
import { XmpError } from '../label/xmp'
import { markImage, type MarkContext } from './mark-image'

export async function labelImage(bytes: Uint8Array, label: AigcLabel, explicit: MarkContext | undefined): Promise<Uint8Array> {
  if (!explicit) return writeLabel(bytes, label)
  try {
    return await markImage(bytes, explicit, serializeLabel(label))
  } catch (error) {
    if (error instanceof XmpError) throw new FormatError(`the file's XMP packet cannot be updated: ${error.message}`)
    throw error
  }
}
