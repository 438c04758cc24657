/**
 * Content hashes for label bindings: SM3 (GB/T 32905) next to SM2 signatures, SHA-256
 * next to Ed25519. Both are incremental over a list of parts, because a file's content is
 * every byte except its label carrier, and copying a 50 MB file to hash it is not an option.
 *
 * SM3 is our own (./sm3.ts, which says why); SHA-256 is @noble/hashes'.
 */
import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex } from '@noble/hashes/utils'
import { Sm3 } from './sm3'

export type ContentHashAlgorithm = 'SM3' | 'SHA-256'

/** Object identifiers, as written in a Bindings entry. */
export const HASH_OIDS: Record<ContentHashAlgorithm, string> = {
  SM3: '1.2.156.10197.1.401',
  'SHA-256': '2.16.840.1.101.3.4.2.1',
}

export function hashAlgorithmForOid(oid: string): ContentHashAlgorithm | undefined {
  return (Object.keys(HASH_OIDS) as ContentHashAlgorithm[]).find((a) => HASH_OIDS[a] === oid)
}

/** Lower-case hex digest of the parts, in order. */
export function contentHash(algorithm: ContentHashAlgorithm, parts: Iterable<Uint8Array>): string {
  const hash = algorithm === 'SM3' ? new Sm3() : sha256.create()
  for (const part of parts) hash.update(part)
  return bytesToHex(hash.digest())
}
