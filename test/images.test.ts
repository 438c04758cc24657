import { zlibSync } from 'fflate'
import { GifReader } from 'omggif'
import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { concat } from '../src/formats/bytes'
import { pngChunks } from '../src/formats/png'
import { markContext } from '../src/image/runtime'
import { DEFAULT_IMAGE_MARK } from '../src/label/image-mark'
import { fixture } from './fixtures'
import { admin, createTenant, gateway, openai, type TestTenant } from './helpers'

const codecs = markContext(DEFAULT_IMAGE_MARK).codecs
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))

/** Indexes of pixels that differ between two decoded images of one size. */
async function changedPixels(format: 'png' | 'jpeg' | 'webp', a: Uint8Array, b: Uint8Array, tolerance = 0) {
  const [x, y] = await Promise.all([codecs.decode(format, a), codecs.decode(format, b)])
  expect([y.width, y.height]).toEqual([x.width, x.height])
  const changed: { x: number; y: number }[] = []
  for (let i = 0; i < x.data.length; i += 4) {
    const d = Math.max(...[0, 1, 2, 3].map((k) => Math.abs(x.data[i + k]! - y.data[i + k]!)))
    if (d > tolerance) changed.push({ x: (i / 4) % x.width, y: Math.floor(i / 4 / x.width) })
  }
  return { changed, width: x.width, height: x.height }
}

function label(t: TestTenant, body: Uint8Array, query = '', type?: string) {
  return gateway(`/v1/aigc/label${query}`, { method: 'POST', headers: { authorization: `Bearer ${t.key}`, ...(type ? { 'content-type': type } : {}) }, body })
}

