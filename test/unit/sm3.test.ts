import { bytesToHex } from '@noble/hashes/utils'
import { sm3 as librarySm3 } from 'sm-crypto-v2'
import { describe, expect, it } from 'vitest'
import { Sm3 } from '../../src/label/sm3'

const ascii = (text: string) => new TextEncoder().encode(text)
const hashParts = (parts: Uint8Array[]) => {
  const hash = new Sm3()
  for (const part of parts) hash.update(part)
  return bytesToHex(hash.digest())
}

/** mulberry32: the same "random" lengths and bytes on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

describe('SM3 (GB/T 32905-2016)', () => {
  it('gives the standard’s example digests (Appendix A)', () => {
    expect(hashParts([ascii('abc')])).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0')
    expect(hashParts([ascii('abcd'.repeat(16))])).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732')
  })

  it('agrees with sm-crypto-v2 over seeded random lengths, however the input is split', () => {
    const random = seeded(32905)
    // Every length around the padding edges (55, 56, 63, 64 mod 64), then random ones up to 300 KB.
    const lengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129]
    for (let i = 0; i < 40; i++) lengths.push(Math.floor(random() * (i < 30 ? 4096 : 300_000)))
    for (const length of lengths) {
      const data = Uint8Array.from({ length }, () => Math.floor(random() * 256))
      const parts: Uint8Array[] = []
      for (let at = 0; at < length; ) {
        const end = Math.min(length, at + 1 + Math.floor(random() * (random() < 0.5 ? 70 : 20_000)))
        parts.push(data.subarray(at, end))
        at = end
      }
      expect(hashParts(parts), `length ${length} in ${parts.length} parts`).toBe(librarySm3(data))
      expect(hashParts([data]), `length ${length} whole`).toBe(librarySm3(data))
    }
  })

  it('hashes a view into a larger buffer and a Uint8Array subclass by their own bytes', () => {
    class Bytes extends Uint8Array {}
    const buffer = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255)
    const view = buffer.subarray(100, 900)
    const subclassed = new Bytes(buffer.buffer, 100, 800)
    expect(hashParts([view])).toBe(librarySm3(view.slice()))
    expect(hashParts([subclassed.subarray(0, 10), subclassed.subarray(10)])).toBe(librarySm3(view.slice()))
  })
})
