/**
 * GIF: the label is XMP in an application extension `XMP DataXMP` (XMP spec part 3): the
 * packet as raw bytes, then a 258-byte "magic trailer" that lets readers skip it as if it
 * were ordinary sub-blocks.
 */
import { createXmpPacket, setXmpLabel } from '../label/xmp'
import { concat, FormatError, fromUtf8, latin1, need, u16le, utf8 } from './bytes'
import { checkLimit } from '../limits'
import type { CarrierFormat, FoundLabel } from './types'
import { xmpFound } from './xmp-found'

const XMP_APP_ID = 'XMP DataXMP'
const TRAILER = Uint8Array.from({ length: 258 }, (_, i) => (i === 0 ? 1 : i === 257 ? 0 : 256 - i))

export interface GifBlock {
  kind: 'extension' | 'image'
  /** Extension label (0xFF application, 0xF9 graphic control…). */
  label: number
  start: number
  end: number
}

/** Skips data sub-blocks from `at`; returns the offset after the zero terminator. */
function skipSubBlocks(bytes: Uint8Array, at: number): number {
  for (;;) {
    need(bytes, at, 1, 'GIF data sub-block')
    const size = bytes[at]!
    at += 1 + size
    if (size === 0) return at
  }
}

export function gifBlocks(bytes: Uint8Array): { headerEnd: number; blocks: GifBlock[]; frames: number } {
  const version = latin1(bytes, 0, 6)
  if (version !== 'GIF87a' && version !== 'GIF89a') throw new FormatError('not a GIF file')
  need(bytes, 6, 7, 'GIF screen descriptor')
  const packed = bytes[10]!
  let at = 13 + (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0)
  need(bytes, 0, at, 'GIF colour table')
  const headerEnd = at
  const blocks: GifBlock[] = []
  let frames = 0
  for (;;) {
    checkLimit('gifBlocks', blocks.length + 1, 'the GIF block count')
    need(bytes, at, 1, 'GIF block')
    const introducer = bytes[at]!
    if (introducer === 0x3b) break
    const start = at
    if (introducer === 0x21) {
      need(bytes, at, 2, 'GIF extension')
      const label = bytes[at + 1]!
      at = skipSubBlocks(bytes, at + 2)
      blocks.push({ kind: 'extension', label, start, end: at })
    } else if (introducer === 0x2c) {
      need(bytes, at, 10, 'GIF image descriptor')
      const local = bytes[at + 9]!
      at += 10 + (local & 0x80 ? 3 << ((local & 7) + 1) : 0)
      need(bytes, at, 1, 'GIF image data')
      at = skipSubBlocks(bytes, at + 1)
      blocks.push({ kind: 'image', label: 0x2c, start, end: at })
      frames++
    } else {
      throw new FormatError('corrupt GIF: unknown block')
    }
  }
  if (frames === 0) throw new FormatError('GIF has no image')
  if (u16le(bytes, 6) === 0 || u16le(bytes, 8) === 0) throw new FormatError('GIF has an empty screen')
  return { headerEnd, blocks, frames }
}

const isXmp = (bytes: Uint8Array, b: GifBlock) => b.label === 0xff && bytes[b.start + 2] === 11 && latin1(bytes, b.start + 3, b.start + 14) === XMP_APP_ID

/** The packet: the raw bytes between the identifier and the magic trailer. */
function xmpText(bytes: Uint8Array, b: GifBlock): string {
  const from = b.start + 14
  const to = b.end - TRAILER.length
  return to > from ? fromUtf8(bytes.subarray(from, to)) : ''
}

function xmpExtension(packet: string): Uint8Array {
  return concat([new Uint8Array([0x21, 0xff, 11]), utf8.encode(XMP_APP_ID), utf8.encode(packet), TRAILER])
}

export const gif: CarrierFormat = {
  name: 'gif',
  mime: 'image/gif',
  detect: (bytes) => latin1(bytes, 0, 6) === 'GIF89a' || latin1(bytes, 0, 6) === 'GIF87a',

  read(bytes) {
    const found: FoundLabel[] = []
    for (const b of gifBlocks(bytes).blocks) {
      if (isXmp(bytes, b)) found.push(...xmpFound('gif:XMP', xmpText(bytes, b)))
    }
    return found
  },

  write(bytes, json) {
    const { headerEnd, blocks } = gifBlocks(bytes)
    const old = blocks.find((b) => isXmp(bytes, b))
    const header = bytes.slice(0, headerEnd)
    header.set(utf8.encode('GIF89a'), 0) // extensions need the 89a version
    const parts: Uint8Array[] = [header, xmpExtension(old ? setXmpLabel(xmpText(bytes, old), json) : createXmpPacket(json))]
    let at = headerEnd
    for (const b of blocks) {
      if (!isXmp(bytes, b)) continue
      parts.push(bytes.subarray(at, b.start))
      at = b.end
    }
    parts.push(bytes.subarray(at))
    return concat(parts)
  },

  // From after the version, which a label write raises to 89a.
  content(bytes) {
    const parts: Uint8Array[] = []
    let at = 6
    for (const b of gifBlocks(bytes).blocks) {
      if (!isXmp(bytes, b)) continue
      parts.push(bytes.subarray(at, b.start))
      at = b.end
    }
    parts.push(bytes.subarray(at))
    return parts
  },
}
