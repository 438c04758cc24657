/**
 * GIF image data (LZW, GIF89a appendix F), decoded to palette indices. Ours rather than
 * omggif's decoder, which chases prefix links without checking them: a code table that
 * refers to itself never returns (and no maintained package states a bound either). Here a
 * code is only accepted if it is in the table or the one about to be added, every entry is
 * its prefix plus one byte (so the links go strictly back and an entry's length is known),
 * and the output stops at the frame's pixel count: work is linear in input plus output.
 */
import { FormatError } from '../formats/bytes'

const MAX_CODES = 4096

/**
 * Decodes the LZW stream that starts at `at` (minimum code size, then data sub-blocks) into
 * exactly `pixels` indices. As viewers do, codes after the last pixel are ignored and pixels
 * the data does not reach are left clear: they get `fill` (the transparent index, or 0).
 */
export function decodeLzw(bytes: Uint8Array, at: number, pixels: number, fill: number, what: string): Uint8Array {
  const minSize = bytes[at]
  if (minSize === undefined || minSize < 2 || minSize > 8) throw new FormatError(`corrupt ${what}: LZW minimum code size ${minSize}`)
  const clear = 1 << minSize
  const end = clear + 1
  const prefix = new Uint16Array(MAX_CODES)
  const suffix = new Uint8Array(MAX_CODES)
  const first = new Uint8Array(MAX_CODES)
  const length = new Uint16Array(MAX_CODES)
  for (let i = 0; i < clear; i++) {
    suffix[i] = first[i] = i
    length[i] = 1
  }
  const out = new Uint8Array(pixels)
  let op = 0
  let size = minSize + 1
  let next = end + 1
  let prev = -1
  // Bit reader over the data sub-blocks.
  let p = at + 1
  let block = 0
  let bits = 0
  let held = 0
  for (;;) {
    while (held < size) {
      if (block === 0) {
        if (p >= bytes.length) throw new FormatError(`truncated ${what}`)
        block = bytes[p++]!
        if (block === 0) break // the terminator: no more data
        if (p + block > bytes.length) throw new FormatError(`truncated ${what}`)
      }
      bits |= bytes[p++]! << held
      held += 8
      block--
    }
    if (held < size) break // the data ended without an end code
    const code = bits & ((1 << size) - 1)
    bits >>>= size
    held -= size
    if (code === clear) {
      size = minSize + 1
      next = end + 1
      prev = -1
      continue
    }
    if (code === end) break
    // After a clear only a literal is defined; otherwise a table entry or the one being made.
    if (prev < 0 ? code > end : code > next) throw new FormatError(`corrupt ${what}: LZW code ${code} is not in the table`)
    if (prev >= 0 && next < MAX_CODES) {
      prefix[next] = prev
      first[next] = first[prev]!
      suffix[next] = code === next ? first[prev]! : first[code]!
      length[next] = length[prev]! + 1
      next++
      if (next === 1 << size && size < 12) size++
    }
    // The entry, written backwards from its end along its prefixes, clipped to the frame.
    let c = code
    for (let i = op + length[code]! - 1; i >= op; i--) {
      if (i < pixels) out[i] = suffix[c]!
      c = prefix[c]!
    }
    op += length[code]!
    prev = code
    if (op >= pixels) return out
  }
  return out.fill(fill, op)
}

/**
 * LZW-codes palette indices as GIF image data: the minimum code size, data sub-blocks and
 * their terminator. The dictionary is a flat table keyed by (code, next index), so each
 * pixel costs one lookup (omggif's encoder keys a plain object, several times slower). When
 * full it is cleared, as the decoder's is by the clear code written then: entries carry the
 * generation they were made in, so clearing is a counter, not a 4 MB fill.
 */
export function encodeLzw(indices: Uint8Array, minSize: number): Uint8Array {
  const clear = 1 << minSize
  const end = clear + 1
  const mask = clear - 1
  const table = new Int32Array(MAX_CODES << 8)
  let generation = 1
  // At most one 12-bit code a pixel, plus clear codes, the sub-block lengths and the ends.
  const out = new Uint8Array(Math.ceil(indices.length * 1.6) + 64)
  out[0] = minSize
  let p = 2
  let blockStart = 1
  let bits = 0
  let held = 0
  let size = minSize + 1
  let next = end + 1
  const byte = (b: number) => {
    out[p++] = b
    if (p === blockStart + 256) {
      out[blockStart] = 255
      blockStart = p++
    }
  }
  const emit = (code: number) => {
    bits |= code << held
    held += size
    for (; held >= 8; held -= 8, bits >>>= 8) byte(bits & 0xff)
  }
  emit(clear)
  let prefix = indices.length ? indices[0]! & mask : 0
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i]! & mask
    const key = (prefix << 8) | k
    const entry = table[key]!
    if (entry >>> 12 === generation) {
      prefix = entry & 4095
      continue
    }
    emit(prefix)
    if (next === MAX_CODES) {
      emit(clear)
      generation++
      next = end + 1
      size = minSize + 1
    } else {
      if (next >= 1 << size) size++
      table[key] = (generation << 12) | next++
    }
    prefix = k
  }
  emit(prefix)
  emit(end)
  if (held > 0) byte(bits & 0xff)
  // Close the open sub-block (its length) and add the terminator.
  const last = p - blockStart - 1
  if (last > 0) {
    out[blockStart] = last
    out[p++] = 0
  } else {
    out[blockStart] = 0
  }
  return out.slice(0, p)
}
