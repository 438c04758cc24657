/**
 * The visible image mark: a CJK text prompt on a backing plate at an edge or corner, sized
 * so the ink of its CJK glyphs is at least the tenant's ratio (≥ 5 %, GB 45438 §5.2) of
 * the image's shortest side. Pure: font bytes in, an RGBA overlay and its placement out,
 * plus the blend of that overlay into pixel rows of any PNG-like layout.
 */
import opentype from 'opentype.js'
import { rasterize, type PathCommand } from './raster'

export const MARK_POSITIONS = ['top-left', 'top', 'top-right', 'left', 'right', 'bottom-left', 'bottom', 'bottom-right'] as const
export type MarkPosition = (typeof MARK_POSITIONS)[number]

export interface ImageMarkSpec {
  text: string
  position: MarkPosition
  /** Ink height of the CJK glyphs over the shortest side; at least 0.05. */
  heightRatio: number
  /** Gap to the image edge over the shortest side. */
  marginRatio: number
  /** Text colour `#RRGGBB` and opacity. */
  color: string
  opacity: number
  /** The plate behind the text (and the glyph outline) keeps it legible on any image. */
  plateColor: string
  plateOpacity: number
}

export const DEFAULT_IMAGE_MARK: ImageMarkSpec = {
  text: 'AI生成',
  position: 'bottom-right',
  heightRatio: 0.06,
  marginRatio: 0.02,
  color: '#FFFFFF',
  opacity: 1,
  plateColor: '#000000',
  plateOpacity: 0.55,
}

/** The composed mark as straight-alpha RGBA, and the CJK ink rows within it. */
export interface MarkOverlay {
  width: number
  height: number
  rgba: Uint8ClampedArray
  inkTop: number
  inkBottom: number
}

export interface Placement {
  overlay: MarkOverlay
  x: number
  y: number
}

type Font = ReturnType<typeof opentype.parse>

const fonts = new WeakMap<ArrayBuffer, Font>()

/** Parses a font once per isolate (about 250 ms for the CJK font, so never per request). */
export function loadFont(data: ArrayBuffer): Font {
  let font = fonts.get(data)
  if (!font) {
    font = opentype.parse(data)
    fonts.set(data, font)
  }
  return font
}

const HAN = /\p{Script=Han}/u

/** Names the first character the font cannot draw. */
export function missingGlyph(font: Font, text: string): string | undefined {
  for (const ch of text) if (ch.trim() && font.charToGlyph(ch).index === 0) return ch
  return undefined
}

// Overlays are cached per (spec, ink height): a handful of sizes serve most traffic.
const overlays = new Map<string, MarkOverlay>()
let cachedBytes = 0
const CACHE_BYTES = 48 * 1024 * 1024

/** Where the mark goes on a width × height image, and what it looks like. */
export function placeMark(fontData: ArrayBuffer, spec: ImageMarkSpec, width: number, height: number): Placement {
  const shortest = Math.min(width, height)
  const inkHeight = Math.max(1, Math.ceil(spec.heightRatio * shortest))
  const overlay = overlayFor(fontData, spec, inkHeight)
  const margin = Math.round(spec.marginRatio * shortest)
  const [vertical, horizontal] = alignment(spec.position)
  const place = (align: number, size: number, room: number) =>
    Math.max(0, align < 0 ? margin : align > 0 ? room - size - margin : Math.floor((room - size) / 2))
  return { overlay, x: place(horizontal, overlay.width, width), y: place(vertical, overlay.height, height) }
}

/** [vertical, horizontal]: -1 start, 0 centre, 1 end. */
function alignment(position: MarkPosition): [number, number] {
  const v = position.startsWith('top') ? -1 : position.startsWith('bottom') ? 1 : 0
  const h = position.endsWith('left') ? -1 : position.endsWith('right') ? 1 : 0
  return [v, h]
}

