/**
 * The payload's channel code: CRC-16/CCITT over 48 bits, then a rate-1/3 convolutional
 * code (constraint length 7, the 0o133/0o171/0o165 generators) decoded by soft Viterbi.
 */
export const PAYLOAD_BITS = 48
export const INFO_BITS = PAYLOAD_BITS + 16
const K = 7
const GENERATORS = [0o133, 0o171, 0o165]
export const CODED_BITS = (INFO_BITS + K - 1) * GENERATORS.length

export function crc16(bits: ArrayLike<number>): number {
  let crc = 0xffff
  for (let i = 0; i < bits.length; i++) {
    const top = ((crc >> 15) & 1) ^ bits[i]!
    crc = ((crc << 1) & 0xffff) ^ (top ? 0x1021 : 0)
  }
  return crc
}

const parity = (v: number) => {
  let p = 0
  for (; v; v &= v - 1) p ^= 1
  return p
}

/** 48 payload bits + CRC, tail-terminated, as CODED_BITS 0/1 values. */
export function encodePayload(payload: ArrayLike<number>): Uint8Array {
  const crc = crc16(payload)
  const info = [...Array.from(payload), ...Array.from({ length: 16 }, (_, i) => (crc >> (15 - i)) & 1), ...new Array<number>(K - 1).fill(0)]
  const out = new Uint8Array(CODED_BITS)
  let state = 0
  info.forEach((bit, t) => {
    state = ((state << 1) | bit) & ((1 << K) - 1)
    GENERATORS.forEach((g, j) => (out[t * GENERATORS.length + j] = parity(state & g)))
  })
  return out
}

/** Soft Viterbi: `soft[i] > 0` leans to 1. The payload when its CRC checks, else undefined. */
export function decodePayload(soft: Float64Array): Uint8Array | undefined {
  const states = 1 << (K - 1)
  const steps = INFO_BITS + K - 1
  let metric = new Float64Array(states).fill(-Infinity)
  metric[0] = 0
  const from = new Uint8Array(steps * states)
  const outputs = new Int8Array((states << 1) * GENERATORS.length)
  for (let s = 0; s < states << 1; s++) GENERATORS.forEach((g, j) => (outputs[s * GENERATORS.length + j] = parity(s & g) ? 1 : -1))
  for (let t = 0; t < steps; t++) {
    const next = new Float64Array(states).fill(-Infinity)
    for (let s = 0; s < states; s++) {
      if (metric[s] === -Infinity) continue
      for (let bit = 0; bit < 2; bit++) {
        if (t >= INFO_BITS && bit) continue
        const full = (s << 1) | bit
        let m = metric[s]!
        for (let j = 0; j < GENERATORS.length; j++) m += outputs[full * GENERATORS.length + j]! * soft[t * GENERATORS.length + j]!
        const ns = full & (states - 1)
        if (m > next[ns]!) {
          next[ns] = m
          from[t * states + ns] = s
        }
      }
    }
    metric = next
  }
  const bits = new Uint8Array(steps)
  let s = 0
  for (let t = steps - 1; t >= 0; t--) {
    bits[t] = s & 1
    s = from[t * states + s]!
  }
  const payload = bits.subarray(0, PAYLOAD_BITS)
  let crc = 0
  for (let i = 0; i < 16; i++) crc = (crc << 1) | bits[PAYLOAD_BITS + i]!
  return crc16(payload) === crc ? payload.slice() : undefined
}