describe('POST /v1/aigc/label', () => {
  it('puts the visible mark in the bottom-right corner and exactly one implicit label on PNG, JPEG and WebP', async () => {
    const t = await createTenant()
    for (const [name, format] of [['mark.png', 'png'], ['mark.jpg', 'jpeg'], ['mark.webp', 'webp'], ['mark-ll.webp', 'webp']] as const) {
      // The visible mark alone: the default marks add the watermark over every pixel (test/watermark.test.ts).
      const res = await label(t, fixture(name), '?mark=explicit,implicit')
      expect(res.status, name).toBe(200)
      const out = new Uint8Array(await res.arrayBuffer())
      const found = readLabels(out)
      expect(found).toHaveLength(1)
      expect(found[0]!.label?.ProduceID).toBe(res.headers.get('x-aigc-produce-id'))
      expect(res.headers.get('x-aigc-explicit')).toBe('applied')
      const { changed, width, height } = await changedPixels(format, fixture(name), out, format === 'png' ? 0 : 24)
      expect(changed.length, name).toBeGreaterThan(100)
      // Changes sit in the bottom-right region; for the lossy formats allow codec noise elsewhere to be tiny.
      const inCorner = changed.filter((p) => p.x > width / 2 && p.y > height * 0.6).length
      expect(inCorner / changed.length, name).toBeGreaterThan(format === 'png' ? 0.999 : 0.95)
    }
  })

  it('keeps the PNG colour type, bit depth and ancillary chunks, and WebP lossless stays lossless', async () => {
    const t = await createTenant()
    const original = fixture('plain.png') // 16-bit RGB with iCCP, cHRM, tEXt…
    const out = new Uint8Array(await (await label(t, original)).arrayBuffer())
    const types = (b: Uint8Array) => pngChunks(b).map((c) => c.type).filter((c) => c !== 'IDAT' && c !== 'iTXt')
    expect(types(out)).toEqual(types(original))
    expect(pngChunks(out)[0]!.data).toEqual(pngChunks(original)[0]!.data)
    const ll = new Uint8Array(await (await label(t, fixture('mark-ll.webp'))).arrayBuffer())
    expect(new TextDecoder().decode(ll.subarray(0, 64))).toContain('VP8L')
  })

  it('writes only the implicit label with mark=implicit: pixels untouched', async () => {
    const t = await createTenant()
    const res = await label(t, fixture('mark.png'), '?mark=implicit')
    const out = new Uint8Array(await res.arrayBuffer())
    expect(res.headers.get('x-aigc-explicit')).toBe('omitted')
    const idat = (b: Uint8Array) => pngChunks(b).filter((c) => c.type === 'IDAT').map((c) => Array.from(c.data).join())
    expect(idat(out)).toEqual(idat(fixture('mark.png')))
    expect(readLabels(out)).toHaveLength(1)
  })

  it('marks a sequential JPEG beyond the whole-image limit in place (3000×2000)', async () => {
    const t = await createTenant()
    const [width, height] = [3000, 2000]
    const data = new Uint8ClampedArray(width * height * 4)
    for (let i = 0; i < data.length; i += 4) data.set([(i >> 4) & 255, 90, 160, 255], i)
    const source = await codecs.encodeJpeg({ width, height, data }, 80)
    const res = await label(t, source)
    expect(res.status).toBe(200)
    const out = new Uint8Array(await res.arrayBuffer())
    expect(readLabels(out)).toHaveLength(1)
    const decoded = await codecs.decode('jpeg', out)
    expect([decoded.width, decoded.height]).toEqual([width, height])
    const original = await codecs.decode('jpeg', source)
    const differs = (x: number, y: number) => Math.abs(decoded.data[(y * width + x) * 4]! - original.data[(y * width + x) * 4]!) > 30
    expect(differs(width - 150, height - 60)).toBe(true) // under the plate, bottom-right
    expect(differs(10, 10)).toBe(false)
  }, 30_000) // encodes and decodes a 6 MP JPEG in wasm: correctness, not speed (speed is in npm run bench)

  it('marks every frame of a GIF and keeps its timing and loop blocks', async () => {
    const t = await createTenant()
    const source = fixture('anim.gif')
    const res = await label(t, source)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-aigc-explicit')).toBe('applied')
    const out = new Uint8Array(await res.arrayBuffer())
    expect(readLabels(out)).toHaveLength(1)
    const [before, after] = [new GifReader(source), new GifReader(out)]
    expect(after.numFrames()).toBe(before.numFrames())
    expect(after.loopCount()).toBe(before.loopCount())
    for (let i = 0; i < before.numFrames(); i++) {
      expect(after.frameInfo(i).delay).toBe(before.frameInfo(i).delay)
      const [a, b] = [new Uint8Array(48 * 32 * 4), new Uint8Array(48 * 32 * 4)]
      before.decodeAndBlitFrameRGBA(i, a)
      after.decodeAndBlitFrameRGBA(i, b)
      const changed = [...Array(48 * 32).keys()].filter((p) => a[p * 4] !== b[p * 4] || a[p * 4 + 1] !== b[p * 4 + 1] || a[p * 4 + 2] !== b[p * 4 + 2])
      expect(changed.length, `frame ${i}`).toBeGreaterThan(0)
      // Only the bottom-right corner, where the mark goes.
      expect(changed.every((p) => p % 48 >= 24 && Math.floor(p / 48) >= 16), `frame ${i}`).toBe(true)
    }
  })

  it('refuses bad input with a clear 4xx', async () => {
    const t = await createTenant()
    const cases: [Uint8Array, string, string | undefined, number, RegExp][] = [
      [new TextEncoder().encode('%!PS-Adobe-3.0 not an image'), '', undefined, 415, /unsupported file type/],
      [fixture('mark.png'), '', 'image/jpeg', 415, /Content-Type says image\/jpeg/],
      [fixture('mark.png').slice(0, 200), '', undefined, 422, /truncated|ends early|IEND/],
      [fixture('anim.png'), '', undefined, 422, /animated PNG/],
      [fixture('mark.png'), '?mark=visible', undefined, 400, /unknown mark/],
      [hugePng(100_000, 100_000), '', undefined, 413, /exceeds the image_strip_pixels limit/],
      [bombPng(), '', undefined, 422, /longer than its header says/],
    ]
    for (const [body, query, type, status, message] of cases) {
      const res = await label(t, body, query, type)
      expect(res.status, String(message)).toBe(status)
      expect(((await res.json()) as any).error.message).toMatch(message)
    }
    expect((await gateway('/v1/aigc/nothing', { headers: { authorization: `Bearer ${t.key}` } })).status).toBe(404)
    // GIF with the implicit label only is fine.
    expect((await label(t, fixture('anim.gif'), '?mark=implicit')).status).toBe(200)
  })
})

