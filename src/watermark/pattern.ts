/**
 * The keyed tile: 32 × 32 chips of 4 tile pixels (128 × 128). A quarter of the chips are
 * the pilot (sync and presence), the rest carry the coded payload bits, each bit spread
 * over 3–4 chips at keyed places with keyed signs.
 */
import { CODED_BITS } from './code'

export const TILE = 128
export const CHIP = 4
export const GRID = TILE / CHIP
const PILOT_CHIPS = (GRID * GRID) / 4

export interface TilePattern {
  /** ±1 per chip. */
  sign: Int8Array
  /** -1 for a pilot chip, else the coded bit the chip carries. */
  role: Int16Array
}

/** xorshift128 seeded from the key: the same key always gives the same tile. */
function keyedRandom(key: Uint8Array): () => number {
  const s = new Uint32Array(4)
  for (let i = 0; i < 16; i++) s[i >> 2] = (s[i >> 2]! << 8) | key[i % key.length]!
  if (!(s[0]! | s[1]! | s[2]! | s[3]!)) s[0] = 1
  return () => {
    let t = s[3]!
    t ^= t << 11
    t ^= t >>> 8
    s[3] = s[2]!
    s[2] = s[1]!
    s[1] = s[0]!
    t ^= s[0]! ^ (s[0]! >>> 19)
    s[0] = t
    return t >>> 0
  }
}

export function tilePattern(key: Uint8Array): TilePattern {
  const next = keyedRandom(key)
  const n = GRID * GRID
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1)
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const sign = new Int8Array(n)
  const role = new Int16Array(n)
  for (let i = 0; i < n; i++) sign[i] = next() & 1 ? 1 : -1
  order.forEach((chip, i) => (role[chip] = i < PILOT_CHIPS ? -1 : (i - PILOT_CHIPS) % CODED_BITS))
  return { sign, role }
}

/** ±1 per chip: the pilot's sign, or the coded bit's value times the chip's sign. */
export function chipValues(pattern: TilePattern, coded: Uint8Array): Int8Array {
  return pattern.sign.map((s, i) => (pattern.role[i]! < 0 ? s : s * (coded[pattern.role[i]!] ? 1 : -1)))
}
