/**
 * Ogg Vorbis and Ogg Opus: the label is the Vorbis comment `AIGC=<json>` in the comment
 * header packet (Vorbis I spec §5, RFC 7845 §5.2). The header packets after the first page
 * are paginated again (their size changes); every audio page keeps its bytes but for the
 * page sequence number, which moves by the change in header pages, and the CRC over it
 * (RFC 3533 §6). One logical stream only: a chained or multiplexed file is refused.
 */
import { checkLimit } from '../limits'
import { concat, FormatError, need, putU32le, startsWith, u32le, utf8 } from './bytes'
import type { CarrierFormat, FoundLabel } from './types'
import { labelValues, readComments, serializeComments } from './vorbis-comment'

const CAPTURE = utf8.encode('OggS')
const HEADER = 27
const CONTINUED = 0x01
const BOS = 0x02
const EOS = 0x04
const SEQUENCE = 18
const CRC = 22
const MAX_SEGMENTS = 255

interface Codec {
  name: 'ogg' | 'opus'
  /** Prefix of the identification and comment header packets. */
  id: Uint8Array
  comment: Uint8Array
  /** Header packets before the audio: Vorbis has a setup header after the comments. */
  headers: number
}

const VORBIS: Codec = { name: 'ogg', id: utf8.encode('\x01vorbis'), comment: utf8.encode('\x03vorbis'), headers: 3 }
const OPUS: Codec = { name: 'opus', id: utf8.encode('OpusHead'), comment: utf8.encode('OpusTags'), headers: 2 }

interface Page {
  start: number
  end: number
  type: number
  serial: number
  sequence: number
  /** Lacing values, and where the packet data starts. */
  lacing: Uint8Array
  data: number
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n << 24
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1
    table[n] = c >>> 0
  }
  return table
})()

/** Ogg's CRC-32 (polynomial 0x04c11db7, not reflected, initial 0) of a page, its CRC field read as zero. */
function pageCrc(b: Uint8Array, start: number, end: number): number {
  let c = 0
  for (let i = start; i < end; i++) {
    const byte = i - start >= CRC && i - start < CRC + 4 ? 0 : b[i]!
    c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ byte) & 0xff]!) >>> 0
  }
  return c
}

function readPage(bytes: Uint8Array, start: number): Page {
  need(bytes, start, HEADER, 'Ogg page header')
  if (!startsWith(bytes, CAPTURE, start)) throw new FormatError(`no Ogg page at byte ${start}`)
  if (bytes[start + 4] !== 0) throw new FormatError(`an Ogg page of version ${bytes[start + 4]}`)
  const segments = bytes[start + 26]!
  need(bytes, start + HEADER, segments, 'Ogg lacing values')
  const lacing = bytes.subarray(start + HEADER, start + HEADER + segments)
  let length = 0
  for (const value of lacing) length += value
  const data = start + HEADER + segments
  need(bytes, data, length, 'Ogg page data')
  const page = { start, end: data + length, type: bytes[start + 5]!, serial: u32le(bytes, start + 14), sequence: u32le(bytes, start + SEQUENCE), lacing, data }
  if (pageCrc(bytes, start, page.end) !== u32le(bytes, start + CRC)) throw new FormatError(`the Ogg page at byte ${start} fails its CRC`)
  return page
}

interface Stream {
  codec: Codec
  /** The header packets (identification first); the audio pages after them. */
  packets: Uint8Array[]
  headerPages: Page[]
  audioPages: Page[]
}

const codecOf = (packet: Uint8Array) => [VORBIS, OPUS].find((c) => startsWith(packet, c.id))

function readStream(bytes: Uint8Array): Stream {
  const pages: Page[] = []
  for (let at = 0; at < bytes.length; at = pages.at(-1)!.end) pages.push(readPage(bytes, at))
  const first = pages[0]
  if (!first || !(first.type & BOS)) throw new FormatError('the Ogg stream does not start with a beginning-of-stream page')
  if (pages.some((p) => p.serial !== first.serial)) throw new FormatError('chained or multiplexed Ogg streams (more than one serial number) are not supported')
  if (!(pages.at(-1)!.type & EOS)) throw new FormatError('the Ogg stream does not end with its end-of-stream page: truncated')
  let codec: Codec | undefined
  const packets: Uint8Array[] = []
  let pending: Uint8Array[] = []
  let headerBytes = 0
  let index = 0
  for (; index < pages.length && (!codec || packets.length < codec.headers); index++) {
    const page = pages[index]!
    if (index > 0 && !(page.type & CONTINUED) !== (pending.length === 0)) throw new FormatError('an Ogg header page breaks its continuation flag')
    let at = page.data
    for (const value of page.lacing) {
      if (codec && packets.length === codec.headers) throw new FormatError('audio data shares a page with the Ogg header packets')
      pending.push(bytes.subarray(at, at + value))
      at += value
      headerBytes += value
      checkLimit('audioHeaderBytes', headerBytes, 'the Ogg header packets')
      if (value < MAX_SEGMENTS) {
        packets.push(concat(pending))
        pending = []
        codec ??= codecOf(packets[0]!)
        if (!codec) throw new FormatError('the Ogg stream is neither Vorbis nor Opus')
      }
    }
    if (index === 0 && (packets.length !== 1 || pending.length)) throw new FormatError('the first Ogg page does not hold exactly the identification header')
  }
  if (!codec || packets.length < codec.headers || pending.length) throw new FormatError('the Ogg header packets are truncated')
  if (!startsWith(packets[1]!, codec.comment)) throw new FormatError(`the second ${codec.name} header is not the comment header`)
  return { codec, packets, headerPages: pages.slice(0, index), audioPages: pages.slice(index) }
}