function overlayFor(fontData: ArrayBuffer, spec: ImageMarkSpec, inkHeight: number): MarkOverlay {
  const key = JSON.stringify([spec.text, spec.color, spec.opacity, spec.plateColor, spec.plateOpacity, inkHeight])
  const hit = overlays.get(key)
  if (hit) {
    overlays.delete(key)
    overlays.set(key, hit) // most recently used last
    return hit
  }
  const overlay = renderOverlay(loadFont(fontData), spec, inkHeight)
  overlays.set(key, overlay)
  cachedBytes += overlay.rgba.length
  for (const [k, v] of overlays) {
    if (cachedBytes <= CACHE_BYTES || overlays.size <= 1) break
    overlays.delete(k)
    cachedBytes -= v.rgba.length
  }
  return overlay
}

export class MarkError extends Error {}

function renderOverlay(font: Font, spec: ImageMarkSpec, inkHeight: number): MarkOverlay {
  const missing = missingGlyph(font, spec.text)
  if (missing) throw new MarkError(`the mark font has no glyph for "${missing}"`)
  // Font size from the CJK glyphs' ink box in font units; one pixel more absorbs
  // anti-aliasing at the edges, and the check below measures the rendered rows.
  let yMin = Infinity
  let yMax = -Infinity
  for (const ch of spec.text) {
    if (!HAN.test(ch)) continue
    const box = font.charToGlyph(ch).getBoundingBox()
    yMin = Math.min(yMin, box.y1)
    yMax = Math.max(yMax, box.y2)
  }
  if (!(yMax > yMin)) throw new MarkError('the mark text needs CJK characters')
  for (let extra = 1; ; extra++) {
    const size = ((inkHeight + extra) * font.unitsPerEm) / (yMax - yMin)
    const overlay = drawOverlay(font, spec, size, (yMax * size) / font.unitsPerEm, (yMin * size) / font.unitsPerEm)
    if (overlay.inkBottom - overlay.inkTop >= inkHeight || extra > 8) return overlay
  }
}

function drawOverlay(font: Font, spec: ImageMarkSpec, size: number, cjkTop: number, cjkBottom: number): MarkOverlay {
  const pad = Math.max(1, Math.round(size * 0.22))
  const outline = Math.max(1, Math.round(size * 0.05))
  const path = font.getPath(spec.text, 0, 0, size, { kerning: true })
  const box = path.getBoundingBox()
  const originX = pad - box.x1
  const originY = pad - Math.min(box.y1, -cjkTop)
  const width = Math.ceil(box.x2 - box.x1) + 2 * pad
  const height = Math.ceil(Math.max(box.y2, -cjkBottom) - Math.min(box.y1, -cjkTop)) + 2 * pad
  const commands = (path.commands as PathCommand[]).map((c) => shift(c, originX, originY))
  const text = rasterize(commands, width, height)
  const halo = dilate(text, width, height, outline)

  const [tr, tg, tb] = rgb(spec.color)
  const [pr, pg, pb] = rgb(spec.plateColor)
  const rgba = new Uint8ClampedArray(width * height * 4)
  const radius = Math.min(pad, height / 2)
  let inkTop = height
  let inkBottom = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x
      // Layers, bottom up: plate, glyph outline in the plate colour, text.
      let a = spec.plateOpacity * roundedRect(x, y, width, height, radius)
      let r = pr
      let g = pg
      let b = pb
      const h = (halo[i]! / 255) * Math.max(spec.plateOpacity, 0.8)
      ;[r, g, b, a] = over(pr, pg, pb, h, r, g, b, a)
      const t = (text[i]! / 255) * spec.opacity
      ;[r, g, b, a] = over(tr, tg, tb, t, r, g, b, a)
      rgba.set([r, g, b, Math.round(a * 255)], i * 4)
      if (text[i]! >= 128) {
        inkTop = Math.min(inkTop, y)
        inkBottom = Math.max(inkBottom, y + 1)
      }
    }
  }
  return { width, height, rgba, inkTop, inkBottom }
}

/** Straight-alpha "over": colour c at alpha a over (r, g, b) at alpha under. */
function over(cr: number, cg: number, cb: number, a: number, r: number, g: number, b: number, under: number): [number, number, number, number] {
  const out = a + under * (1 - a)
  if (out === 0) return [0, 0, 0, 0]
  const mix = (c: number, u: number) => (c * a + u * under * (1 - a)) / out
  return [mix(cr, r), mix(cg, g), mix(cb, b), out]
}

