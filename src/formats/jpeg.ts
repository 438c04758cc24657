/**
 * JPEG: the label is XMP in an APP1 segment that starts `http://ns.adobe.com/xap/1.0/\0`.
 * Only the header segments before the first scan are parsed; the entropy-coded data is
 * copied as it is.
 */
import { createXmpPacket, setXmpLabel } from '../label/xmp'
import { concat, FormatError, fromUtf8, latin1, need, startsWith, u16be, utf8 } from './bytes'
import type { CarrierFormat, FoundLabel } from './types'
import { xmpFound } from './xmp-found'

const XMP_ID = 'http://ns.adobe.com/xap/1.0/\0'
const MAX_SEGMENTS = 10_000
const APP0 = 0xe0
const APP1 = 0xe1
const SOS = 0xda
/** One segment holds at most 65,533 payload bytes, less the XMP identifier. */
const MAX_PACKET = 65_533 - XMP_ID.length

export interface JpegSegment {
  marker: number
  /** The segment spans [start, end), from its 0xFF marker byte. */
  start: number
  end: number
  payload: Uint8Array
}

/** Header segments up to (not including) the first SOS; `scan` is where SOS starts. */
export function jpegSegments(bytes: Uint8Array): { segments: JpegSegment[]; scan: number } {
  if (!(bytes[0] === 0xff && bytes[1] === 0xd8)) throw new FormatError('not a JPEG file')
  const segments: JpegSegment[] = []
  let at = 2
  for (;;) {
    if (segments.length >= MAX_SEGMENTS) throw new FormatError('too many JPEG segments')
    need(bytes, at, 2, 'JPEG marker')
    if (bytes[at] !== 0xff) throw new FormatError('corrupt JPEG: expected a marker')
    while (bytes[at + 1] === 0xff) at++ // fill bytes
    need(bytes, at, 2, 'JPEG marker')
    const marker = bytes[at + 1]!
    if (marker === SOS) {
      // Entropy-coded data never holds FF D9 (an FF there is stuffed or a restart marker),
      // so its absence after the first scan means the file was cut short.
      if (!hasEndMarker(bytes, at)) throw new FormatError('truncated JPEG: no end-of-image marker')
      return { segments, scan: at }
    }
    if (marker === 0xd9) throw new FormatError('JPEG ends before any image data')
    if ((marker >= 0xd0 && marker <= 0xd8) || marker === 0x01) throw new FormatError('corrupt JPEG: unexpected marker')
    need(bytes, at + 2, 2, 'JPEG segment length')
    const length = u16be(bytes, at + 2)
    if (length < 2) throw new FormatError('corrupt JPEG segment length')
    need(bytes, at + 2, length, 'JPEG segment')
    segments.push({ marker, start: at, end: at + 2 + length, payload: bytes.subarray(at + 4, at + 2 + length) })
    at += 2 + length
  }
}

function hasEndMarker(bytes: Uint8Array, from: number): boolean {
  for (let i = bytes.length - 2; i >= from; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true
  return false
}

const isXmp = (s: JpegSegment) => s.marker === APP1 && startsWith(s.payload, utf8.encode(XMP_ID))
const xmpText = (s: JpegSegment) => fromUtf8(s.payload.subarray(XMP_ID.length))

function xmpSegment(packet: string): Uint8Array {
  const body = utf8.encode(packet)
  if (body.length > MAX_PACKET) throw new FormatError('the XMP packet would not fit in one JPEG segment')
  const length = 2 + XMP_ID.length + body.length
  return concat([new Uint8Array([0xff, APP1, length >> 8, length & 0xff]), utf8.encode(XMP_ID), body])
}

export const jpeg: CarrierFormat = {
  name: 'jpeg',
  mime: 'image/jpeg',
  detect: (bytes) => bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff,

  read(bytes) {
    const found: FoundLabel[] = []
    for (const s of jpegSegments(bytes).segments) {
      if (isXmp(s)) found.push(...xmpFound('jpeg:APP1:XMP', xmpText(s)))
    }
    return found
  },

  write(bytes, json) {
    const { segments } = jpegSegments(bytes)
    const old = segments.filter(isXmp)
    const segment = xmpSegment(old.length ? setXmpLabel(xmpText(old[0]!), json) : createXmpPacket(json))
    // In place of the old packet; else after the leading JFIF/Exif segments, where readers look.
    let insertAt = 2
    for (const s of segments) {
      if (s.marker !== APP0 && !(s.marker === APP1 && latin1(s.payload, 0, 4) === 'Exif')) break
      insertAt = s.end
    }
    const parts: Uint8Array[] = [bytes.subarray(0, 2)]
    let at = 2
    for (const s of old) {
      parts.push(bytes.subarray(at, s.start))
      if (s === old[0]) parts.push(segment)
      at = s.end
    }
    if (!old.length) {
      parts.push(bytes.subarray(2, insertAt), segment)
      at = insertAt
    }
    parts.push(bytes.subarray(at))
    return concat(parts)
  },

  content(bytes) {
    const parts: Uint8Array[] = []
    let at = 0
    for (const s of jpegSegments(bytes).segments.filter(isXmp)) {
      parts.push(bytes.subarray(at, s.start))
      at = s.end
    }
    parts.push(bytes.subarray(at))
    return parts
  },
}
