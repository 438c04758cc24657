import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { markPositions, wavSamples } from './audio-envelope'
import { fixture } from './fixtures'
import { createTenant, gateway, PROVIDER, type TestTenant } from './helpers'

const audio = (name: string) => fixture(name, env.AUDIO_FIXTURES)
const post = (t: TestTenant, path: string, body: Uint8Array) => gateway(path, { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body })

describe('audio through /v1/aigc/label and /detect', () => {
  it('WAV and MP3 take the rhythm mark at the tenant position, and the signed implicit label over it', async () => {
    const t = await createTenant({ labels: { audio: { position: 'both' } } })
    for (const [name, type] of [['info.wav', 'audio/wav'], ['tagged-v23.mp3', 'audio/mpeg'], ['bare.mp3', 'audio/mpeg']] as const) {
      const input = audio(name)
      const res = await post(t, '/v1/aigc/label', input)
      expect(res.status, name).toBe(200)
      expect(res.headers.get('content-type')).toBe(type)
      expect(res.headers.get('x-aigc-explicit'), name).toBe('applied')
      const out = new Uint8Array(await res.arrayBuffer())
      expect(out.length).toBeGreaterThan(input.length + 1000)
      const report = (await (await post(t, '/v1/aigc/detect', out)).json()) as any
      expect(report).toMatchObject({ labelled: true, labels: [{ fields: { ContentProducer: PROVIDER } }] })
      expect(report.labels[0].signatures[0].status, name).toBe('valid')
      if (name.endsWith('.wav')) {
        const { samples, rate } = wavSamples(out)
        expect(markPositions(samples, rate)).toMatchObject({ start: true, end: true })
      }
    }
  })

  it('FLAC, Ogg Vorbis, Opus and M4A: the implicit label, the mark said to be omitted', async () => {
    const t = await createTenant()
    for (const [name, set] of [['picture.flac', env.AUDIO_FIXTURES], ['clip.ogg', env.AUDIO_FIXTURES], ['clip.opus', env.AUDIO_FIXTURES], ['audio.m4a', env.VIDEO_FIXTURES]] as const) {
      const input = fixture(name, set)
      const res = await post(t, '/v1/aigc/label', input)
      expect(res.status, name).toBe(200)
      expect(res.headers.get('x-aigc-explicit'), name).toBe('omitted')
      expect(res.headers.get('x-aigc-explicit-reason'), name).toBe('format-cannot-carry')
      expect(readLabels(new Uint8Array(await res.arrayBuffer()))).toHaveLength(1)
    }
  })

  it('refuses audio that cannot carry the mark when the tenant requires it, naming mark', async () => {
    const t = await createTenant({ labels: { audio: { required: true } } })
    const res = await post(t, '/v1/aigc/label', audio('clip.opus'))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('mark')
    // The implicit label alone is still there for the asking.
    const implicit = await post(t, '/v1/aigc/label?mark=implicit', audio('clip.opus'))
    expect(implicit.status).toBe(200)
    expect(implicit.headers.get('x-aigc-explicit-reason')).toBe('not-requested')
    expect((await post(t, '/v1/aigc/label', audio('plain.wav'))).status).toBe(200)
  })

  it('answers corrupt and truncated audio with a 4xx', async () => {
    const t = await createTenant()
    for (const name of ['info.wav', 'tagged-v23.mp3', 'picture.flac', 'clip.ogg', 'clip.opus']) {
      const whole = audio(name)
      const cut = whole.subarray(0, whole.length - 37)
      const status = (await post(t, '/v1/aigc/label?mark=implicit', cut)).status
      expect([413, 415, 422], name).toContain(status)
    }
  })
})
