/**
 * FLAC: the label is the Vorbis comment `AIGC=<json>` in the VORBIS_COMMENT metadata block
 * (TC260 guide; FLAC format §METADATA_BLOCK). The block is rewritten in place, or created
 * after STREAMINFO when the file has none; every other block (PICTURE, SEEKTABLE, PADDING…)
 * and every audio frame is copied as it is, only the "last block" flags set again.
 */
import { checkLimit } from '../limits'
import { concat, FormatError, latin1, need, utf8 } from './bytes'
import type { CarrierFormat, FoundLabel } from './types'
import { labelValues, readComments, serializeComments, type VorbisComments } from './vorbis-comment'

const MAGIC = 'fLaC'
const STREAMINFO = 0
const VORBIS_COMMENT = 4
const INVALID_TYPE = 127
const LAST = 0x80
const MAX_BLOCK = 0xffffff
const VENDOR = utf8.encode('aigc-label-gateway')

interface Block {
  type: number
  start: number
  /** The block's data: [body, end). */
  body: number
  end: number
}

/** The metadata blocks and where the audio frames start. */
export function flacBlocks(bytes: Uint8Array): { blocks: Block[]; audio: number } {
  if (latin1(bytes, 0, 4) !== MAGIC) throw new FormatError('not a FLAC stream')
  const blocks: Block[] = []
  for (let at = 4, last = false; !last; ) {
    checkLimit('audioMetadataItems', blocks.length + 1, 'the FLAC metadata blocks')
    need(bytes, at, 4, 'FLAC metadata block header')
    last = (bytes[at]! & LAST) !== 0
    const type = bytes[at]! & ~LAST
    if (type === INVALID_TYPE) throw new FormatError('a FLAC metadata block of the invalid type 127')
    const length = (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!
    need(bytes, at + 4, length, `FLAC metadata block of type ${type}`)
    blocks.push({ type, start: at, body: at + 4, end: at + 4 + length })
    at += 4 + length
  }
  if (blocks[0]!.type !== STREAMINFO) throw new FormatError('the first FLAC metadata block is not STREAMINFO')
  const audio = blocks.at(-1)!.end
  checkLastFrame(bytes, audio, blocks[0]!)
  return { blocks, audio }
}

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n << 8
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x8005 : c << 1
    table[n] = c & 0xffff
  }
  return table
})()

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let c = 0
  for (let i = start; i < end; i++) c = ((c << 8) ^ CRC16_TABLE[(c >>> 8) ^ bytes[i]!]!) & 0xffff
  return c
}

/** Sync codes tried from the end before the file is called truncated: false syncs in frame data are rare. */
const LAST_FRAME_CANDIDATES = 64
const UNKNOWN_MAX_FRAME = 1 << 20

/**
 * Throws unless the audio ends with a whole frame: one of the last sync codes (FLAC §FRAME_HEADER)
 * starts a frame whose CRC-16 footer matches the file's last two bytes. A file cut anywhere in
 * its frames fails this; the gateway decodes nothing more.
 */
function checkLastFrame(bytes: Uint8Array, audio: number, streamInfo: Block): void {
  if (audio === bytes.length) return
  need(bytes, streamInfo.body, 34, 'FLAC STREAMINFO block')
  const maxFrame = (bytes[streamInfo.body + 7]! << 16) | (bytes[streamInfo.body + 8]! << 8) | bytes[streamInfo.body + 9]!
  const from = Math.max(audio, bytes.length - (maxFrame || UNKNOWN_MAX_FRAME))
  const footer = (bytes[bytes.length - 2]! << 8) | bytes[bytes.length - 1]!
  let tried = 0
  for (let at = bytes.length - 4; at >= from && tried < LAST_FRAME_CANDIDATES; at--) {
    if (bytes[at] !== 0xff || (bytes[at + 1]! & 0xfe) !== 0xf8) continue
    if (crc16(bytes, at, bytes.length - 2) === footer) return
    tried++
  }
  throw new FormatError('the FLAC stream does not end with a whole frame: truncated or corrupt')
}

const comments = (bytes: Uint8Array, block: Block): VorbisComments => readComments(bytes.subarray(0, block.end), block.body, 'FLAC VORBIS_COMMENT block')

function blockBytes(type: number, data: Uint8Array): Uint8Array {
  checkLimit('audioHeaderBytes', data.length, 'the FLAC VORBIS_COMMENT block')
  if (data.length > MAX_BLOCK) throw new FormatError('the FLAC VORBIS_COMMENT block would pass 16 MiB')
  return concat([Uint8Array.of(type, data.length >>> 16, (data.length >>> 8) & 0xff, data.length & 0xff), data])
}

/** A comment block again with `json` as its one label (undefined: none), the bytes after its list kept. */
function commentBlock(bytes: Uint8Array, block: Block, json: string | undefined): Uint8Array {
  const list = comments(bytes, block)
  return blockBytes(VORBIS_COMMENT, concat([serializeComments(list, json), bytes.subarray(list.end, block.end)]))
}

export const flac: CarrierFormat = {
  name: 'flac',
  mime: 'audio/flac',
  types: ['audio/x-flac'],
  detect: (bytes) => latin1(bytes, 0, 4) === MAGIC,

  read(bytes) {
    const found: FoundLabel[] = []
    for (const block of flacBlocks(bytes).blocks) {
      if (block.type !== VORBIS_COMMENT) continue
      for (const raw of labelValues(comments(bytes, block))) found.push({ carrier: 'flac:VORBIS_COMMENT:AIGC', form: 'text', raw })
    }
    return found
  },

  write(bytes, json) {
    const { blocks, audio } = flacBlocks(bytes)
    let placed = false
    const parts: Uint8Array[] = []
    for (const block of blocks) {
      if (block.type === VORBIS_COMMENT) {
        parts.push(commentBlock(bytes, block, placed ? undefined : json))
        placed = true
      } else {
        parts.push(bytes.slice(block.start, block.end))
      }
    }
    if (!placed) parts.splice(1, 0, blockBytes(VORBIS_COMMENT, serializeComments({ vendor: VENDOR, comments: [], end: 0 }, json)))
    parts.forEach((part, i) => (part[0] = (part[0]! & ~LAST) | (i === parts.length - 1 ? LAST : 0)))
    return concat([bytes.subarray(0, 4), ...parts, bytes.subarray(audio)])
  },

  /** Every metadata block but VORBIS_COMMENT (its "last" flag left out), and the audio frames. */
  *content(bytes) {
    const { blocks, audio } = flacBlocks(bytes)
    yield bytes.subarray(0, 4)
    for (const block of blocks) {
      if (block.type === VORBIS_COMMENT) continue
      yield Uint8Array.of(block.type)
      yield bytes.subarray(block.start + 1, block.end)
    }
    yield bytes.subarray(audio)
  },
}
