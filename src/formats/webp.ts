/**
 * WebP: the label is XMP in a RIFF `XMP ` chunk, announced by the XMP flag of the `VP8X`
 * chunk. A simple (VP8/VP8L-only) file is upgraded to the extended layout to carry it.
 * C2PA sits in a `C2PA` chunk, the last one; a write drops it (src/c2pa writes the new one).
 */
import { createXmpPacket, setXmpLabel } from '../label/xmp'
import { concat, FormatError, fromUtf8, latin1, need, putU24le, putU32le, startsWith, u16le, u32le, utf8 } from './bytes'
import { checkLimit } from '../limits'
import { foundStore, isManifestStore } from './jumbf'
import { CURRENT_BINDING, type CarrierFormat, type FoundLabel } from './types'
import { xmpFound } from './xmp-found'

const XMP_FLAG = 0x04
const EXIF_FLAG = 0x08
const ALPHA_FLAG = 0x10
const ICC_FLAG = 0x20
const IMAGE_CHUNKS = new Set(['VP8X', 'VP8 ', 'VP8L', 'ALPH'])
const C2PA_CHUNK = 'C2PA'

export interface RiffChunk {
  fourcc: string
  /** The chunk spans [start, end) including its header and pad byte. */
  start: number
  end: number
  data: Uint8Array
}

export function webpChunks(bytes: Uint8Array): RiffChunk[] {
  if (!(latin1(bytes, 0, 4) === 'RIFF' && latin1(bytes, 8, 12) === 'WEBP')) throw new FormatError('not a WebP file')
  const riffEnd = 8 + u32le(bytes, 4)
  if (riffEnd > bytes.length) throw new FormatError('truncated WebP file')
  const chunks: RiffChunk[] = []
  let at = 12
  while (at < riffEnd) {
    checkLimit('webpChunks', chunks.length + 1, 'the WebP chunk count')
    need(bytes, at, 8, 'WebP chunk header')
    const size = u32le(bytes, at + 4)
    const fourcc = latin1(bytes, at, at + 4)
    // A chunk's data must lie inside the RIFF size; only the last pad byte may be missing,
    // as some writers leave it out (chunkBytes puts it back on write).
    if (at + 8 + size > riffEnd) throw new FormatError(`WebP ${fourcc} chunk runs past the RIFF size`)
    const end = Math.min(at + 8 + size + (size & 1), riffEnd)
    chunks.push({ fourcc, start: at, end, data: bytes.subarray(at + 8, at + 8 + size) })
    at = end
  }
  const first = chunks[0]?.fourcc
  if (first !== 'VP8 ' && first !== 'VP8L' && first !== 'VP8X') throw new FormatError('WebP has no image chunk')
  return chunks
}

/** The chunk's bytes as written: header, data and pad byte (restored when the file lacked it). */
function chunkBytes(bytes: Uint8Array, c: RiffChunk): Uint8Array {
  const whole = bytes.subarray(c.start, c.end)
  return whole.length === 8 + c.data.length + (c.data.length & 1) ? whole : concat([whole, new Uint8Array(1)])
}

function riffChunk(fourcc: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length + (data.length & 1))
  out.set(utf8.encode(fourcc), 0)
  putU32le(out, 4, data.length)
  out.set(data, 8)
  return out
}

/** Canvas size and alpha of a simple file, read from its bitstream header. */
function simpleInfo(c: RiffChunk): { width: number; height: number; alpha: boolean } {
  const d = c.data
  if (c.fourcc === 'VP8 ') {
    need(d, 0, 10, 'VP8 frame header')
    if (!(d[3] === 0x9d && d[4] === 0x01 && d[5] === 0x2a)) throw new FormatError('corrupt VP8 frame header')
    return { width: u16le(d, 6) & 0x3fff, height: u16le(d, 8) & 0x3fff, alpha: false }
  }
  need(d, 0, 5, 'VP8L header')
  if (d[0] !== 0x2f) throw new FormatError('corrupt VP8L header')
  const bits = u32le(d, 1)
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: ((bits >>> 28) & 1) === 1 }
}

function vp8x(flags: number, width: number, height: number): Uint8Array {
  const data = new Uint8Array(10)
  data[0] = flags
  putU24le(data, 4, width - 1)
  putU24le(data, 7, height - 1)
  return riffChunk('VP8X', data)
}

