/**
 * WAV (RIFF/WAVE): the label is a top-level chunk `AIGC` holding the JSON (TC260 guide),
 * written before `data` with its pad byte when odd, the RIFF size set again; read wherever
 * it is. Every other chunk is copied as it is. A streamed WAV (RIFF and data sizes
 * 0xFFFFFFFF or 0, as TTS APIs send it) is read to the end of the file and written with the
 * real sizes. RF64 (files past 4 GiB) is refused: no upload is that large.
 */
import { markPcm, type AudioMarkPosition, type PcmLayout } from '../audio/rhythm-mark'
import { checkLimit } from '../limits'
import { concat, FormatError, fromUtf8, latin1, need, putU32le, u16le, u32le, utf8 } from './bytes'
import type { CarrierFormat, FoundLabel } from './types'

const KEY = 'AIGC'
const STREAMED = new Set([0, 0xffffffff])
const WAVE_FORMAT_PCM = 1
const WAVE_FORMAT_IEEE_FLOAT = 3
const WAVE_FORMAT_EXTENSIBLE = 0xfffe

interface Chunk {
  id: string
  start: number
  /** The chunk's data [body, body + size); `end` is after its pad byte. */
  body: number
  size: number
  end: number
}

/** The top-level chunks after `WAVE`. */
export function wavChunks(bytes: Uint8Array): Chunk[] {
  need(bytes, 0, 12, 'RIFF header')
  const magic = latin1(bytes, 0, 4)
  if (magic === 'RF64') throw new FormatError('RF64 WAV files are not supported')
  if (magic !== 'RIFF' || latin1(bytes, 8, 12) !== 'WAVE') throw new FormatError('not a RIFF/WAVE file')
  const riffSize = u32le(bytes, 4)
  const streamed = STREAMED.has(riffSize)
  if (!streamed && riffSize + 8 !== bytes.length) throw new FormatError(`the RIFF size says ${riffSize + 8} bytes, the file has ${bytes.length}`)
  const chunks: Chunk[] = []
  for (let at = 12; at < bytes.length; ) {
    checkLimit('audioMetadataItems', chunks.length + 1, 'the RIFF chunks')
    need(bytes, at, 8, 'RIFF chunk header')
    const id = latin1(bytes, at, at + 4)
    let size = u32le(bytes, at + 4)
    // A streamed file's data chunk runs to the end of the file.
    if (id === 'data' && STREAMED.has(size) && streamed) size = bytes.length - at - 8
    need(bytes, at + 8, size, `RIFF ${JSON.stringify(id)} chunk`)
    // The last chunk's pad byte is often missing.
    const end = Math.min(at + 8 + size + (size & 1), bytes.length)
    chunks.push({ id, start: at, body: at + 8, size, end })
    at = end
  }
  const data = chunks.findIndex((c) => c.id === 'data')
  const fmt = chunks.findIndex((c) => c.id === 'fmt ')
  if (data < 0 || fmt < 0 || fmt > data) throw new FormatError('a WAV file needs a fmt chunk before its data chunk')
  if (chunks.filter((c) => c.id === 'data').length > 1) throw new FormatError('a WAV file with more than one data chunk')
  return chunks
}

function chunk(id: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length + (data.length & 1))
  out.set(utf8.encode(id))
  putU32le(out, 4, data.length)
  out.set(data, 8)
  return out
}

/** The file again from its chunks (in order, each given whole), the RIFF size set. */
function riff(parts: Uint8Array[]): Uint8Array {
  const out = concat([utf8.encode('RIFF'), new Uint8Array(4), utf8.encode('WAVE'), ...parts])
  if (out.length - 8 > 0xffffffff) throw new FormatError('the labelled WAV file would pass 4 GiB')
  putU32le(out, 4, out.length - 8)
  return out
}

/** A chunk as it will be written: its own bytes, or a data chunk with the size a streamed file lacked. */
const chunkBytes = (bytes: Uint8Array, c: Chunk) => (c.id === 'data' ? chunk('data', bytes.subarray(c.body, c.body + c.size)) : padded(bytes, c))
const padded = (bytes: Uint8Array, c: Chunk) => (c.end - c.body === c.size + (c.size & 1) ? bytes.subarray(c.start, c.end) : chunk(c.id, bytes.subarray(c.body, c.body + c.size)))

/** The sample layout the fmt chunk declares. */
function pcmLayout(bytes: Uint8Array, fmt: Chunk): PcmLayout {
  if (fmt.size < 16) throw new FormatError('the WAV fmt chunk is shorter than 16 bytes')
  let tag = u16le(bytes, fmt.body)
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (fmt.size < 40) throw new FormatError('the WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes')
    tag = u16le(bytes, fmt.body + 24) // the sub-format GUID starts with the format tag
  }
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) throw new FormatError(`the rhythm mark cannot be written to WAV format ${tag} (PCM and float only)`)
  const layout: PcmLayout = { channels: u16le(bytes, fmt.body + 2), sampleRate: u32le(bytes, fmt.body + 4), bitsPerSample: u16le(bytes, fmt.body + 14), float: tag === WAVE_FORMAT_IEEE_FLOAT }
  if (u16le(bytes, fmt.body + 12) !== (layout.bitsPerSample / 8) * layout.channels) throw new FormatError('the WAV block align does not match its channels and bit depth')
  return layout
}

export const wav: CarrierFormat = {
  name: 'wav',
  mime: 'audio/wav',
  types: ['audio/wave', 'audio/x-wav', 'audio/vnd.wave'],
  detect: (bytes) => bytes.length >= 12 && latin1(bytes, 0, 4) === 'RIFF' && latin1(bytes, 8, 12) === 'WAVE',

  read(bytes) {
    return wavChunks(bytes)
      .filter((c) => c.id === KEY)
      .map((c): FoundLabel => ({ carrier: 'wav:AIGC', form: 'text', raw: fromUtf8(bytes.subarray(c.body, c.body + c.size)).replace(/\0+$/, '') }))
  },

  write(bytes, json) {
    const parts: Uint8Array[] = []
    for (const c of wavChunks(bytes)) {
      if (c.id === 'data') parts.push(chunk(KEY, utf8.encode(json)))
      if (c.id !== KEY) parts.push(chunkBytes(bytes, c))
    }
    return riff(parts)
  },

  /** `WAVE` and every chunk but AIGC, each its id and data (sizes and pad bytes follow from them). */
  *content(bytes) {
    yield bytes.subarray(8, 12)
    for (const c of wavChunks(bytes)) {
      if (c.id === KEY) continue
      yield bytes.subarray(c.start, c.start + 4)
      yield bytes.subarray(c.body, c.body + c.size)
    }
  },

  audibleMark(bytes, position: AudioMarkPosition) {
    const chunks = wavChunks(bytes)
    const layout = pcmLayout(bytes, chunks.find((c) => c.id === 'fmt ')!)
    const data = chunks.find((c) => c.id === 'data')!
    const marked = markPcm(bytes.subarray(data.body, data.body + data.size), layout, position)
    return riff(chunks.map((c) => (c === data ? chunk('data', concat(marked)) : padded(bytes, c))))
  },
}
