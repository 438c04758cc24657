/**
 * JPEG: the label is XMP in an APP1 segment that starts `http://ns.adobe.com/xap/1.0/\0`.
 * Only the header segments before the first scan are parsed; the entropy-coded data is
 * copied as it is. C2PA sits in APP11 segments (JPEG XT boxes: one JUMBF box split across
 * contiguous segments); a write drops them (src/c2pa writes the new ones).
 */
import { createXmpPacket, setXmpLabel } from '../label/xmp'
import { concat, FormatError, fromUtf8, latin1, need, startsWith, u16be, u32be, utf8 } from './bytes'
import { foundStore, isManifestStore } from './jumbf'
import { CURRENT_BINDING, type C2paCarrier, type CarrierFormat, type FoundLabel } from './types'
import { xmpFound } from './xmp-found'

const XMP_ID = 'http://ns.adobe.com/xap/1.0/\0'
const MAX_SEGMENTS = 10_000
const APP0 = 0xe0
const APP1 = 0xe1
const APP11 = 0xeb
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

/**
 * An APP11 JPEG XT segment: `JP`, box instance (2 bytes), packet sequence (4), then the box's
 * LBox/TBox repeated in every packet and the next part of its content.
 */
const JPEG_XT_HEADER = 16
const isJumbf = (s: JpegSegment) => s.marker === APP11 && s.payload.length >= JPEG_XT_HEADER && s.payload[0] === 0x4a && s.payload[1] === 0x50
const boxInstance = (s: JpegSegment) => u16be(s.payload, 2)

/** The APP11 segments of the C2PA manifest store's box instance, in file order. */
function c2paSegments(segments: JpegSegment[]): JpegSegment[] {
  const first = segments.find((s) => isJumbf(s) && u32be(s.payload, 4) === 1 && isManifestStore(s.payload.subarray(8)))
  if (!first) return []
  return segments.filter((s) => isJumbf(s) && boxInstance(s) === boxInstance(first))
}

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
    const { segments: all } = jpegSegments(bytes)
    const dropped = new Set(c2paSegments(all))
    const segments = all.filter((s) => !dropped.has(s))
    const old = segments.filter(isXmp)
    const segment = xmpSegment(old.length ? setXmpLabel(xmpText(old[0]!), json) : createXmpPacket(json))
    // In place of the old packet; else after the leading JFIF/Exif segments, where readers look.
    let insertAt = 2
    for (const s of segments) {
      if (s.marker !== APP0 && !(s.marker === APP1 && latin1(s.payload, 0, 4) === 'Exif')) break
      insertAt = s.end
    }
    const parts: Uint8Array[] = [bytes.subarray(0, 2)]
    let placed = false
    const place = () => {
      if (!placed) parts.push(segment)
      placed = true
    }
    // Each kept segment goes with the fill bytes before it; dropped ones and old packets do not.
    let at = 2
    for (const s of all) {
      if (!old.length && s.start >= insertAt) place()
      if (old.includes(s)) place()
      else if (!dropped.has(s)) parts.push(bytes.subarray(at, s.end))
      at = s.end
    }
    place()
    parts.push(bytes.subarray(at))
    return concat(parts)
  },

  content(bytes, binding = CURRENT_BINDING) {
    const parts: Uint8Array[] = []
    let at = 0
    const { segments } = jpegSegments(bytes)
    const c2pa = binding > 1 ? c2paSegments(segments) : []
    for (const s of segments.filter((s) => isXmp(s) || c2pa.includes(s))) {
      parts.push(bytes.subarray(at, s.start))
      at = s.end
    }
    parts.push(bytes.subarray(at))
    return parts
  },

  c2pa: jpegC2pa(),
}

/** Box content bytes each APP11 segment holds: 65,533 payload bytes less the two headers. */
const XT_CONTENT = 65_533 - JPEG_XT_HEADER

function jpegC2pa(): C2paCarrier {
  return {
    find(bytes) {
      const segments = c2paSegments(jpegSegments(bytes).segments)
      if (!segments.length) return undefined
      // Packets in sequence order, each after its repeated LBox/TBox; the box header once.
      const ordered = [...segments].sort((a, b) => u32be(a.payload, 4) - u32be(b.payload, 4))
      const jumbf = concat([ordered[0]!.payload.subarray(8, JPEG_XT_HEADER), ...ordered.map((s) => s.payload.subarray(JPEG_XT_HEADER))])
      const start = segments[0]!.start
      return foundStore(jumbf, start, segments.at(-1)!.end - start, 'the JPEG APP11 manifest store')
    },
    // Contiguous segments after the leading JFIF/Exif/XMP segments, as c2pa-rs writes them.
    reserve(bytes, length) {
      const { segments } = jpegSegments(bytes)
      let at = 2
      for (const s of segments) {
        if (!(s.marker === APP0 || s.marker === APP1)) break
        at = s.end
      }
      const content = length - 8
      const count = Math.max(1, Math.ceil(content / XT_CONTENT))
      const instance = 1 + Math.max(0, ...segments.filter(isJumbf).map(boxInstance))
      const size = count * (4 + JPEG_XT_HEADER) + content
      const file = new Uint8Array(bytes.length + size)
      file.set(bytes.subarray(0, at))
      file.set(bytes.subarray(at), at + size)
      return {
        file,
        start: at,
        length: size,
        fill(jumbf) {
          if (jumbf.length !== length) throw new FormatError('the manifest store is not the size reserved for it')
          let out = at
          for (let i = 0; i < count; i++) {
            const part = jumbf.subarray(8 + i * XT_CONTENT, 8 + Math.min(content, (i + 1) * XT_CONTENT))
            const segmentLength = 2 + JPEG_XT_HEADER + part.length
            file.set([0xff, APP11, segmentLength >> 8, segmentLength & 0xff, 0x4a, 0x50, instance >> 8, instance & 0xff], out)
            file.set([(i + 1) >>> 24, ((i + 1) >> 16) & 0xff, ((i + 1) >> 8) & 0xff, (i + 1) & 0xff], out + 8)
            file.set(jumbf.subarray(0, 8), out + 12)
            file.set(part, out + 20)
            out += 2 + segmentLength
          }
        },
      }
    },
  }
}
