/**
 * The visible mark measured on the result: decoded pixels for geometry, tesseract for
 * legibility, pngcheck/jpeginfo/exiftool for the files.
 */
import { readFileSync } from 'node:fs'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { formatFor, readLabels } from '../../src/formats'
import { jpegSegments } from '../../src/formats/jpeg'
import { labelFile } from '../../src/image/label-image'
import { markImage } from '../../src/image/mark-image'
import { createLabel } from '../../src/label/annex-e'
import { DEFAULT_IMAGE_MARK, placeMark, type ImageMarkSpec } from '../../src/label/image-mark'
import { codecs, FONT } from './codecs'
import { exiftool, file, fixture, run } from './tools'

type Format = 'png' | 'jpeg'

/** An image made by ImageMagick: solid colour or a noisy fractal. */
function image(width: number, height: number, fill: string, format: Format = 'png'): Uint8Array {
  const source = fill === 'noise' ? 'plasma:fractal' : fill.includes(':') ? fill : `xc:${fill}`
  const out = file(`src-${width}x${height}-${fill.replace(/[#:]/g, '')}.${format}`, new Uint8Array())
  run('convert', ['-size', `${width}x${height}`, '-seed', '7', source, ...(format === 'jpeg' ? ['-quality', '85'] : []), `${format === 'png' ? 'png24' : 'jpg'}:${out}`])
  return new Uint8Array(readFileSync(out))
}

const mark = (bytes: Uint8Array, spec: Partial<ImageMarkSpec> = {}) =>
  markImage(bytes, { spec: { ...DEFAULT_IMAGE_MARK, ...spec }, font: FONT, codecs }, async () => '{"Label":"1"}')

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
    // Coefficients outside the mark's MCUs are kept: beyond them (and the one chroma sample
    // a decoder's smooth upsampling reaches across), decoded pixels are identical.
    const at = placeMark(FONT, DEFAULT_IMAGE_MARK, 1024, 768)
    const grid = { left: Math.floor(at.x / 16) * 16 - 2, top: Math.floor(at.y / 16) * 16 - 2 }
    for (let y = 0; y < before.height; y++) {
      for (let x = 0; x < before.width; x++) {
        if (x >= grid.left && y >= grid.top) continue
        const i = (y * before.width + x) * 4
        if (before.data[i] !== after.data[i] || before.data[i + 1] !== after.data[i + 1] || before.data[i + 2] !== after.data[i + 2]) {
          throw new Error(`pixel ${x},${y} changed outside the mark's blocks`)
        }
      }
    }
    expect(quantTables(marked)).toEqual(quantTables(original)) // the very same quality
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

