/**
 * ID3v2 tags, as MP3 and ADTS AAC streams carry them in front of their frames: the label is
 * a `TXXX` frame with description `AIGC` and the JSON as its value (TC260 guide for MP3),
 * ISO-8859-1 (the JSON is ASCII). An existing v2.3 or v2.4 tag keeps every other frame byte
 * for byte and its padding; a stream without a tag gets a v2.3 one. Refused: ID3v2.2 and
 * unsynchronised tags and frames (rewriting them is not worth the risk).
 */
import { checkLimit } from '../limits'
import { concat, FormatError, latin1, need, u32be, utf8 } from './bytes'
import type { FoundLabel } from './types'

const KEY = 'AIGC'
const HEADER = 10
const UNSYNC = 0x80
const EXTENDED = 0x40
const FOOTER = 0x10
const FRAME_UNSYNC = 0x02
const FRAME_COMPRESSED_OR_ENCRYPTED = 0x0c

export interface Tag {
  major: 3 | 4
  /** The frames [framesStart, framesEnd); padding after them to `end`, the end of the tag (and footer). */
  frames: Frame[]
  padding: number
  end: number
}

export interface Frame {
  id: string
  start: number
  body: number
  end: number
  formatFlags: number
}

const synchsafe = (b: Uint8Array, i: number, what: string) => {
  if ((b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]!) & 0x80) throw new FormatError(`the ${what} is not a synchsafe integer`)
  return (b[i]! << 21) | (b[i + 1]! << 14) | (b[i + 2]! << 7) | b[i + 3]!
}

function putSize(b: Uint8Array, i: number, value: number, safe: boolean): void {
  if (safe && value >= 2 ** 28) throw new FormatError('the ID3v2 tag would pass 256 MiB')
  const shift = safe ? 7 : 8
  const mask = safe ? 0x7f : 0xff
  for (let k = 0; k < 4; k++) b[i + k] = (value >>> (shift * (3 - k))) & mask
}

/** The ID3v2 tag at the start of the file, or undefined when there is none. */
export function id3Tag(bytes: Uint8Array): Tag | undefined {
  if (bytes.length < 3 || latin1(bytes, 0, 3) !== 'ID3') return undefined
  need(bytes, 0, HEADER, 'ID3v2 header')
  const major = bytes[3]!
  const flags = bytes[5]!
  if (major === 2) throw new FormatError('ID3v2.2 tags are not supported; convert the tag to v2.3 or v2.4')
  if (major !== 3 && major !== 4) throw new FormatError(`ID3v2.${major} is not a known ID3 version`)
  if (flags & UNSYNC) throw new FormatError('unsynchronised ID3v2 tags are not supported')
  const size = synchsafe(bytes, 6, 'ID3v2 tag size')
  const end = HEADER + size + (major === 4 && flags & FOOTER ? HEADER : 0)
  need(bytes, 0, end, 'ID3v2 tag')
  let at = HEADER
  if (flags & EXTENDED) {
    need(bytes, at, 4, 'ID3v2 extended header')
    // v2.3 counts the size field out, v2.4 in (as a synchsafe integer).
    at += major === 3 ? 4 + u32be(bytes, at) : synchsafe(bytes, at, 'ID3v2 extended header size')
    if (at > HEADER + size) throw new FormatError('the ID3v2 extended header runs past the tag')
  }
  const frames: Frame[] = []
  const framesEnd = HEADER + size
  while (at + HEADER <= framesEnd && bytes[at] !== 0) {
    checkLimit('audioMetadataItems', frames.length + 1, 'the ID3v2 frames')
    const id = latin1(bytes, at, at + 4)
    if (!/^[A-Z0-9]{4}$/.test(id)) throw new FormatError(`an ID3v2 frame with the id ${JSON.stringify(id)}`)
    const length = major === 4 ? synchsafe(bytes, at + 4, `${id} frame size`) : u32be(bytes, at + 4)
    if (at + HEADER + length > framesEnd) throw new FormatError(`the ID3v2 ${id} frame runs past the tag`)
    const formatFlags = bytes[at + 9]!
    if (major === 4 && formatFlags & FRAME_UNSYNC) throw new FormatError(`the ID3v2 ${id} frame is unsynchronised, which is not supported`)
    frames.push({ id, start: at, body: at + HEADER, end: at + HEADER + length, formatFlags })
    at += HEADER + length
  }
  return { major, frames, padding: framesEnd - at, end }
}

