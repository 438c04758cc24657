/**
 * PNG: the label is XMP in an `iTXt` chunk with keyword `XML:com.adobe.xmp` (TC260 guide);
 * other tools also write a `tEXt`/`zTXt`/`iTXt` chunk with keyword `AIGC`, which we read
 * and, on write, fold into the single XMP label. C2PA sits in a `caBX` chunk before the image
 * data; a write drops it (it is not safe to copy once any byte changes).
 */
import { createXmpPacket, setXmpLabel } from '../label/xmp'
import { concat, crc32, FormatError, fromUtf8, inflateCapped, latin1, need, putU32be, startsWith, u32be, utf8 } from './bytes'
import { checkLimit, LIMITS, LimitError } from '../limits'
import { foundStore, isManifestStore } from './jumbf'
import { CURRENT_BINDING, type C2paCarrier, type CarrierFormat, type FoundLabel } from './types'
import { xmpFound } from './xmp-found'

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const XMP_KEYWORD = 'XML:com.adobe.xmp'

export interface PngChunk {
  type: string
  /** Offset of the chunk's length field; the chunk spans [start, end). */
  start: number
  end: number
  data: Uint8Array
}

/** Walks the chunks, checking lengths, order and (outside image data) CRCs. */
export function pngChunks(bytes: Uint8Array): PngChunk[] {
  if (!startsWith(bytes, SIGNATURE)) throw new FormatError('not a PNG file')
  const chunks: PngChunk[] = []
  let at = SIGNATURE.length
  let texts = 0
  while (at < bytes.length) {
    checkLimit('pngChunks', chunks.length + 1, 'the PNG chunk count')
    need(bytes, at, 8, 'PNG chunk header')
    const length = u32be(bytes, at)
    if (length > 0x7fffffff) throw new FormatError('PNG chunk length out of range')
    const type = latin1(bytes, at + 4, at + 8)
    if (!/^[A-Za-z]{4}$/.test(type)) throw new FormatError('corrupt PNG chunk type')
    need(bytes, at + 8, length + 4, `PNG ${type} chunk`)
    const data = bytes.subarray(at + 8, at + 8 + length)
    if (type !== 'IDAT' && crc32(bytes.subarray(at + 4, at + 8), data) !== u32be(bytes, at + 8 + length)) {
      throw new FormatError(`PNG ${type} chunk fails its CRC`)
    }
    if (TEXT_TYPES.has(type)) checkLimit('pngTextChunks', ++texts, 'the PNG text chunk count')
    chunks.push({ type, start: at, end: at + 12 + length, data })
    at += 12 + length
    if (type === 'IEND') break
  }
  if (chunks[0]?.type !== 'IHDR' || chunks[0].data.length !== 13) throw new FormatError('PNG does not start with IHDR')
  if (chunks.at(-1)?.type !== 'IEND') throw new FormatError('truncated PNG: no IEND')
  if (!chunks.some((c) => c.type === 'IDAT')) throw new FormatError('PNG has no image data')
  return chunks
}

const TEXT_TYPES = new Set(['tEXt', 'zTXt', 'iTXt'])
const C2PA_TYPE = 'caBX'

interface TextChunk {
  keyword: typeof XMP_KEYWORD | 'AIGC'
  text: string
}

/**
 * What is left of one file's budget of inflated text: made once per pass over the file, so
 * many chunks each under the cap cannot add up to a bomb.
 */
interface TextBudget {
  left: number
}

const textBudget = (): TextBudget => ({ left: LIMITS.pngTextBytes.max })

/**
 * The text of a label carrier chunk (XMP or `AIGC` keyword), or undefined for any other
 * chunk: other text chunks are never inflated. tEXt is Latin-1, zTXt zlib Latin-1, iTXt UTF-8.
 */
function labelText(chunk: PngChunk, budget: TextBudget): TextChunk | undefined {
  const keyword = readKeyword(chunk)
  if (keyword !== XMP_KEYWORD && keyword !== 'AIGC') return undefined
  const { type, data } = chunk
  const nul = keyword.length
  const inflate = (compressed: Uint8Array) => {
    const text = inflateCapped(compressed, budget.left, `PNG ${type} chunk`, () => new LimitError(LIMITS.pngTextBytes, 'the inflated text of the PNG label chunks'))
    budget.left -= text.length
    return text
  }
  if (type === 'tEXt') return { keyword, text: latin1(data, nul + 1) }
  if (type === 'zTXt') return { keyword, text: latin1(inflate(data.subarray(nul + 2))) }
  need(data, nul + 1, 2, 'PNG iTXt header')
  const compressed = data[nul + 1] === 1
  const language = data.indexOf(0, nul + 3)
  const translated = language === -1 ? -1 : data.indexOf(0, language + 1)
  if (translated === -1) throw new FormatError('corrupt PNG iTXt chunk')
  const body = data.subarray(translated + 1)
  return { keyword, text: fromUtf8(compressed ? inflate(body) : body) }
}

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  putU32be(out, 0, data.length)
  out.set(utf8.encode(type), 4)
  out.set(data, 8)
  putU32be(out, 8 + data.length, crc32(out.subarray(4, 8), data))
  return out
}

