/**
 * The visible mark measured on the result: decoded pixels for geometry, tesseract for
 * legibility, pngcheck/jpeginfo/exiftool for the files.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { formatFor, readLabels } from '../../src/formats'
import { labelFile } from '../../src/image/label-image'
import { estimateJpegQuality, markImage } from '../../src/image/mark-image'
import { createLabel } from '../../src/label/annex-e'
import { DEFAULT_IMAGE_MARK, placeMark, type ImageMarkSpec } from '../../src/label/image-mark'
import { codecs, FONT } from './codecs'
import { exiftool, file, fixture, run } from './tools'

type Format = 'png' | 'jpeg'

/** An image made by ImageMagick: solid colour or a noisy fractal. */
function image(width: number, height: number, fill: string, format: Format = 'png'): Uint8Array {
  const source = fill === 'noise' ? 'plasma:fractal' : `xc:${fill}`
  const out = file(`src-${width}x${height}-${fill.replace('#', '')}.${format}`, new Uint8Array())
  run('convert', ['-size', `${width}x${height}`, '-seed', '7', source, ...(format === 'jpeg' ? ['-quality', '85'] : []), `${format === 'png' ? 'png24' : 'jpg'}:${out}`])
  return new Uint8Array(readFileSync(out))
}

const mark = (bytes: Uint8Array, spec: Partial<ImageMarkSpec> = {}) =>
  markImage(bytes, { spec: { ...DEFAULT_IMAGE_MARK, ...spec }, font: FONT, codecs }, '{"Label":"1"}')

interface Box {
  left: number
  top: number
  right: number
  bottom: number
}

/** The box of changed pixels, and the ink rows (bright text) inside it. */
async function measure(format: Format, before: Uint8Array, after: Uint8Array, tolerance: number) {
  const [a, b] = await Promise.all([codecs.decode(format, before), codecs.decode(format, after)])
  const box: Box = { left: Infinity, top: Infinity, right: -1, bottom: -1 }
  for (let i = 0; i < a.data.length; i += 4) {
    if (Math.max(...[0, 1, 2].map((k) => Math.abs(a.data[i + k]! - b.data[i + k]!))) <= tolerance) continue
    const x = (i / 4) % a.width
    const y = Math.floor(i / 4 / a.width)
    box.left = Math.min(box.left, x)
    box.top = Math.min(box.top, y)
    box.right = Math.max(box.right, x + 1)
    box.bottom = Math.max(box.bottom, y + 1)
  }
  let inkTop = Infinity
  let inkBottom = -1
  for (let y = box.top; y < box.bottom; y++) {
    for (let x = box.left; x < box.right; x++) {
      const i = (y * a.width + x) * 4
      // Half-way between the plate and the white text: the 50% coverage edge of a glyph.
      if (0.299 * b.data[i]! + 0.587 * b.data[i + 1]! + 0.114 * b.data[i + 2]! > 128) {
        inkTop = Math.min(inkTop, y)
        inkBottom = Math.max(inkBottom, y + 1)
      }
    }
  }
  return { box, inkHeight: inkBottom - inkTop, width: a.width, height: a.height, before: a, after: b }
}