describe('JPEG in the coefficient domain', () => {
  it('marks a 4096×4096 baseline JPEG (beyond the whole-image limit) and keeps it valid', async () => {
    const original = image(4096, 4096, 'gradient:#203040-#a0b0c0', 'jpeg')
    const marked = await mark(original)
    expect(run('jpeginfo', ['-c', file('marked-4096.jpg', marked)])).toMatch(/4096 x\s+4096\s+24bit.*OK\s*$/)
    const at = placeMark(FONT, DEFAULT_IMAGE_MARK, 4096, 4096)
    const pixels = await codecs.decode('jpeg', marked)
    const source = await codecs.decode('jpeg', original)
    const centre = ((at.y + (at.overlay.height >> 1)) * 4096 + at.x + (at.overlay.width >> 1)) * 4
    expect(Math.abs(pixels.data[centre]! - source.data[centre]!)).toBeGreaterThan(20) // the plate is there
    expect(Array.from(pixels.data.subarray(0, 4096 * 4))).toEqual(Array.from(source.data.subarray(0, 4096 * 4))) // the top row is not
  })

  it("keeps the file's own Huffman tables and copies the unchanged MCUs bit for bit when the tables allow", async () => {
    const out = file('k3-src.jpg', new Uint8Array())
    run('convert', ['-size', '1024x768', '-seed', '7', 'plasma:fractal', '-quality', '85', '-define', 'jpeg:optimize-coding=false', out])
    const original = new Uint8Array(readFileSync(out))
    const marked = await mark(original)
    const tables = (b: Uint8Array) => jpegSegments(b).segments.filter((x) => x.marker === 0xc4).map((x) => Array.from(x.payload))
    expect(tables(marked)).toEqual(tables(original))
    const data = (b: Uint8Array) => b.subarray(jpegSegments(b).scan)
    const [a, b] = [data(original), data(marked)]
    let same = 0
    while (same < a.length && a[same] === b[same]) same++
    // Everything above the mark's first MCU row is the input's own bytes.
    const at = placeMark(FONT, DEFAULT_IMAGE_MARK, 1024, 768)
    expect(same / a.length).toBeGreaterThan((Math.floor(at.y / 16) * 16) / 768 - 0.05)
    expect(run('jpeginfo', ['-c', file('k3-marked.jpg', marked)])).toMatch(/OK\s*$/)
    const { box } = await measure('jpeg', original, marked, 8)
    expect(box.top).toBeGreaterThanOrEqual(Math.floor(at.y / 16) * 16 - 2)
  })

  it('re-codes only the MCUs under the mark in files from libjpeg-turbo, mozjpeg and ImageMagick, every subsampling', async () => {
    const source = image(1024, 768, 'noise')
    const encoders: [string, () => Promise<Uint8Array>][] = [
      ['libjpeg-turbo 4:2:0', async () => new Uint8Array(await sharp(source).jpeg({ quality: 85 }).toBuffer())],
      ['libjpeg-turbo 4:4:4', async () => new Uint8Array(await sharp(source).jpeg({ quality: 85, chromaSubsampling: '4:4:4' }).toBuffer())],
      ['mozjpeg optimised tables', async () => new Uint8Array(await sharp(source).jpeg({ quality: 80, mozjpeg: true, progressive: false }).toBuffer())],
      ['ImageMagick optimised 4:2:2', async () => {
        const out = file('im-422.jpg', new Uint8Array())
        run('convert', [file('im-422-src.png', source), '-quality', '85', '-sampling-factor', '2x1', '-define', 'jpeg:optimize-coding=true', out])
        return new Uint8Array(readFileSync(out))
      }],
    ]
    const at = placeMark(FONT, DEFAULT_IMAGE_MARK, 1024, 768)
    for (const [name, encode] of encoders) {
      const original = await encode()
      const marked = await mark(original)
      expect(run('jpeginfo', ['-c', file(`enc-${name.replace(/\W/g, '')}.jpg`, marked)]), name).toMatch(/OK\s*$/)
      // Decoded by libvips: every pixel outside the mark's MCUs (16 px, and one MCU of decoder smoothing) is the input's.
      const { box } = await measure('jpeg', original, marked, 0)
      expect(box.top, name).toBeGreaterThanOrEqual(Math.floor(at.y / 16) * 16 - 16)
      expect(box.left, name).toBeGreaterThanOrEqual(Math.floor(at.x / 16) * 16 - 16)
      expect(box.right, name).toBeGreaterThan(box.left)
    }
  })

  it('codes grey JPEGs, and JPEGs with restart intervals', async () => {
    const grey = image(640, 480, 'noise', 'jpeg')
    const greyOut = file('grey.jpg', new Uint8Array())
    run('convert', [file('grey-src.jpg', grey), '-colorspace', 'gray', greyOut])
    const greySource = new Uint8Array(readFileSync(greyOut))
    const markedGrey = await mark(greySource)
    expect(run('jpeginfo', ['-c', file('grey-marked.jpg', markedGrey)])).toMatch(/640 x\s+480\s+8bit.*OK\s*$/)
    expect(quantTables(markedGrey)).toEqual(quantTables(greySource)) // coded in place, not re-encoded

    const restart = restartJpeg(64)
    expect(run('jpeginfo', ['-c', file('restart.jpg', restart)])).toMatch(/OK\s*$/)
    const marked = await mark(restart)
    expect(run('jpeginfo', ['-c', file('restart-marked.jpg', marked)])).toMatch(/64 x\s+64\s+8bit.*OK\s*$/)
    expect(quantTables(marked)).toEqual(quantTables(restart))
    const { box } = await measure('jpeg', restart, marked, 8)
    const at = placeMark(FONT, DEFAULT_IMAGE_MARK, 64, 64)
    expect(box.right).toBeGreaterThan(at.x)
    expect(box.left).toBeGreaterThanOrEqual(Math.floor(at.x / 8) * 8)
    expect(box.top).toBeGreaterThanOrEqual(Math.floor(at.y / 8) * 8)
  })

  it('marks progressive JPEGs, and every chroma sampling, in the coefficient domain with the same tables', async () => {
    const cases = [[800, '2x2', true], [2048, '2x2', true], [1000, '1x1', true], [640, '1x1', false], [640, '2x1', false], [640, '1x2', false]] as const
    for (const [size, sampling, interlaced] of cases) {
      const name = `${interlaced ? 'progressive' : 'sequential'}-${size}-${sampling}`
      const path = file(`${name}.jpg`, new Uint8Array())
      run('convert', ['-size', `${size}x${size}`, '-seed', '5', 'plasma:fractal', '-quality', '80', '-sampling-factor', sampling, ...(interlaced ? ['-interlace', 'JPEG'] : []), path])
      const progressive = new Uint8Array(readFileSync(path))
      expect(jpegSegments(progressive).segments.some((s) => s.marker === 0xc2), name).toBe(interlaced)
      const marked = await mark(progressive)
      expect(run('jpeginfo', ['-c', file(`${name}-marked.jpg`, marked)]), name).toMatch(/OK\s*$/)
      expect(quantTables(marked), name).toEqual(quantTables(progressive))
      expect(jpegSegments(marked).segments.some((s) => s.marker === 0xc0), name).toBe(true)
      // Decoded, the file is the same picture outside the mark's blocks.
      const [a, b] = [await codecs.decode('jpeg', progressive), await codecs.decode('jpeg', marked)]
      const at = placeMark(FONT, DEFAULT_IMAGE_MARK, size, size)
      let worst = 0
      for (let y = 0; y < Math.floor(at.y / 16) * 16 - 2; y++) {
        for (let x = 0; x < size; x++) {
          const i = (y * size + x) * 4
          worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!), Math.abs(a.data[i + 1]! - b.data[i + 1]!), Math.abs(a.data[i + 2]! - b.data[i + 2]!))
        }
      }
      expect(worst, name).toBe(0)
      const { box } = await measure('jpeg', progressive, marked, 30)
      expect(box.right, name).toBeGreaterThan(at.x) // the mark is there
    }
  })

  it('refuses a progressive JPEG whose coefficients would not fit the isolate', async () => {
    const path = file('progressive-large.jpg', new Uint8Array())
    run('convert', ['-size', '4096x4096', 'gradient:red-blue', '-sampling-factor', '1x1', '-interlace', 'JPEG', path])
    await expect(mark(new Uint8Array(readFileSync(path)))).rejects.toThrow(/64 MB of coefficients/)
  })
})

