/**
 * The visible mark on every frame of a GIF. omggif decodes each frame and codes it again
 * (LZW); the blending happens on the canvas and the result is mapped back to the frame's
 * palette, to which the mark's plate and text colours are added while there is room.
 * Every other block (timing, loop, comments, XMP) is copied as it is. A frame that does
 * not cover the mark's corner would leave the mark to earlier frames and disposal rules,
 * so such files are refused.
 */
import { GifReader, GifWriter } from 'omggif'
import { concat, FormatError } from '../formats/bytes'
import { gifBlocks } from '../formats/gif'
import { blendRow, rgb, type ImageMarkSpec, type Placement } from '../label/image-mark'

type Palette = number[]

export function markGif(bytes: Uint8Array, spec: ImageMarkSpec, place: (width: number, height: number) => Placement): Uint8Array {
  const { headerEnd, blocks } = gifBlocks(bytes)
  let reader: GifReader
  try {
    reader = new GifReader(bytes)
  } catch (error) {
    throw new FormatError(`corrupt GIF: ${(error as Error).message}`)
  }
  const { width, height } = reader
  const placement = place(width, height)
  const rect = {
    left: placement.x,
    top: placement.y,
    right: Math.min(width, placement.x + placement.overlay.width),
    bottom: Math.min(height, placement.y + placement.overlay.height),
  }
  const keys = [spec.plateColor, spec.color].map((hex) => {
    const [r, g, b] = rgb(hex)
    return (r << 16) | (g << 8) | b
  })
  const packed = bytes[10]!
  const global = packed & 0x80 ? withColours(readPalette(bytes, 13, 2 << (packed & 7)), keys) : undefined

  const canvas = new Uint8Array(width * height * 4)
  const frames = blocks.filter((b) => b.kind === 'image')
  const coded = frames.map((_, i) => {
    const info = reader.frameInfo(i)
    if (info.x > rect.left || info.y > rect.top || info.x + info.width < rect.right || info.y + info.height < rect.bottom) {
      throw new FormatError(`GIF frame ${i + 1} does not cover the mark's corner, so not every frame could be marked`)
    }
    const palette = info.has_local_palette ? withColours(readPalette(bytes, info.palette_offset!, info.palette_size!), keys) : global
    if (!palette) throw new FormatError(`corrupt GIF: frame ${i + 1} has no colour table`)
    canvas.fill(0)
    try {
      reader.decodeAndBlitFrameRGBA(i, canvas)
    } catch (error) {
      throw new FormatError(`corrupt GIF frame ${i + 1}: ${(error as Error).message}`)
    }
    const indices = frameIndices(canvas, width, info, palette)
    const nearest = nearestColour(palette, info.transparent_index)
    for (let y = rect.top; y < rect.bottom; y++) {
      const row = canvas.subarray(y * width * 4, (y + 1) * width * 4)
      blendRow(row, { channels: 4, sampleBytes: 1 }, y, placement, width)
      for (let x = rect.left; x < rect.right; x++) {
        // GIF transparency is on or off: mostly covered pixels become opaque.
        if (row[x * 4 + 3]! < 128) continue
        indices[(y - info.y) * info.width + (x - info.x)] = nearest(row[x * 4]!, row[x * 4 + 1]!, row[x * 4 + 2]!)
      }
    }
    return encodeFrame(width, height, info, indices, info.has_local_palette ? palette : undefined, global)
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

interface FrameInfo {
  x: number
  y: number
  width: number
  height: number
  transparent_index: number | null
}

/** The frame's pixels as palette indices: decoded colours looked up, unpainted pixels transparent. */
function frameIndices(canvas: Uint8Array, width: number, info: FrameInfo, palette: Palette): Uint8Array {
  const lookup = new Map<number, number>()
  palette.forEach((c, i) => {
    if (i !== info.transparent_index && !lookup.has(c)) lookup.set(c, i)
  })
  const indices = new Uint8Array(info.width * info.height)
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const p = ((info.y + y) * width + info.x + x) * 4
      indices[y * info.width + x] =
        canvas[p + 3] === 0 ? (info.transparent_index ?? 0) : lookup.get((canvas[p]! << 16) | (canvas[p + 1]! << 8) | canvas[p + 2]!)!
    }
  }
  return indices
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

/** One image block (descriptor, optional local palette, LZW data), as omggif codes it. */
function encodeFrame(width: number, height: number, info: FrameInfo, indices: Uint8Array, local: Palette | undefined, global: Palette | undefined): Uint8Array {
  const scratch = new Uint8Array(1024 + 3 * 256 * 2 + indices.length * 2)
  const writer = new GifWriter(scratch, width, height, global ? { palette: global } : {})
  const start = writer.getOutputBufferPosition()
  // No delay, disposal or transparency here: the file's own control extension stays in front.
  // omggif reads the indices by position; its type declarations ask for number[].
  writer.addFrame(info.x, info.y, info.width, info.height, indices as unknown as number[], local ? { palette: local } : {})
  return scratch.slice(start, writer.getOutputBufferPosition())
}
