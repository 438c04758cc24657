/**
 * AAC in ADTS frames (what TTS APIs answer for `aac`): ADTS has no metadata of its own, so
 * the label is an ID3v2 tag in front of the frames with the `TXXX` AIGC frame, as MP3
 * carries it (id3.ts). HLS packed audio (RFC 8216 §3.4) puts ID3 before ADTS the same way,
 * and ffmpeg reads it as the file's tags. Only whole ADTS frames are accepted after the tag.
 */
import { concat, FormatError, need } from './bytes'
import { id3Labels, id3Tag, labelledTag } from './id3'
import type { CarrierFormat } from './types'

const ADTS_HEADER = 7

/** The ADTS frame's length at `at` (header included), if a frame header is there. */
function adtsFrameLength(bytes: Uint8Array, at: number): number | undefined {
  if (at + ADTS_HEADER > bytes.length || bytes[at] !== 0xff || (bytes[at + 1]! & 0xf6) !== 0xf0) return undefined
  const length = ((bytes[at + 3]! & 0x03) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5)
  return length >= ADTS_HEADER ? length : undefined
}

/** The tag and where the frames start, after a walk over every frame to the end of the file. */
function adtsStream(bytes: Uint8Array) {
  const tag = id3Tag(bytes)
  const audio = tag?.end ?? 0
  for (let at = audio; at < bytes.length; ) {
    const length = adtsFrameLength(bytes, at)
    if (length === undefined) throw new FormatError(`no ADTS frame at byte ${at}${at === audio && tag ? ', after the ID3v2 tag' : ''}`)
    need(bytes, at, length, 'ADTS frame')
    at += length
  }
  if (audio === bytes.length) throw new FormatError('no ADTS frame after the ID3v2 tag')
  return { tag, audio }
}

export const aac: CarrierFormat = {
  name: 'aac',
  mime: 'audio/aac',
  types: ['audio/x-aac', 'audio/aacp'],
  detect: adtsAfterTag,
  read: (bytes) => id3Labels(bytes, adtsStream(bytes).tag, 'aac:ID3v2:TXXX:AIGC'),
  write(bytes, json) {
    const { tag, audio } = adtsStream(bytes)
    return concat([labelledTag(bytes, tag, json), bytes.subarray(audio)])
  },
  /** The file without its ID3v2 tag: the ADTS frames. */
  content: (bytes) => [bytes.subarray(adtsStream(bytes).audio)],
}

/** An ID3-tagged file is AAC when an ADTS frame follows the tag (an MP3 has an MPEG frame there). */
function adtsAfterTag(bytes: Uint8Array): boolean {
  try {
    return adtsFrameLength(bytes, id3Tag(bytes)?.end ?? 0) !== undefined
  } catch (error) {
    if (error instanceof FormatError) return false
    throw error
  }
}
