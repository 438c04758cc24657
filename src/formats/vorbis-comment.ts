/**
 * The Vorbis comment list (Vorbis I spec §5) that FLAC's VORBIS_COMMENT block and the Ogg
 * Vorbis / Opus comment header packets hold: a vendor string, then `NAME=value` strings, all
 * lengths 32-bit little-endian. Field names compare case-insensitively (§5.2.2), so
 * `aigc=` is the label too. The label is the comment `AIGC=<json>`.
 */
import { checkLimit } from '../limits'
import { concat, fromUtf8, need, putU32le, u32le, utf8 } from './bytes'

const KEY = 'AIGC='

export interface VorbisComments {
  vendor: Uint8Array
  /** Every comment as stored, bytes untouched. */
  comments: Uint8Array[]
  /** Where the list ended in the bytes read (a packet may go on after it). */
  end: number
}

/** The comment list in `bytes` from `start`: every length checked against what is left. */
export function readComments(bytes: Uint8Array, start: number, what: string): VorbisComments {
  need(bytes, start, 4, `${what} vendor length`)
  const vendorLength = u32le(bytes, start)
  need(bytes, start + 4, vendorLength + 4, `${what} vendor string`)
  const vendor = bytes.subarray(start + 4, start + 4 + vendorLength)
  let at = start + 4 + vendorLength
  const count = u32le(bytes, at)
  checkLimit('audioMetadataItems', count, `the ${what}'s comment count`)
  at += 4
  const comments: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    need(bytes, at, 4, `${what} comment length`)
    const length = u32le(bytes, at)
    need(bytes, at + 4, length, `${what} comment`)
    comments.push(bytes.subarray(at + 4, at + 4 + length))
    at += 4 + length
  }
  return { vendor, comments, end: at }
}

const isLabelComment = (comment: Uint8Array) =>
  comment.length >= KEY.length && fromUtf8(comment.subarray(0, KEY.length)).toUpperCase() === KEY

/** The values of the AIGC comments. */
export const labelValues = (list: VorbisComments) => list.comments.filter(isLabelComment).map((c) => fromUtf8(c.subarray(KEY.length)))

/** The list again: AIGC comments dropped, `json` appended as the one label when given. */
export function serializeComments(list: VorbisComments, json?: string): Uint8Array {
  const comments = list.comments.filter((c) => !isLabelComment(c))
  if (json !== undefined) comments.push(utf8.encode(KEY + json))
  const lengthOf = (n: number) => {
    const field = new Uint8Array(4)
    putU32le(field, 0, n)
    return field
  }
  return concat([lengthOf(list.vendor.length), list.vendor, lengthOf(comments.length), ...comments.flatMap((c) => [lengthOf(c.length), c])])
}
