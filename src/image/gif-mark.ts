/**
 * The visible mark on every frame of a GIF. Each frame is decoded to palette indices
 * (gif-lzw.ts), the pixels under the mark are blended and mapped back to the frame's
 * palette, to which the mark's plate and text colours are added while there is room, and
 * the frame is LZW-coded again (also ours: omggif's encoder is bounded but costs ~0.5 µs a
 * pixel). Every other block (timing, loop, comments, XMP) is copied as it is.
 * A frame that does not cover the mark's corner would leave the mark to earlier frames and
 * disposal rules, so such files are refused. Every frame's rectangle, the frame count and
 * the pixels of all frames are checked against the limits before anything is decoded.
 */
import { concat, FormatError, u16le } from '../formats/bytes'
import { gifBlocks, type GifBlock } from '../formats/gif'
import { blendRow, rgb, type ImageMarkSpec, type Placement } from '../label/image-mark'
import { checkLimit } from '../limits'
import { decodeLzw, encodeLzw } from './gif-lzw'

type Palette = number[]

interface FrameInfo {
  x: number
  y: number
  width: number
  height: number
  interlaced: boolean
  /** Offset and entry count of the local colour table, when there is one. */
  local?: { offset: number; size: number }
  /** Offset of the LZW minimum code size. */
  data: number
  transparent: number | null
}

/** The image descriptors, each with the transparency of the control extension before it. */
function frameInfos(bytes: Uint8Array, blocks: GifBlock[], width: number, height: number): FrameInfo[] {
  const frames: FrameInfo[] = []
  let transparent: number | null = null
  let total = 0
  for (const b of blocks) {
    if (b.kind === 'extension') {
      // Graphic control: 21 F9 04 packed delay(2) index 00; it applies to the next image only.
      if (b.label === 0xf9 && b.end - b.start >= 8) transparent = bytes[b.start + 3]! & 1 ? bytes[b.start + 6]! : null
      continue
    }
    checkLimit('gifFrames', frames.length + 1, 'the GIF frame count')
    const at = b.start
    const frame = { x: u16le(bytes, at + 1), y: u16le(bytes, at + 3), width: u16le(bytes, at + 5), height: u16le(bytes, at + 7) }
    const n = frames.length + 1
    if (frame.width === 0 || frame.height === 0) throw new FormatError(`GIF frame ${n} is empty`)
    if (frame.x + frame.width > width || frame.y + frame.height > height) {
      throw new FormatError(`GIF frame ${n} (${frame.width}×${frame.height} at ${frame.x},${frame.y}) lies outside the ${width}×${height} screen`)
    }
    checkLimit('gifFramePixels', frame.width * frame.height, `GIF frame ${n}`)
    total += frame.width * frame.height
    checkLimit('gifTotalPixels', total, 'the pixels of all GIF frames')
    const packed = bytes[at + 9]!
    const local = packed & 0x80 ? { offset: at + 10, size: 2 << (packed & 7) } : undefined
    frames.push({ ...frame, interlaced: (packed & 0x40) !== 0, local, data: at + 10 + (local ? local.size * 3 : 0), transparent })
    transparent = null
  }
  return frames
}