function decodeText(b: Uint8Array, encoding: number): string {
  if (encoding === 0) return latin1(b)
  if (encoding === 3) return new TextDecoder().decode(b)
  // UTF-16 with a byte order mark (1), or big-endian without one (2, v2.4).
  let littleEndian = false
  let at = 0
  if (encoding === 1 && b.length >= 2 && (b[0] === 0xff || b[0] === 0xfe)) {
    littleEndian = b[0] === 0xff
    at = 2
  }
  let s = ''
  for (; at + 1 < b.length; at += 2) s += String.fromCharCode(littleEndian ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!)
  return s
}

/** A TXXX frame's description and value; undefined for one the tag stores compressed or encrypted. */
function userText(bytes: Uint8Array, frame: Frame): { description: string; value: string } | undefined {
  if (frame.formatFlags & FRAME_COMPRESSED_OR_ENCRYPTED || frame.end === frame.body) return undefined
  const encoding = bytes[frame.body]!
  if (encoding > 3) throw new FormatError(`a TXXX frame with the text encoding ${encoding}`)
  const text = bytes.subarray(frame.body + 1, frame.end)
  const wide = encoding === 1 || encoding === 2
  let split = 0
  while (split + (wide ? 1 : 0) < text.length && (text[split] !== 0 || (wide && text[split + 1] !== 0))) split += wide ? 2 : 1
  const value = decodeText(text.subarray(Math.min(text.length, split + (wide ? 2 : 1))), encoding).replace(/\0+$/, '')
  return { description: decodeText(text.subarray(0, split), encoding), value }
}

const isLabelFrame = (bytes: Uint8Array, frame: Frame) => frame.id === 'TXXX' && userText(bytes, frame)?.description.toUpperCase() === KEY

function labelFrame(json: string, major: 3 | 4): Uint8Array {
  const body = concat([Uint8Array.of(0), utf8.encode(`${KEY}\0`), utf8.encode(json)])
  const out = concat([utf8.encode('TXXX'), new Uint8Array(6), body])
  putSize(out, 4, body.length, major === 4)
  return out
}

/** The AIGC TXXX frames of the tag. */
export function id3Labels(bytes: Uint8Array, tag: Tag | undefined, carrier: string): FoundLabel[] {
  const found: FoundLabel[] = []
  for (const frame of tag?.frames ?? []) {
    const text = frame.id === 'TXXX' ? userText(bytes, frame) : undefined
    if (text?.description.toUpperCase() === KEY) found.push({ carrier, form: 'text', raw: text.value })
  }
  return found
}

/** The tag again (a new v2.3 one when there is none) with `json` as its one label. */
export function labelledTag(bytes: Uint8Array, tag: Tag | undefined, json: string): Uint8Array {
  const major = tag?.major ?? 3
  const frames = (tag?.frames ?? []).filter((f) => !isLabelFrame(bytes, f)).map((f) => bytes.subarray(f.start, f.end))
  const body = concat([...frames, labelFrame(json, major), new Uint8Array(tag?.padding ?? 0)])
  // The extended header (CRC, padding size, restrictions) and the footer do not survive a rewrite; the flags say so.
  const header = Uint8Array.of(0x49, 0x44, 0x33, major, tag ? bytes[4]! : 0, (tag ? bytes[5]! : 0) & ~(EXTENDED | FOOTER), 0, 0, 0, 0)
  putSize(header, 6, body.length, true)
  return concat([header, body])
}
