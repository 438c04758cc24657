import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { createTenant, gateway, PROVIDER, type TestTenant } from './helpers'

const video = (name: string) => fixture(name, env.VIDEO_FIXTURES)
const post = (t: TestTenant, path: string, body: Uint8Array) =>
  gateway(path, { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body })

describe('MP4 / MOV / M4A through /v1/aigc/label, /detect and /propagate', () => {
  it('refuses a visible mark it cannot make instead of returning a file without one', async () => {
    const t = await createTenant()
    for (const path of ['/v1/aigc/label', '/v1/aigc/propagate?state=declared&mark=explicit']) {
      const res = await post(t, path, video('faststart.mp4'))
      expect(res.status, path).toBe(422)
      expect(((await res.json()) as { error: { param: string; code: string } }).error).toMatchObject({ param: 'mark', code: 'unsupported_format' })
    }
  })

  for (const [name, mime] of [['faststart.mp4', 'video/mp4'], ['moov-last.mp4', 'video/mp4'], ['clip.mov', 'video/quicktime'], ['audio.m4a', 'audio/mp4']] as const) {
    it(`${name}: implicit label signed over the media, detected valid, broken by an edit`, async () => {
      const t = await createTenant()
      const res = await post(t, '/v1/aigc/label?mark=implicit', video(name))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(mime)
      expect(res.headers.get('x-aigc-explicit')).toBe('omitted')
      const out = new Uint8Array(await res.arrayBuffer())
      const report = (await (await post(t, '/v1/aigc/detect', out)).json()) as any
      expect(report).toMatchObject({ labelled: true, labels: [{ fields: { ContentProducer: PROVIDER } }] })
      expect(report.labels[0].signatures[0].status).toBe('valid')
      // One byte of the media data changed: the binding no longer holds.
      const edited = out.slice()
      const mdat = new TextDecoder('latin1').decode(edited).indexOf('mdat')
      edited[mdat + 20]! ^= 0xff
      const after = (await (await post(t, '/v1/aigc/detect', edited)).json()) as any
      expect(after.labels[0].signatures[0].status).toBe('content-changed')
    })
  }

  it('propagates a labelled MP4: producer signature kept, platform added', async () => {
    const producer = await createTenant()
    const platform = await createTenant()
    const labelled = new Uint8Array(await (await post(producer, '/v1/aigc/label?mark=implicit', video('faststart.mp4'))).arrayBuffer())
    const res = await post(platform, '/v1/aigc/propagate?state=declared', labelled)
    expect(res.status).toBe(200)
    const report = (await (await post(platform, '/v1/aigc/detect', new Uint8Array(await res.arrayBuffer()))).json()) as any
    expect(report.labels).toHaveLength(1)
    expect(report.labels[0].signatures.map((s: { status: string }) => s.status)).toEqual(['valid', 'valid'])
  })

  it('refuses a fragmented MP4 and a truncated one with a 4xx', async () => {
    const t = await createTenant()
    expect((await post(t, '/v1/aigc/label?mark=implicit', video('fragmented.mp4'))).status).toBe(422)
    const whole = video('faststart.mp4')
    const res = await post(t, '/v1/aigc/label?mark=implicit', whole.subarray(0, whole.length - 200))
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
  })
})