export function markGif(bytes: Uint8Array, spec: ImageMarkSpec, place: (width: number, height: number) => Placement): Uint8Array {
  const { headerEnd, blocks } = gifBlocks(bytes)
  const width = u16le(bytes, 6)
  const height = u16le(bytes, 8)
  const frames = frameInfos(bytes, blocks, width, height)
  const placement = place(width, height)
  const rect = {
    left: placement.x,
    top: placement.y,
    right: Math.min(width, placement.x + placement.overlay.width),
    bottom: Math.min(height, placement.y + placement.overlay.height),
  }
  frames.forEach((info, i) => {
    if (info.x > rect.left || info.y > rect.top || info.x + info.width < rect.right || info.y + info.height < rect.bottom) {
      throw new FormatError(`GIF frame ${i + 1} does not cover the mark's corner, so not every frame could be marked`)
    }
  })
  const keys = [spec.plateColor, spec.color].map((hex) => {
    const [r, g, b] = rgb(hex)
    return (r << 16) | (g << 8) | b
  })
  const packed = bytes[10]!
  const global = packed & 0x80 ? withColours(readPalette(bytes, 13, 2 << (packed & 7)), keys) : undefined

  const row = new Uint8Array(width * 4)
  const coded = frames.map((info, i) => {
    const palette = info.local ? withColours(readPalette(bytes, info.local.offset, info.local.size), keys) : global
    if (!palette) throw new FormatError(`corrupt GIF: frame ${i + 1} has no colour table`)
    const decoded = decodeLzw(bytes, info.data, info.width * info.height, info.transparent ?? 0, `GIF frame ${i + 1} image data`)
    const indices = info.interlaced ? deinterlace(decoded, info.width, info.height) : decoded
    const nearest = nearestColour(palette, info.transparent)
    for (let y = rect.top; y < rect.bottom; y++) {
      // The frame's pixels under the mark as RGBA in a screen-wide row; transparent ones clear.
      const line = (y - info.y) * info.width - info.x
      for (let x = rect.left; x < rect.right; x++) {
        const index = indices[line + x]!
        const colour = index === info.transparent ? -1 : (palette[index] ?? 0)
        row.set(colour < 0 ? [0, 0, 0, 0] : [(colour >> 16) & 255, (colour >> 8) & 255, colour & 255, 255], x * 4)
      }
      blendRow(row, { channels: 4, sampleBytes: 1 }, y, placement, width)
      for (let x = rect.left; x < rect.right; x++) {
        // GIF transparency is on or off: mostly covered pixels become opaque.
        if (row[x * 4 + 3]! < 128) continue
        indices[line + x] = nearest(row[x * 4]!, row[x * 4 + 1]!, row[x * 4 + 2]!)
      }
    }
    return encodeFrame(info, indices, info.local ? palette : undefined, palette)
  })

  const screen = bytes.slice(6, 13)
  if (global) screen[4] = (packed & 0xf8) | (Math.log2(global.length) - 1)
  const parts: Uint8Array[] = [new TextEncoder().encode('GIF89a'), screen]
  if (global) parts.push(paletteBytes(global))
  let at = headerEnd
  let frame = 0
  for (const b of blocks) {
    if (b.kind !== 'image') continue
    parts.push(bytes.subarray(at, b.start), coded[frame++]!)
    at = b.end
  }
  parts.push(bytes.subarray(at))
  return concat(parts)
}

/** Interlaced rows come in four passes (every 8th from 0, every 8th from 4, every 4th from 2, every 2nd from 1). */
function deinterlace(indices: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(indices.length)
  let from = 0
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) {
    for (let y = start; y < height; y += step) {
      out.set(indices.subarray(from * width, (from + 1) * width), y * width)
      from++
    }
  }
  return out
}

function readPalette(bytes: Uint8Array, offset: number, size: number): Palette {
  return Array.from({ length: size }, (_, i) => (bytes[offset + i * 3]! << 16) | (bytes[offset + i * 3 + 1]! << 8) | bytes[offset + i * 3 + 2]!)
}

function paletteBytes(palette: Palette): Uint8Array {
  return Uint8Array.from(palette.flatMap((c) => [(c >> 16) & 255, (c >> 8) & 255, c & 255]))
}

/** The palette with the mark's colours appended while there is room (existing indices unchanged). */
function withColours(palette: Palette, colours: number[]): Palette {
  const out = palette.slice()
  for (const colour of colours) if (!out.includes(colour) && out.length < 256) out.push(colour)
  let size = 2
  while (size < out.length) size *= 2
  while (out.length < size) out.push(0)
  return out
}

function nearestColour(palette: Palette, transparent: number | null): (r: number, g: number, b: number) => number {
  const cache = new Map<number, number>()
  return (r, g, b) => {
    const key = (r << 16) | (g << 8) | b
    let best = cache.get(key)
    if (best !== undefined) return best
    let bestDistance = Infinity
    palette.forEach((c, i) => {
      if (i === transparent) return
      const d = (((c >> 16) & 255) - r) ** 2 + (((c >> 8) & 255) - g) ** 2 + ((c & 255) - b) ** 2
      if (d < bestDistance) {
        bestDistance = d
        best = i
      }
    })
    cache.set(key, best!)
    return best!
  }
}

/** One image block: descriptor (not interlaced), the local palette if any, LZW data. */
function encodeFrame(info: FrameInfo, indices: Uint8Array, local: Palette | undefined, palette: Palette): Uint8Array {
  const descriptor = new Uint8Array(10)
  descriptor[0] = 0x2c
  for (const [i, v] of [info.x, info.y, info.width, info.height].entries()) {
    descriptor[1 + i * 2] = v & 255
    descriptor[2 + i * 2] = v >> 8
  }
  // No delay, disposal or transparency here: the file's own control extension stays in front.
  if (local) descriptor[9] = 0x80 | (Math.log2(local.length) - 1)
  const parts = [descriptor, ...(local ? [paletteBytes(local)] : []), encodeLzw(indices, Math.max(2, Math.log2(palette.length)))]
  return concat(parts)
}