const quantTables = (bytes: Uint8Array) =>
  jpegSegments(bytes)
    .segments.filter((s) => s.marker === 0xdb)
    .map((s) => Array.from(s.payload))

/**
 * A mid-grey 8-bit grey JPEG with a restart marker after every block, written by hand from
 * the standard (not by our encoder): Annex K tables; each block is DC category 0 ("00") and
 * end-of-block ("1010"), padded with ones: 0x2B.
 */
function restartJpeg(size: number): Uint8Array {
  const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body]
  const dcCounts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
  const acCounts = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d]
  const acSymbols = [0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa]
  const blocks = (size / 8) ** 2
  const data: number[] = []
  for (let i = 0; i < blocks; i++) data.push(0x2b, ...(i < blocks - 1 ? [0xff, 0xd0 + (i % 8)] : []))
  return Uint8Array.from([
    0xff, 0xd8,
    ...segment(0xdb, [0x00, ...Array(64).fill(4)]),
    ...segment(0xc0, [8, size >> 8, size & 255, size >> 8, size & 255, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...dcCounts, ...Array.from({ length: 12 }, (_, i) => i), 0x10, ...acCounts, ...acSymbols]),
    ...segment(0xdd, [0, 1]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...data,
    0xff, 0xd9,
  ])
}