export const webp: CarrierFormat = {
  name: 'webp',
  mime: 'image/webp',
  detect: (bytes) => startsWith(bytes, utf8.encode('RIFF')) && latin1(bytes, 8, 12) === 'WEBP',

  read(bytes) {
    const found: FoundLabel[] = []
    for (const c of webpChunks(bytes)) {
      if (c.fourcc === 'XMP ') found.push(...xmpFound('webp:XMP', fromUtf8(c.data)))
    }
    return found
  },

  write(bytes, json) {
    const chunks = webpChunks(bytes)
    const old = chunks.find((c) => c.fourcc === 'XMP ')
    const xmp = riffChunk('XMP ', utf8.encode(old ? setXmpLabel(fromUtf8(old.data), json) : createXmpPacket(json)))
    const parts: Uint8Array[] = []
    const first = chunks[0]!
    if (first.fourcc === 'VP8X') {
      need(first.data, 0, 10, 'VP8X chunk')
      const header = chunkBytes(bytes, first).slice()
      header[8] = header[8]! | XMP_FLAG
      parts.push(header)
    } else {
      const { width, height, alpha } = simpleInfo(first)
      parts.push(vp8x(XMP_FLAG | (alpha ? ALPHA_FLAG : 0), width, height), chunkBytes(bytes, first))
    }
    // The spec orders XMP last; every other chunk keeps its place and bytes.
    for (const c of chunks.slice(1)) if (c.fourcc !== 'XMP ' && c.fourcc !== C2PA_CHUNK) parts.push(chunkBytes(bytes, c))
    parts.push(xmp)
    return riffFile(parts)
  },

  // The RIFF size and the VP8X chunk change when a label is written.
  content(bytes, binding = CURRENT_BINDING) {
    return webpChunks(bytes)
      .filter((c) => c.fourcc !== 'XMP ' && c.fourcc !== 'VP8X' && !(binding > 1 && c.fourcc === C2PA_CHUNK))
      .map((c) => chunkBytes(bytes, c))
  },

  c2pa: {
    find(bytes) {
      const chunk = webpChunks(bytes).find((c) => c.fourcc === C2PA_CHUNK && isManifestStore(c.data))
      return chunk && foundStore(chunk.data, chunk.start, chunk.end - chunk.start, 'the WebP C2PA chunk')
    },
    // Last, as the C2PA spec wants it; the RIFF size is final before anything is hashed.
    reserve(bytes, length) {
      const riffEnd = 8 + u32le(bytes, 4)
      const padded = length + (length & 1)
      const file = new Uint8Array(riffEnd + 8 + padded)
      file.set(bytes.subarray(0, riffEnd))
      putU32le(file, 4, file.length - 8)
      file.set(utf8.encode(C2PA_CHUNK), riffEnd)
      putU32le(file, riffEnd + 4, length)
      return {
        file,
        start: riffEnd,
        length: 8 + length,
        fill(jumbf) {
          if (jumbf.length !== length) throw new FormatError('the manifest store is not the size reserved for it')
          file.set(jumbf, riffEnd + 8)
        },
      }
    },
  },
}

/**
 * A re-encoded image (the encoder writes a bare bitstream) in the source's extended
 * layout: its ICC profile first, then the new image chunks, then its EXIF, XMP and any
 * other chunks, with the VP8X flags to match.
 */
export function withMetadataOf(source: Uint8Array, encoded: Uint8Array): Uint8Array {
  const kept = webpChunks(source).filter((c) => !IMAGE_CHUNKS.has(c.fourcc))
  if (kept.length === 0) return encoded
  const image = webpChunks(encoded).filter((c) => c.fourcc !== 'VP8X')
  const bitstream = image.find((c) => c.fourcc === 'VP8 ' || c.fourcc === 'VP8L')
  if (!bitstream) throw new FormatError('the WebP encoder wrote no image')
  const { width, height, alpha } = simpleInfo(bitstream)
  const has = (fourcc: string) => kept.some((c) => c.fourcc === fourcc)
  const flags =
    (has('ICCP') ? ICC_FLAG : 0) | (alpha || image.some((c) => c.fourcc === 'ALPH') ? ALPHA_FLAG : 0) | (has('EXIF') ? EXIF_FLAG : 0) | (has('XMP ') ? XMP_FLAG : 0)
  const icc = kept.filter((c) => c.fourcc === 'ICCP')
  const rest = kept.filter((c) => c.fourcc !== 'ICCP')
  return riffFile([
    vp8x(flags, width, height),
    ...icc.map((c) => chunkBytes(source, c)),
    ...image.map((c) => chunkBytes(encoded, c)),
    ...rest.map((c) => chunkBytes(source, c)),
  ])
}

/** RIFF/WEBP header and size around the chunks. */
function riffFile(chunks: Uint8Array[]): Uint8Array {
  const out = concat([new Uint8Array(12), ...chunks])
  out.set(utf8.encode('RIFF'), 0)
  putU32le(out, 4, out.length - 8)
  out.set(utf8.encode('WEBP'), 8)
  return out
}
