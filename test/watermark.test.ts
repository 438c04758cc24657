import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { markContext } from '../src/image/runtime'
import { createTenant, gateway, type TestTenant } from './helpers'

const codecs = markContext(undefined).codecs

/** A photo-like 640×480 picture: value noise at three scales, bilinearly smoothed. */
function photo(seed: number, width = 640, height = 480): Uint8ClampedArray {
  let s = seed
  const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32
  const data = new Uint8ClampedArray(width * height * 4)
  const layers = [8, 32, 96].map((cell) => {
    const cw = Math.ceil(width / cell) + 2
    const grid = Float64Array.from({ length: cw * (Math.ceil(height / cell) + 2) * 3 }, rand)
    return { cell, cw, grid }
  })
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    for (let c = 0; c < 3; c++) {
      let v = 0
      for (const [k, { cell, cw, grid }] of layers.entries()) {
        const gx = x / cell
        const gy = y / cell
        const x0 = Math.floor(gx)
        const y0 = Math.floor(gy)
        const at = (i: number, j: number) => grid[((y0 + j) * cw + x0 + i) * 3 + c]!
        const fx = gx - x0
        const fy = gy - y0
        const value = (at(0, 0) * (1 - fx) + at(1, 0) * fx) * (1 - fy) + (at(0, 1) * (1 - fx) + at(1, 1) * fx) * fy
        v += value * [0.2, 0.35, 0.45][k]!
      }
      data[(y * width + x) * 4 + c] = v * 255
    }
    data[(y * width + x) * 4 + 3] = 255
  }
  return data
}

const png = (seed: number) => codecs.encodePng({ width: 640, height: 480, data: photo(seed) })
const jpeg = (seed: number) => codecs.encodeJpeg({ width: 640, height: 480, data: photo(seed) }, 92)

function label(t: TestTenant, body: Uint8Array, query = '') {
  return gateway(`/v1/aigc/label${query}`, { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body })
}

interface Report {
  labelled: boolean
  labels: unknown[]
  propagate?: { state: string }
  watermark?: { scheme: string; present: boolean; score: number; pValue: number; payloadVerified: boolean; record?: Record<string, string> }
}

async function detect(t: TestTenant, body: Uint8Array): Promise<Report> {
  const res = await gateway('/v1/aigc/detect', { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body })
  expect(res.status).toBe(200)
  return res.json()
}

/** What a platform does to an upload: decoded and encoded again by another encoder setting, metadata gone. */
async function reencodeAsJpeg(bytes: Uint8Array, format: 'png' | 'jpeg', quality: number): Promise<Uint8Array> {
  return codecs.encodeJpeg(await codecs.decode(format, bytes), quality)
}

// Each case decodes and scans whole images in workerd: seconds on a loaded machine.
describe('the invisible watermark through /v1/aigc/label and /v1/aigc/detect', { timeout: 30_000 }, () => {
  for (const [name, make, format] of [['PNG', png, 'png'], ['JPEG', jpeg, 'jpeg']] as const) {
    it(`resolves a ${name} whose metadata was stripped to the exact label record`, async () => {
      const t = await createTenant()
      const res = await label(t, await make(3))
      expect(res.status).toBe(200)
      const labelled = new Uint8Array(await res.arrayBuffer())
      const written = readLabels(labelled)[0]!.label!
      const stripped = await reencodeAsJpeg(labelled, format, 80)
      expect(readLabels(stripped)).toHaveLength(0)
      const report = await detect(t, stripped)
      expect(report.labels).toHaveLength(0)
      expect(report.labelled).toBe(true)
      expect(report.watermark).toMatchObject({ scheme: 'aigc-tile-ss/1', present: true, payloadVerified: true })
      expect(report.watermark!.record).toEqual(written)
      // With the metadata still there, the two agree.
      const both = await detect(t, labelled)
      expect(both.watermark?.record?.ProduceID).toBe(written.ProduceID)
    })
  }

  it('leaves the pixels bit-exact with mark=implicit', async () => {
    const t = await createTenant()
    const input = await png(4)
    const out = new Uint8Array(await (await label(t, input, '?mark=implicit')).arrayBuffer())
    const [a, b] = await Promise.all([codecs.decode('png', input), codecs.decode('png', out)])
    expect(b.data.every((v, i) => v === a.data[i])).toBe(true)
    expect((await detect(t, out)).watermark?.present).toBe(false)
  })

  it('takes mark=implicit,watermark without the visible mark, and a tenant can turn the default off', async () => {
    const t = await createTenant({ labels: { image: { watermark: false } } })
    const input = await png(5)
    const plain = await reencodeAsJpeg(new Uint8Array(await (await label(t, input)).arrayBuffer()), 'png', 85)
    expect((await detect(t, plain)).watermark?.present).toBe(false)
    const marked = await reencodeAsJpeg(new Uint8Array(await (await label(t, input, '?mark=implicit,watermark')).arrayBuffer()), 'png', 85)
    expect((await detect(t, marked)).watermark).toMatchObject({ present: true, payloadVerified: true })
  })

  it('claims nothing on unmarked photos, their re-encodes, noise and gradients', async () => {
    const t = await createTenant()
    const noise = new Uint8ClampedArray(256 * 256 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 2654435761) >>> 24))
    const gradient = new Uint8ClampedArray(256 * 256 * 4).map((_, i) => (i % 4 === 3 ? 255 : ((i >> 2) % 256)))
    const images = [await png(6), await jpeg(7), await reencodeAsJpeg(await png(8), 'png', 60)]
    for (const data of [noise, gradient]) images.push(await codecs.encodePng({ width: 256, height: 256, data }))
    for (const image of images) {
      const report = await detect(t, image)
      expect(report.labelled).toBe(false)
      expect(report.watermark).toMatchObject({ present: false, payloadVerified: false })
      expect(report.propagate).toBeUndefined()
    }
  })
})