describe('GIF, frame by frame', () => {
  it('marks every frame of an animated GIF legibly, keeping its delays and loop', async () => {
    const out = file('anim-src.gif', new Uint8Array())
    run('convert', ['-seed', '1', '-delay', '30', '-size', '640x480', 'xc:#d0e0f0', 'xc:#202020', 'plasma:fractal', '-loop', '0', out])
    const original = new Uint8Array(readFileSync(out))
    const marked = file('anim-marked.gif', await mark(original))
    expect(run('identify', ['-format', '%T %wx%h\n', marked])).toBe(run('identify', ['-format', '%T %wx%h\n', out]))
    const at = placeMark(FONT, DEFAULT_IMAGE_MARK, 640, 480)
    const inset = Math.round(at.overlay.height / 10)
    const geometry = `${at.overlay.width - 2 * inset}x${at.overlay.height - 2 * inset}+${at.x + inset}+${at.y + inset}`
    for (let frame = 0; frame < 3; frame++) {
      const crop = file(`anim-frame-${frame}.png`, new Uint8Array())
      run('convert', [`${marked}[${frame}]`, '-crop', geometry, '+repage', '-colorspace', 'gray', '-resize', '200%', crop])
      expect(run('tesseract', [crop, '-', '-l', 'chi_sim', '--psm', '7']).replace(/\s/g, ''), `frame ${frame}`).toMatch(/^A[Il1|]生成$/)
    }
    expect(exiftool(marked)['XMP-TC260:Aigc']).toBe('{"Label":"1"}')
  })

  it('refuses a GIF with a frame that does not cover the mark', async () => {
    const out = file('partial.gif', new Uint8Array())
    run('convert', ['-size', '320x240', 'xc:white', '(', '-size', '40x40', 'xc:red', '-repage', '+10+10', ')', out])
    await expect(mark(new Uint8Array(readFileSync(out)))).rejects.toThrow(/frame 2 does not cover the mark/)
  })
})

describe('tesseract reads the mark', () => {
  const cases = [['light', 'white', 'png'], ['dark', 'black', 'png'], ['noisy', 'noise', 'png'], ['noisy JPEG', 'noise', 'jpeg']] as const
  for (const [name, fill, format] of cases) {
    it(`on a ${name} image`, async () => {
      const original = image(1024, 768, fill, format)
      const marked = await mark(original)
      const at = placeMark(FONT, DEFAULT_IMAGE_MARK, 1024, 768)
      const crop = file(`ocr-${name.replace(' ', '-')}.${format === 'png' ? 'png' : 'jpg'}`, marked)
      const out = file(`ocr-${name.replace(' ', '-')}-crop.png`, new Uint8Array())
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
    for (const name of ['mark.png', 'mark.jpg', 'mark.webp', 'mark-ll.webp', 'photo.jpg', 'icc.webp']) {
      const { bytes: out } = await labelFile(fixture(name), formatFor(fixture(name)), label, { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs })
      expect(readLabels(out)).toHaveLength(1)
      const tags = exiftool(file(`labelled-${name}`, out))
      expect(tags['XMP-TC260:Aigc'], name).toContain('"ProduceID":"marked-1"')
      if (name === 'icc.webp') {
        // Re-encoded, and still in the source's colour space.
        expect(tags['ICC_Profile:ProfileDescription']).toBe('Artifex Software sRGB ICC Profile')
        expect(run('webpmux', ['-info', file(`info-${name}`, out)])).toMatch(/Features present: ICC profile XMP/)
      }
      if (name === 'photo.jpg') {
        expect(tags['IFD0:Make']).toBe('FixtureCam')
        expect(tags['ICC_Profile:ProfileDescription']).toBe('Artifex Software sRGB ICC Profile')
        expect(tags['XMP-dc:Creator']).toBe('Fixture Artist')
      }
    }
  })
})
