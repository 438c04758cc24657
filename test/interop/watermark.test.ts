import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { detectWatermark, embedWatermark } from '../../src/watermark'

const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 255)
const OTHER_KEY = new Uint8Array(32).map((_, i) => (i * 91 + 3) & 255)
const PAYLOAD = Uint8Array.from({ length: 48 }, (_, i) => ((i * 7) >> 2) & 1)

/** A natural-looking 1024×768 picture: ImageMagick-like plasma made by sharp from noise, blurred at several scales. */
async function photo(seed: number): Promise<Uint8Array> {
  const w = 1024
  const h = 768
  let s = seed
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32)
  const layers = await Promise.all([4, 16, 64].map(async (cell) => {
    const cw = Math.ceil(w / cell)
    const ch = Math.ceil(h / cell)
    const raw = Buffer.from(Array.from({ length: cw * ch * 3 }, () => Math.floor(rand() * 256)))
    return sharp(raw, { raw: { width: cw, height: ch, channels: 3 } }).resize(w, h, { kernel: 'cubic' }).raw().toBuffer()
  }))
  const out = Buffer.alloc(w * h * 3)
  for (let i = 0; i < out.length; i++) out[i] = 0.15 * layers[0]![i]! + 0.35 * layers[1]![i]! + 0.5 * layers[2]![i]!
  return new Uint8Array(await sharp(out, { raw: { width: w, height: h, channels: 3 } }).ensureAlpha().raw().toBuffer())
}

async function read(image: sharp.Sharp) {
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return detectWatermark(data, info.width, info.height, [OTHER_KEY, KEY])
}

const raw = (rgba: Uint8Array, w = 1024, h = 768) => sharp(Buffer.from(rgba), { raw: { width: w, height: h, channels: 4 } })

function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0
  let n = 0
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) (sum += (a[i]! - b[i]!) ** 2), n++
  return 10 * Math.log10((255 * 255) / (sum / n))
}

const ATTACKS: [string, (img: () => sharp.Sharp) => Promise<sharp.Sharp>][] = [
  ['PNG', async (i) => sharp(await i().png().toBuffer())],
  ['JPEG Q90', async (i) => sharp(await i().jpeg({ quality: 90 }).toBuffer())],
  ['JPEG Q75', async (i) => sharp(await i().jpeg({ quality: 75 }).toBuffer())],
  ['JPEG Q50', async (i) => sharp(await i().jpeg({ quality: 50 }).toBuffer())],
  ['WebP', async (i) => sharp(await i().webp({ quality: 80 }).toBuffer())],
  ['resize 0.5', async (i) => sharp(await i().resize(512).png().toBuffer())],
  ['resize 0.75', async (i) => sharp(await i().resize(768).png().toBuffer())],
  ['resize 1.5', async (i) => sharp(await i().resize(1536).png().toBuffer())],
  ['crop 10%', async (i) => sharp(await i().extract({ left: 102, top: 77, width: 820, height: 614 }).png().toBuffer())],
  ['crop 25%', async (i) => sharp(await i().extract({ left: 256, top: 192, width: 512, height: 384 }).png().toBuffer())],
  ['brightness/saturation', async (i) => sharp(await i().modulate({ brightness: 1.1, saturation: 1.3 }).png().toBuffer())],
  ['crop + 0.5 + Q75', async (i) => sharp(await sharp(await i().extract({ left: 102, top: 77, width: 820, height: 614 }).png().toBuffer()).resize(410).jpeg({ quality: 75 }).toBuffer())],
  ['long side 720 + Q75', async (i) => sharp(await i().resize(720).jpeg({ quality: 75 }).toBuffer())],
]

describe('watermark core', async () => {
  const original = await photo(7)
  const marked = original.slice()
  embedWatermark(marked, 1024, 768, KEY, PAYLOAD)

  it('costs at most the PSNR budget', () => {
    expect(psnr(original, marked)).toBeGreaterThanOrEqual(38)
  })

  it('changes a flat graphic by at most 2 levels a pixel, and still carries the payload', async () => {
    // Two flat colours and a hard edge, like a generated logo: no texture to hide in.
    const flat = Uint8Array.from({ length: 1024 * 768 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i >> 2) % 1024 < 512 ? 40 : 200))
    const markedFlat = flat.slice()
    embedWatermark(markedFlat, 1024, 768, KEY, PAYLOAD)
    let flatChange = 0
    for (let i = 0; i < flat.length; i++) if (Math.abs(((i >> 2) % 1024) - 512) > 8) flatChange = Math.max(flatChange, Math.abs(markedFlat[i]! - flat[i]!))
    expect(flatChange).toBeLessThanOrEqual(2) // away from the edge, which takes more
    const reading = await read(sharp(await raw(markedFlat).png().toBuffer()))
    expect(Array.from(reading.payload ?? [])).toEqual(Array.from(PAYLOAD))
  })

  for (const [name, attack] of ATTACKS) {
    it(`gives the exact payload back after ${name} (sharp)`, async () => {
      const reading = await read(await attack(() => raw(marked)))
      expect(reading.present).toBe(true)
      expect(reading.keyIndex).toBe(1)
      expect(Array.from(reading.payload ?? [])).toEqual(Array.from(PAYLOAD))
    })
  }

  it('claims nothing on unmarked photos, their re-encodes and crops, noise and gradients', async () => {
    const scores: number[] = []
    for (const seed of [1, 2, 3]) {
      const img = await photo(seed)
      for (const [, attack] of ATTACKS.slice(0, 6)) {
        const reading = await read(await attack(() => raw(img)))
        scores.push(reading.score)
        expect(reading.present).toBe(false)
        expect(reading.payload).toBeUndefined()
      }
    }
    const noise = Uint8Array.from({ length: 512 * 512 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 2654435761) >>> 24))
    const gradient = Uint8Array.from({ length: 512 * 512 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i >> 2) % 512 >> 1))
    for (const img of [noise, gradient]) expect((await read(raw(img, 512, 512))).present).toBe(false)
  })
})