/** An uncompressed iTXt XMP chunk with empty language and translated keyword. */
function xmpChunk(packet: string): Uint8Array {
  return pngChunk('iTXt', concat([utf8.encode(XMP_KEYWORD), new Uint8Array([0, 0, 0, 0, 0]), utf8.encode(packet)]))
}

/** The file's parts without a label, and where the XMP chunk with the label goes. */
export interface PngLayout {
  /** The signature and every chunk but old label carriers: exactly what a content binding covers. */
  parts: Uint8Array[]
  /** Index in `parts` before which the XMP chunk goes (before the image data). */
  xmpAt: number
  /** The file's existing XMP packet, which keeps every other property. */
  packet: string | undefined
}

/**
 * The file as parts: the chunks as they are (or as `idat` maps image data chunks), old label
 * chunks dropped. The visible-mark pipeline passes its re-encoded image data through
 * `idat`, so marking and labelling share one assembly and one copy.
 */
export function pngLayout(bytes: Uint8Array, idat: (chunk: PngChunk, first: boolean) => Uint8Array[], chunks = pngChunks(bytes)): PngLayout {
  let packet: string | undefined
  const parts: Uint8Array[] = [bytes.subarray(0, SIGNATURE.length)]
  let xmpAt = -1
  let firstData = true
  const budget = textBudget()
  for (const c of chunks) {
    const text = labelText(c, budget)
    if (text?.keyword === XMP_KEYWORD) {
      packet ??= text.text
      continue
    }
    if (text?.keyword === 'AIGC' || c.type === C2PA_TYPE) continue
    if (xmpAt < 0 && (c.type === 'IDAT' || c.type === 'IEND')) xmpAt = parts.length
    if (c.type === 'IDAT') {
      parts.push(...idat(c, firstData))
      firstData = false
    } else {
      parts.push(bytes.subarray(c.start, c.end))
    }
  }
  return { parts, xmpAt, packet }
}

/** The labelled file: the layout with its XMP chunk holding `json`. */
export function withPngLabel({ parts, xmpAt, packet }: PngLayout, json: string): Uint8Array {
  const xmp = xmpChunk(packet === undefined ? createXmpPacket(json) : setXmpLabel(packet, json))
  return concat([...parts.slice(0, xmpAt), xmp, ...parts.slice(xmpAt)])
}

export const png: CarrierFormat = {
  name: 'png',
  mime: 'image/png',
  detect: (bytes) => startsWith(bytes, SIGNATURE),

  read(bytes) {
    const found: FoundLabel[] = []
    const budget = textBudget()
    for (const c of pngChunks(bytes)) {
      const text = labelText(c, budget)
      if (text?.keyword === XMP_KEYWORD) {
        found.push(...xmpFound(`png:${c.type}:${XMP_KEYWORD}`, text.text))
      } else if (text?.keyword === 'AIGC') {
        found.push({ carrier: `png:${c.type}:AIGC`, form: 'text', raw: text.text })
      }
    }
    return found
  },

  write(bytes, json) {
    return withPngLabel(pngLayout(bytes, (c) => [bytes.subarray(c.start, c.end)]), json)
  },

  content(bytes, binding = CURRENT_BINDING) {
    const parts = [bytes.subarray(0, SIGNATURE.length)]
    for (const c of pngChunks(bytes)) {
      const keyword = readKeyword(c)
      if (keyword === XMP_KEYWORD || keyword === 'AIGC' || (binding > 1 && c.type === C2PA_TYPE)) continue
      parts.push(bytes.subarray(c.start, c.end))
    }
    return parts
  },

  c2pa: pngC2pa(),
}

function pngC2pa(): C2paCarrier {
  return {
    find(bytes) {
      const chunk = pngChunks(bytes).find((c) => c.type === C2PA_TYPE && isManifestStore(c.data))
      return chunk && foundStore(chunk.data, chunk.start, chunk.end - chunk.start, 'the PNG caBX chunk')
    },
    // Right after IHDR, as c2pa-rs writes it: before the image data, where readers look.
    reserve(bytes, length) {
      const at = pngChunks(bytes)[0]!.end
      const file = new Uint8Array(bytes.length + 12 + length)
      file.set(bytes.subarray(0, at))
      putU32be(file, at, length)
      file.set(utf8.encode(C2PA_TYPE), at + 4)
      file.set(bytes.subarray(at), at + 12 + length)
      return {
        file,
        start: at,
        length: 12 + length,
        fill(jumbf) {
          if (jumbf.length !== length) throw new FormatError('the manifest store is not the size reserved for it')
          file.set(jumbf, at + 8)
          putU32be(file, at + 8 + length, crc32(file.subarray(at + 4, at + 8), jumbf))
        },
      }
    },
  }
}

/** A text chunk's keyword, without inflating its text. */
function readKeyword({ type, data }: PngChunk): string | undefined {
  if (!TEXT_TYPES.has(type)) return undefined
  const nul = data.indexOf(0)
  if (nul < 1 || nul > 79) throw new FormatError(`PNG ${type} chunk has a bad keyword`)
  return latin1(data, 0, nul)
}
