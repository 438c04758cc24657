/** Byte helpers shared by the format modules: bounds-checked reads, text, CRC-32. */
import { Inflate, Unzlib } from 'fflate'

/** Malformed or unsupported input; routes answer it with a 4xx. */
export class FormatError extends Error {}

/** Throws unless `bytes` has `length` bytes at `offset`. */
export function need(bytes: Uint8Array, offset: number, length: number, what: string): void {
  if (offset < 0 || length < 0 || offset + length > bytes.length) throw new FormatError(`truncated ${what}`)
}

export const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!
export const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0
export const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8)
export const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)
export const u32le = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0

export function putU32be(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24
  b[i + 1] = v >>> 16
  b[i + 2] = v >>> 8
  b[i + 3] = v
}

export function putU32le(b: Uint8Array, i: number, v: number): void {
  b[i] = v
  b[i + 1] = v >>> 8
  b[i + 2] = v >>> 16
  b[i + 3] = v >>> 24
}

export function putU24le(b: Uint8Array, i: number, v: number): void {
  b[i] = v
  b[i + 1] = v >>> 8
  b[i + 2] = v >>> 16
}

/** ASCII/Latin-1 text of a byte range (keywords, four-character codes). */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = ''
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!)
  return s
}

export const utf8 = new TextEncoder()
const decoder = new TextDecoder()
export const fromUtf8 = (b: Uint8Array) => decoder.decode(b)

/**
 * Inflates zlib data (or raw deflate, as ZIP entries hold it), refusing to produce more than
 * `max` bytes: fed in small slices so a decompression bomb is stopped after a few megabytes,
 * not after it filled memory. Going past `max` throws `tooLarge()` (callers pass a LimitError
 * naming their budget).
 */
export function inflateCapped(
  data: Uint8Array,
  max: number,
  what: string,
  tooLarge = () => new FormatError(`${what} inflates beyond ${max} bytes`),
  wrapping: 'zlib' | 'raw' = 'zlib',
): Uint8Array {
  return concat([...inflateChunks(data, max, what, tooLarge, wrapping)])
}

/** `inflateCapped` as the chunks come out, for a reader (a hash) that need not hold them all. */
export function* inflateChunks(
  data: Uint8Array,
  max: number,
  what: string,
  tooLarge = () => new FormatError(`${what} inflates beyond ${max} bytes`),
  wrapping: 'zlib' | 'raw' = 'zlib',
): Generator<Uint8Array> {
  let parts: Uint8Array[] = []
  let size = 0
  const stream = new (wrapping === 'zlib' ? Unzlib : Inflate)((chunk) => {
    size += chunk.length
    if (size <= max) parts.push(chunk)
  })
  for (let i = 0; i < data.length; i += 4096) {
    try {
      stream.push(data.subarray(i, i + 4096), i + 4096 >= data.length)
    } catch {
      throw new FormatError(`corrupt compressed ${what}`)
    }
    if (size > max) throw tooLarge()
    yield* parts
    parts = []
  }
}

export function startsWith(b: Uint8Array, prefix: ArrayLike<number>, at = 0): boolean {
  if (b.length < at + prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix[i]) return false
  return true
}

/** Joins parts into one new buffer: the only copy a rewrite makes. */
/** Base64 of any length (String.fromCharCode takes its arguments in slices). */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 (ISO 3309) over several ranges, as PNG computes it over type + data. */
export function crc32(...parts: Uint8Array[]): number {
  let crc = 0
  for (const p of parts) crc = crc32Update(crc, p)
  return crc
}

/** The CRC-32 of what `crc` covered followed by `part`: for data that arrives in chunks. */
export function crc32Update(crc: number, part: Uint8Array): number {
  let c = (crc ^ 0xffffffff) >>> 0
  for (let i = 0; i < part.length; i++) c = CRC_TABLE[(c ^ part[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
