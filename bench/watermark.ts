/**
 * The invisible watermark: its cost on the visible-mark path in workerd (POST
 * /v1/aigc/label with the default marks vs mark=explicit,implicit), detect of a 4 MP image
 * through /v1/aigc/detect, and the false-presence score distribution of the core on a
 * large set of unmarked images (Node), against PRESENCE_Z.
 */
import sharp from 'sharp'
import { detectWatermark, PRESENCE_Z } from '../src/watermark'
import { fmt, median } from './stats'
import { makeImage, post, startWorkerd, timed } from './workerd'

/** Photo-like RGB: noise at three scales, resized smoothly, seeded. */
async function photo(width: number, height: number, seed: number): Promise<sharp.Sharp> {
  let s = seed
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32
  const layers = await Promise.all(
    [4, 16, 64].map((cell) => {
      const cw = Math.ceil(width / cell)
      const ch = Math.ceil(height / cell)
      const raw = Buffer.from(Array.from({ length: cw * ch * 3 }, () => Math.floor(rand() * 256)))
      return sharp(raw, { raw: { width: cw, height: ch, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).raw().toBuffer()
    }),
  )
  const out = Buffer.alloc(width * height * 3)
  for (let i = 0; i < out.length; i++) out[i] = 0.15 * layers[0]![i]! + 0.35 * layers[1]![i]! + 0.5 * layers[2]![i]!
  return sharp(out, { raw: { width, height, channels: 3 } })
}

const UNMARKED_SET = 2000

/** Scores of unmarked photos (and their JPEG Q75 re-encodes and 0.7× resizes) under a key none of them carries. */
async function falsePresence(): Promise<string[]> {
  const key = new Uint8Array(32).map((_, i) => (i * 131 + 7) & 255)
  const scores: number[] = []
  let payloads = 0
  for (let seed = 1; scores.length < UNMARKED_SET; seed++) {
    const base = await photo(384, 288, seed)
    const variant = seed % 3 === 0 ? base : seed % 3 === 1 ? sharp(await base.jpeg({ quality: 75 }).toBuffer()) : sharp(await base.resize(269).png().toBuffer())
    const { data, info } = await variant.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
    const reading = detectWatermark(data, info.width, info.height, [key])
    scores.push(reading.score)
    if (reading.payload) payloads++
  }
  scores.sort((a, b) => a - b)
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length
  const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length)
  // The null maximum is close to Gaussian above its mean: the tail at PRESENCE_Z by that fit.
  const z = (PRESENCE_Z - mean) / sd
  const tail = Math.exp((-z * z) / 2) / (z * Math.sqrt(2 * Math.PI))
  return [
    `Unmarked set (Node, core): ${scores.length} photo-like images (384×288, a third re-encoded JPEG Q75, a third resized 0.7×), one key:`,
    `  pilot score mean ${fmt(mean)}, sd ${fmt(sd)}, median ${fmt(median(scores))}, max ${fmt(scores.at(-1)!)}; threshold PRESENCE_Z = ${PRESENCE_Z} ` +
      `is ${fmt(z)} sd above the mean (Gaussian tail ≈ ${tail.toExponential(1)} a image); payloads decoded: ${payloads}`,
  ]
}

export async function watermarkBench(): Promise<string[]> {
  const lines = ['Watermark in workerd: POST /v1/aigc/label with the default marks (visible + watermark + implicit) vs mark=explicit,implicit, median:']
  const inputs: [string, Uint8Array, string][] = []
  for (const size of [1024, 4096]) {
    for (const kind of ['jpeg', 'png'] as const) inputs.push([`${size}² ${kind.toUpperCase()}`, await makeImage(size, size, kind, false), `image/${kind}`])
  }
  // The largest image detect decodes whole (image_decoded_pixels): 1536², 2.4 MP.
  const fourMp = new Uint8Array(await (await photo(1536, 1536, 5)).jpeg({ quality: 90 }).toBuffer())
  const w = await startWorkerd()
  const auth = { authorization: `Bearer ${w.key}` }
  try {
    const label = (bytes: Uint8Array, type: string, query: string) => () => post(`${w.gateway}/v1/aigc/label${query}`, bytes, { ...auth, 'content-type': type })
    for (const [name, bytes, type] of inputs) {
      const t = await timed(name.startsWith('4096') ? 3 : 7, { visible: label(bytes, type, '?mark=explicit,implicit'), watermarked: label(bytes, type, '') })
      lines.push(`  ${name.padEnd(10)} visible ${fmt(t.visible, 0).padStart(6)} ms, with watermark ${fmt(t.watermarked, 0).padStart(6)} ms: ${fmt(t.watermarked / t.visible)}× (goal ≤ 1.30×)`)
    }
    const marked = await post(`${w.gateway}/v1/aigc/label`, fourMp, { ...auth, 'content-type': 'image/jpeg' })
    const stripped = new Uint8Array(await sharp(marked).jpeg({ quality: 85 }).toBuffer())
    const detect = (bytes: Uint8Array) => () => post(`${w.gateway}/v1/aigc/detect`, bytes, { ...auth, 'content-type': 'image/jpeg' })
    const d = await timed(5, { unmarked: detect(fourMp), marked: detect(stripped) })
    lines.push(`  detect of a 1536² (2.4 MP) JPEG: unmarked ${fmt(d.unmarked, 0)} ms, watermarked + re-encoded by sharp ${fmt(d.marked, 0)} ms (goal < 500 ms; includes the JPEG decode)`)
  } finally {
    await w.dispose()
  }
  return [...lines, '', ...(await falsePresence())]
}