/** Coverage of a rounded rectangle filling the box, with a soft one-pixel edge. */
function roundedRect(x: number, y: number, w: number, h: number, r: number): number {
  const cx = Math.min(Math.max(x + 0.5, r), w - r)
  const cy = Math.min(Math.max(y + 0.5, r), h - r)
  const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy)
  return Math.max(0, Math.min(1, r - d + 0.5))
}

/** Max filter with a square window, separable: the text's outline. */
function dilate(src: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const tmp = new Uint8Array(src.length)
  const out = new Uint8Array(src.length)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = 0
      for (let k = Math.max(0, x - r); k <= Math.min(w - 1, x + r); k++) m = Math.max(m, src[y * w + k]!)
      tmp[y * w + x] = m
    }
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      let m = 0
      for (let k = Math.max(0, y - r); k <= Math.min(h - 1, y + r); k++) m = Math.max(m, tmp[k * w + x]!)
      out[y * w + x] = m
    }
  }
  return out
}

function shift(c: PathCommand, dx: number, dy: number): PathCommand {
  switch (c.type) {
    case 'Z':
      return c
    case 'Q':
      return { ...c, x1: c.x1 + dx, y1: c.y1 + dy, x: c.x + dx, y: c.y + dy }
    case 'C':
      return { ...c, x1: c.x1 + dx, y1: c.y1 + dy, x2: c.x2 + dx, y2: c.y2 + dy, x: c.x + dx, y: c.y + dy }
    default:
      return { ...c, x: c.x + dx, y: c.y + dy }
  }
}

export function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

/** How the samples of one pixel sit in a row. */
export interface PixelLayout {
  channels: 1 | 2 | 3 | 4
  /** 1 for 8-bit samples, 2 for 16-bit big-endian (PNG). */
  sampleBytes: 1 | 2
}

/**
 * Blends the overlay's row `y - placement.y` into one image row of raw samples. Grey
 * layouts receive the overlay's luminance; layouts with alpha composite "over".
 */
export function blendRow(row: Uint8Array, layout: PixelLayout, y: number, { overlay, x: left, y: top }: Placement, imageWidth: number): void {
  const my = y - top
  if (my < 0 || my >= overlay.height) return
  const { channels, sampleBytes } = layout
  const max = sampleBytes === 2 ? 65535 : 255
  const grey = channels <= 2
  const alpha = channels === 2 || channels === 4
  const read = (at: number) => (sampleBytes === 2 ? (row[at]! << 8) | row[at + 1]! : row[at]!) / max
  const write = (at: number, v: number) => {
    const s = Math.round(Math.min(1, Math.max(0, v)) * max)
    if (sampleBytes === 2) {
      row[at] = s >> 8
      row[at + 1] = s & 255
    } else row[at] = s
  }
  const stride = channels * sampleBytes
  const end = Math.min(overlay.width, imageWidth - left)
  for (let mx = 0; mx < end; mx++) {
    const o = (my * overlay.width + mx) * 4
    const oa = overlay.rgba[o + 3]! / 255
    if (oa === 0) continue
    const colour = grey
      ? [(0.299 * overlay.rgba[o]! + 0.587 * overlay.rgba[o + 1]! + 0.114 * overlay.rgba[o + 2]!) / 255]
      : [overlay.rgba[o]! / 255, overlay.rgba[o + 1]! / 255, overlay.rgba[o + 2]! / 255]
    const at = (left + mx) * stride
    const colourChannels = grey ? 1 : 3
    const ia = alpha ? read(at + colourChannels * sampleBytes) : 1
    const outA = oa + ia * (1 - oa)
    for (let c = 0; c < colourChannels; c++) {
      const p = at + c * sampleBytes
      write(p, (colour[c]! * oa + read(p) * ia * (1 - oa)) / outA)
    }
    if (alpha) write(at + colourChannels * sampleBytes, outA)
  }
}