describe('/v1/images through the official SDK', () => {
  it('labels b64_json images in place, each with its own ProduceID', async () => {
    const t = await createTenant()
    const { data, response } = await openai(t.key).images.generate({ model: 'mark.png', prompt: '猫', n: 2 }).withResponse()
    const ids = response.headers.get('x-aigc-produce-id')!.split(', ')
    expect(ids).toHaveLength(2)
    for (const [i, item] of data.data!.entries()) {
      const bytes = fromB64(item.b64_json!)
      expect(readLabels(bytes)[0]!.label?.ProduceID).toBe(ids[i])
      expect((item as any).aigc.ProduceID).toBe(ids[i])
      expect((await changedPixels('png', fixture('mark.png'), bytes)).changed.length).toBeGreaterThan(100)
    }
  })

  it('replaces upstream URLs with signed gateway URLs to the labelled file, which expire', async () => {
    const t = await createTenant()
    const result = await openai(t.key).images.generate({ model: 'mark.jpg', prompt: 'x', response_format: 'url' })
    const url = new URL(result.data![0]!.url!)
    expect(url.pathname).toMatch(/^\/files\//)
    const file = await gateway(url.pathname + url.search)
    expect(file.headers.get('content-type')).toBe('image/jpeg')
    const bytes = new Uint8Array(await file.arrayBuffer())
    expect(readLabels(bytes)).toHaveLength(1)
    const forged = new URL(url)
    forged.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600))
    expect((await gateway(forged.pathname + forged.search)).status).toBe(403)
    const expired = new URL(url)
    expired.searchParams.set('expires', '1000')
    expect((await gateway(expired.pathname + expired.search)).status).toBe(403)
  })

  it('labels every partial and final image of a stream', async () => {
    const t = await createTenant()
    const stream = await openai(t.key).images.generate({ model: 'mark.png', prompt: 'x', stream: true, partial_images: 2 } as any)
    const events: any[] = []
    for await (const e of stream as any) events.push(e)
    expect(events.map((e) => e.type)).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed'])
    for (const e of events) expect(readLabels(fromB64(e.b64_json))).toHaveLength(1)
  })

  it('labels edits sent as multipart', async () => {
    const t = await createTenant()
    const file = new File([fixture('mark.png')], 'in.png', { type: 'image/png' })
    const result = await openai(t.key).images.edit({ model: 'mark.webp', image: file, prompt: 'x' })
    expect(readLabels(fromB64(result.data![0]!.b64_json!))).toHaveLength(1)
  })

  it('refuses to deliver an upstream image it cannot mark', async () => {
    const t = await createTenant()
    const error = await openai(t.key).images.generate({ model: 'anim.png', prompt: 'x' }).catch((e) => e)
    expect(error.status).toBe(502)
    expect(error.message).toMatch(/could not be labelled/)
  })

  it('leaves the visible mark off under an unmark grant, keeps the implicit label and logs the delivery', async () => {
    const t = await createTenant({ unmark: { allowed: true, agreementVersion: 'v1', autoApprove: true } })
    const grant = (await (await gateway('/v1/aigc/unmark-grants', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'u', purpose: 'p', agreementVersion: 'v1', acceptedAt: new Date().toISOString() }),
    })).json()) as any
    const { data, response } = await openai(t.key)
      .images.generate({ model: 'mark.png', prompt: 'x' }, { headers: { 'X-AIGC-Unmark': grant.id, 'X-AIGC-User': 'u' } })
      .withResponse()
    expect(response.headers.get('x-aigc-explicit')).toBe('omitted')
    const bytes = fromB64(data.data![0]!.b64_json!)
    expect((await changedPixels('png', fixture('mark.png'), bytes)).changed).toEqual([])
    expect(readLabels(bytes)).toHaveLength(1)
    const log = await (await admin('GET', `/tenants/${t.id}/unmark-log`)).text()
    expect(log).toContain('"contentKind":"image"')
  })
})

/**
 * A decompression bomb: a 64×64 header over 4 MB of zeros squeezed into a few kilobytes.
 * The strip decoder stops at the first row past the header's height.
 */
function bombPng(): Uint8Array {
  const data = zlibSync(new Uint8Array(4 * 1024 * 1024), { level: 9 })
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length)
    const view = new DataView(out.buffer)
    view.setUint32(0, body.length)
    out.set(new TextEncoder().encode(type), 4)
    out.set(body, 8)
    let c = 0xffffffff
    for (const b of out.subarray(4, 8 + body.length)) {
      c ^= b
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    }
    view.setUint32(8 + body.length, (c ^ 0xffffffff) >>> 0)
    return out
  }
  const ihdr = new Uint8Array(13)
  new DataView(ihdr.buffer).setUint32(0, 64)
  new DataView(ihdr.buffer).setUint32(4, 64)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', data), chunk('IEND', new Uint8Array())]
  return concat(parts)
}

/** A PNG whose header claims a huge size over a tiny image stream. */
function hugePng(width: number, height: number): Uint8Array {
  const png = fixture('mark.png').slice()
  const ihdr = pngChunks(png)[0]!
  const view = new DataView(png.buffer, png.byteOffset)
  view.setUint32(ihdr.start + 8, width)
  view.setUint32(ihdr.start + 12, height)
  let c = 0xffffffff
  for (const b of png.subarray(ihdr.start + 4, ihdr.start + 21)) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  }
  view.setUint32(ihdr.start + 21, (c ^ 0xffffffff) >>> 0)
  return png
}
