/**
 * The little of JUMBF (ISO/IEC 19566-5) the carrier modules need to find a C2PA manifest
 * store: a superbox `jumb` whose description box `jumd` has the C2PA store's type UUID.
 * Parsing the store itself is src/c2pa's.
 */
import { checkLimit } from '../limits'
import { latin1 } from './bytes'
import type { FoundManifestStore } from './types'

/** `c2pa` then 0011-0010-8000-00AA00389B71: the manifest store's JUMBF type (C2PA 2.1 §11.1). */
const STORE_TYPE = [0x63, 0x32, 0x70, 0x61, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]

/** Whether the bytes open a JUMBF superbox that is a C2PA manifest store. */
export function isManifestStore(box: Uint8Array): boolean {
  return box.length >= 32 && latin1(box, 4, 8) === 'jumb' && latin1(box, 12, 16) === 'jumd' && STORE_TYPE.every((b, i) => box[16 + i] === b)
}

/** A found store, its size checked before anything parses it. */
export function foundStore(jumbf: Uint8Array, start: number, length: number, what: string): FoundManifestStore {
  checkLimit('c2paManifestStoreBytes', jumbf.length, what)
  return { jumbf, start, length }
}