describe('visible mark geometry, measured on the decoded result', () => {
  const sizes: [number, number][] = [[64, 64], [1024, 1024], [1000, 200], [200, 1000], [333, 777], [3000, 180], [2048, 1536]]
  for (const [width, height] of sizes) {
    it(`${width}×${height}: ink ≥ 6% of the shortest side, bottom-right, nothing else changed`, async () => {
      const original = image(width, height, '#404040')
      const marked = await mark(original)
      const { box, inkHeight } = await measure('png', original, marked, 0)
      const shortest = Math.min(width, height)
      expect(inkHeight).toBeGreaterThanOrEqual(Math.ceil(0.06 * shortest))
      const margin = Math.round(0.02 * shortest)
      const expected = placeMark(FONT, DEFAULT_IMAGE_MARK, width, height)
      expect(box.left).toBeGreaterThanOrEqual(expected.x)
      expect(box.top).toBeGreaterThanOrEqual(expected.y)
      expect(box.right).toBeLessThanOrEqual(expected.x + expected.overlay.width)
      expect(box.bottom).toBeLessThanOrEqual(expected.y + expected.overlay.height)
      expect(width - box.right).toBeLessThanOrEqual(margin + 1)
      expect(height - box.bottom).toBeLessThanOrEqual(margin + 1)
      expect(run('pngcheck', [file(`marked-${width}x${height}.png`, marked)])).toMatch(/^OK/)
    })
  }

  it('honours the position and a 5% ratio', async () => {
    const [width, height] = [800, 500]
    const original = image(width, height, '#404040')
    const positions = { 'top-left': [0, 0], top: [0.5, 0], right: [1, 0.5], 'bottom-left': [0, 1], bottom: [0.5, 1] } as const
    for (const [position, [fx, fy]] of Object.entries(positions)) {
      const { box, inkHeight } = await measure('png', original, await mark(original, { position: position as ImageMarkSpec['position'], heightRatio: 0.05 }), 0)
      expect(inkHeight, position).toBeGreaterThanOrEqual(25)
      const cx = (box.left + box.right) / 2 / width
      const cy = (box.top + box.bottom) / 2 / height
      expect(Math.abs(cx - fx), position).toBeLessThan(fx === 0.5 ? 0.02 : 0.2)
      expect(Math.abs(cy - fy), position).toBeLessThan(fy === 0.5 ? 0.03 : 0.2)
    }
  })

  it('JPEG: the rest of the image stays within a tight PSNR, quality and EXIF kept', async () => {
    const original = image(1024, 768, 'noise', 'jpeg')
    const marked = await mark(original)
    const { after, before, box, inkHeight } = await measure('jpeg', original, marked, 40)
    expect(inkHeight).toBeGreaterThanOrEqual(Math.ceil(0.06 * 768))
    let sum = 0
    let n = 0
    for (let y = 0; y < before.height; y++) {
      for (let x = 0; x < before.width; x++) {
        // Skip the mark and the 8×8 blocks it touches.
        if (x >= box.left - 16 && x < box.right + 16 && y >= box.top - 16 && y < box.bottom + 16) continue
        const i = (y * before.width + x) * 4
        for (let k = 0; k < 3; k++) sum += (before.data[i + k]! - after.data[i + k]!) ** 2
        n += 3
      }
    }
    const psnr = 10 * Math.log10((255 * 255) / (sum / n))
    expect(psnr).toBeGreaterThan(38)
    expect(Math.abs(estimateJpegQuality(marked) - 85)).toBeLessThanOrEqual(1)
    expect(run('jpeginfo', ['-c', file('marked.jpg', marked)])).toMatch(/OK\s*$/)

    const withExif = fixture('rotated.jpg')
    const turned = await mark(withExif)
    expect(run('exiftool', ['-s3', '-Orientation', '-Make', file('rotated-out.jpg', turned)]).trim().split('\n')).toEqual(['Rotate 90 CW', 'Rotated'])
    // Orientation 6 shows stored top-right as bottom-right: the mark goes there.
    const { box: stored, width } = await measure('jpeg', withExif, turned, 40)
    expect(stored.left).toBeGreaterThan(width / 2)
    expect(stored.top).toBeLessThan(20)
  })
})

describe('tesseract reads the mark', () => {
  for (const [name, fill] of [['light', 'white'], ['dark', 'black'], ['noisy', 'noise']] as const) {
    it(`on a ${name} image`, async () => {
      const original = image(1024, 768, fill)
      const marked = await mark(original)
      const at = placeMark(FONT, DEFAULT_IMAGE_MARK, 1024, 768)
      const crop = file(`ocr-${name}.png`, marked)
      const out = file(`ocr-${name}-crop.png`, new Uint8Array())
      // The plate, inset past its rounded corners, in grey and at twice the size: tesseract's
      // page segmentation stumbles on background showing at the corners of a small crop.
      const inset = Math.round(at.overlay.height / 10)
      const geometry = `${at.overlay.width - 2 * inset}x${at.overlay.height - 2 * inset}+${at.x + inset}+${at.y + inset}`
      run('convert', [crop, '-crop', geometry, '+repage', '-colorspace', 'gray', '-resize', '200%', out])
      const text = run('tesseract', [out, '-', '-l', 'chi_sim', '--psm', '7']).replace(/\s/g, '')
      expect(text).toMatch(/^A[Il1|]生成$/)
    })
  }
})

describe('marked files stay valid for other tools', () => {
  it('exiftool reads the one label from marked PNG, JPEG and WebP', async () => {
    const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'marked-1' })
    for (const name of ['mark.png', 'mark.jpg', 'mark.webp', 'mark-ll.webp', 'photo.jpg']) {
      const { bytes: out } = await labelFile(fixture(name), formatFor(fixture(name)), label, { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs })
      expect(readLabels(out)).toHaveLength(1)
      const tags = exiftool(file(`labelled-${name}`, out))
      expect(tags['XMP-TC260:Aigc'], name).toContain('"ProduceID":"marked-1"')
      if (name === 'photo.jpg') {
        expect(tags['IFD0:Make']).toBe('FixtureCam')
        expect(tags['ICC_Profile:ProfileDescription']).toBe('Artifex Software sRGB ICC Profile')
        expect(tags['XMP-dc:Creator']).toBe('Fixture Artist')
      }
    }
  })
})
