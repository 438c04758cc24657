import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex } from '@noble/hashes/utils'
import { sm3 } from 'sm-crypto-v2'
import { describe, expect, it } from 'vitest'
import { contentHash } from '../../src/label/content-hash'

const data = Uint8Array.from({ length: 200_003 }, (_, i) => (i * 131 + 7) & 255)

describe('content hashes over parts', () => {
  it('SM3 gives the GB/T 32905 test vector and agrees with sm-crypto-v2 however the input is split', () => {
    expect(contentHash('SM3', [new TextEncoder().encode('abc')])).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0')
    const whole = sm3(data)
    for (const cuts of [[0], [1, 63, 64, 65], [100_000], [7, 199_999]]) {
      const points = [0, ...cuts, data.length]
      const parts = points.slice(1).map((end, i) => data.subarray(points[i], end))
      expect(contentHash('SM3', parts), cuts.join()).toBe(whole)
    }
    expect(contentHash('SM3', [])).toBe(sm3(new Uint8Array(0)))
  })

  it('SHA-256 agrees with a one-shot digest', () => {
    expect(contentHash('SHA-256', [data.subarray(0, 5), data.subarray(5)])).toBe(bytesToHex(sha256(data)))
  })
})
