/** Both labels on one image: the visible mark when asked for, then exactly one implicit label. */
import type { AigcLabel } from '../label/annex-e'
import { writeLabel } from '../formats'
import { markImage, type MarkContext } from './mark-image'

export async function labelImage(bytes: Uint8Array, label: AigcLabel, explicit: MarkContext | undefined): Promise<Uint8Array> {
  return writeLabel(explicit ? await markImage(bytes, explicit) : bytes, label)
}