/** The comment header's list and whatever follows it (Vorbis' framing bit, Opus' binary data). */
function commentPacket(stream: Stream) {
  const packet = stream.packets[1]!
  const list = readComments(packet, stream.codec.comment.length, `${stream.codec.name} comment header`)
  return { list, tail: packet.subarray(list.end) }
}

/** Header packets laid out in pages of up to 255 lacing values each, granule 0 where a packet ends. */
function paginate(packets: Uint8Array[], serial: number, firstSequence: number): Uint8Array[] {
  const segments: { data: Uint8Array; ends: boolean }[] = []
  for (const packet of packets) {
    for (let at = 0; ; at += MAX_SEGMENTS) {
      const data = packet.subarray(at, at + MAX_SEGMENTS)
      segments.push({ data, ends: data.length < MAX_SEGMENTS })
      if (data.length < MAX_SEGMENTS) break
    }
  }
  const pages: Uint8Array[] = []
  for (let i = 0, continued = false; i < segments.length; i += MAX_SEGMENTS) {
    const these = segments.slice(i, i + MAX_SEGMENTS)
    const header = new Uint8Array(HEADER + these.length)
    header.set(CAPTURE)
    header[5] = continued ? CONTINUED : 0
    // A page on which no packet ends has granule position -1 (RFC 3533 §6).
    if (!these.some((s) => s.ends)) header.fill(0xff, 6, 14)
    putU32le(header, 14, serial)
    putU32le(header, SEQUENCE, firstSequence + pages.length)
    header[26] = these.length
    these.forEach((s, k) => (header[HEADER + k] = s.data.length))
    const page = concat([header, ...these.map((s) => s.data)])
    putU32le(page, CRC, pageCrc(page, 0, page.length))
    pages.push(page)
    continued = !these.at(-1)!.ends
  }
  return pages
}

function oggFormat(codec: Codec, mime: string, types: string[]): CarrierFormat {
  const stream = (bytes: Uint8Array) => {
    const s = readStream(bytes)
    if (s.codec !== codec) throw new FormatError(`the Ogg stream is ${s.codec.name}, not ${codec.name}`)
    return s
  }
  return {
    name: codec.name,
    mime,
    types,
    // The first page holds only the identification header, right after the lacing values.
    detect: (bytes) => startsWith(bytes, CAPTURE) && bytes.length > HEADER && startsWith(bytes, codec.id, HEADER + (bytes[26] ?? 0)),

    read(bytes) {
      return labelValues(commentPacket(stream(bytes)).list).map((raw): FoundLabel => ({ carrier: `${codec.name}:comment-header:AIGC`, form: 'text', raw }))
    },

    write(bytes, json) {
      const s = stream(bytes)
      const { list, tail } = commentPacket(s)
      const comment = concat([codec.comment, serializeComments(list, json), tail])
      checkLimit('audioHeaderBytes', comment.length, 'the new comment header')
      const first = s.headerPages[0]!
      const headers = paginate([comment, ...s.packets.slice(2)], first.serial, first.sequence + 1)
      const audioStart = s.audioPages[0]?.start ?? bytes.length
      const out = concat([bytes.subarray(first.start, first.end), ...headers, bytes.subarray(audioStart)])
      const shift = 1 + headers.length - s.headerPages.length
      const moved = out.length - bytes.length
      for (const page of s.audioPages) {
        const start = page.start + moved
        putU32le(out, start + SEQUENCE, (page.sequence + shift) >>> 0)
        putU32le(out, start + CRC, pageCrc(out, start, page.end + moved))
      }
      return out
    },

    /** The identification and setup headers, and each audio page but its sequence number and CRC. */
    *content(bytes) {
      const s = stream(bytes)
      yield s.packets[0]!
      yield* s.packets.slice(2)
      for (const page of s.audioPages) {
        yield bytes.subarray(page.start, page.start + SEQUENCE)
        yield bytes.subarray(page.start + CRC + 4, page.end)
      }
    },
  }
}

export const oggVorbis = oggFormat(VORBIS, 'audio/ogg', ['audio/vorbis', 'application/ogg'])
export const opus = oggFormat(OPUS, 'audio/opus', ['audio/ogg', 'application/ogg'])
