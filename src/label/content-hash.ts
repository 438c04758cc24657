/**
 * Content hashes for label bindings: SM3 (GB/T 32905) next to SM2 signatures, SHA-256
 * next to Ed25519. Both are incremental over a list of parts, because a file's content is
 * every byte except its label carrier, and copying a 50 MB file to hash it is not an option.
 *
 * SM3 is our own compression function on @noble/hashes' Merkle–Damgård base (which does
 * the buffering and padding): sm-crypto-v2 keeps its SM3 class private and only hashes one
 * contiguous array.
 */
import { HashMD } from '@noble/hashes/_md'
import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex } from '@noble/hashes/utils'

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

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e]
const W = new Uint32Array(68)
const rotl = (x: number, n: number) => (x << (n & 31)) | (x >>> ((32 - (n & 31)) & 31))
const p0 = (x: number) => x ^ rotl(x, 9) ^ rotl(x, 17)
const p1 = (x: number) => x ^ rotl(x, 15) ^ rotl(x, 23)

export class Sm3 extends HashMD<Sm3> {
  private state = Int32Array.from(IV)

  constructor() {
    super(64, 32, 8, false)
  }

  protected get(): number[] {
    return Array.from(this.state)
  }

  protected set(...state: number[]): void {
    this.state.set(state)
  }

  protected process(view: DataView, offset: number): void {
    for (let i = 0; i < 16; i++) W[i] = view.getUint32(offset + 4 * i, false)
    for (let i = 16; i < 68; i++) W[i] = p1(W[i - 16]! ^ W[i - 9]! ^ rotl(W[i - 3]!, 15)) ^ rotl(W[i - 13]!, 7) ^ W[i - 6]!
    const s = this.state
    // Eight locals rather than an array: this loop is the whole cost of hashing a file.
    let a = s[0]!
    let b = s[1]!
    let c = s[2]!
    let d = s[3]!
    let e = s[4]!
    let f = s[5]!
    let g = s[6]!
    let h = s[7]!
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(a, 12)
      const ss1 = rotl((a12 + e + rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j)) | 0, 7)
      const ss2 = ss1 ^ a12
      const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c)
      const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g)
      const tt1 = (ff + d + ss2 + (W[j]! ^ W[j + 4]!)) | 0
      const tt2 = (gg + h + ss1 + W[j]!) | 0
      d = c
      c = rotl(b, 9)
      b = a
      a = tt1
      h = g
      g = rotl(f, 19)
      f = e
      e = p0(tt2)
    }
    s[0] = s[0]! ^ a
    s[1] = s[1]! ^ b
    s[2] = s[2]! ^ c
    s[3] = s[3]! ^ d
    s[4] = s[4]! ^ e
    s[5] = s[5]! ^ f
    s[6] = s[6]! ^ g
    s[7] = s[7]! ^ h
  }

  protected roundClean(): void {
    W.fill(0)
  }

  destroy(): void {
    this.state.fill(0)
    this.buffer.fill(0)
  }
}
