import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { mpegFrame } from '../src/formats/mp3'
import { markPositions, wavSamples } from './audio-envelope'
import { fixture } from './fixtures'
import { admin, createTenant, gateway, PROVIDER, upstreamRequests, type TestTenant } from './helpers'

const speech = (t: TestTenant, body: Record<string, unknown>) =>
  gateway('/v1/audio/speech', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini-tts', input: '你好', voice: 'alloy', ...body }) })
const detect = (t: TestTenant, body: Uint8Array) => gateway('/v1/aigc/detect', { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body })

/** 16-bit little-endian mono samples as floats. */
const pcmSamples = (bytes: Uint8Array) => Float32Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), (s) => s / 32768)

/** The audio deltas of a speech event stream, each decoded, and whether it ended with done. */
async function deltas(res: Response): Promise<{ audio: Uint8Array[]; done: boolean }> {
  const events = (await res.text()).split('\n\n').filter(Boolean).map((frame) => JSON.parse(frame.replace(/^data: /, '')) as { type: string; audio?: string })
  const audio = events.filter((e) => e.type === 'speech.audio.delta').map((e) => Uint8Array.from(atob(e.audio!), (c) => c.charCodeAt(0)))
  return { audio, done: events.at(-1)?.type === 'speech.audio.done' }
}

describe('POST /v1/audio/speech', () => {
  it('mp3 and wav: the rhythm mark and the signed implicit label in the file', async () => {
    const t = await createTenant()
    for (const [format, type] of [['mp3', 'audio/mpeg'], ['wav', 'audio/wav']] as const) {
      const res = await speech(t, { response_format: format })
      expect(res.status, format).toBe(200)
      expect(res.headers.get('content-type')).toBe(type)
      expect(res.headers.get('x-aigc-explicit'), format).toBe('applied')
      expect(res.headers.get('x-aigc-implicit')).toBe('file')
      const out = new Uint8Array(await res.arrayBuffer())
      const report = (await (await detect(t, out)).json()) as any
      expect(report).toMatchObject({ labelled: true, labels: [{ fields: { ContentProducer: PROVIDER } }] })
      expect(report.labels[0].signatures[0].status, format).toBe('valid')
      if (format === 'wav') {
        // The streamed sizes are set to the real ones, and the mark is at the end (the default).
        expect(new DataView(out.buffer).getUint32(4, true)).toBe(out.length - 8)
        const { samples, rate } = wavSamples(out)
        expect(markPositions(samples, rate)).toMatchObject({ start: false, end: true })
      } else {
        expect(out.length).toBeGreaterThan(fixture('bare.mp3', env.AUDIO_FIXTURES).length + 4000)
      }
    }
  })

  it('pcm: the mark in the samples at the tenant position, the label in the headers only', async () => {
    const t = await createTenant({ labels: { audio: { position: 'start' } } })
    const res = await speech(t, { response_format: 'pcm' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-aigc-explicit')).toBe('applied')
    expect(res.headers.get('x-aigc-implicit')).toBe('header-only')
    const label = JSON.parse(res.headers.get('x-aigc-label')!)
    expect(label).toMatchObject({ Label: '1', ContentProducer: PROVIDER })
    expect(label.ReservedCode1).toContain('Signature')
    const out = new Uint8Array(await res.arrayBuffer())
    expect(out.length).toBeGreaterThan(24000 * 2)
    expect(markPositions(pcmSamples(out), 24000)).toMatchObject({ start: true, end: false })
  })

  it('flac, opus and aac: the implicit label in the file, the mark said to be omitted', async () => {
    const t = await createTenant()
    for (const format of ['flac', 'opus', 'aac']) {
      const res = await speech(t, { response_format: format })
      expect(res.status, format).toBe(200)
      expect(res.headers.get('x-aigc-explicit'), format).toBe('omitted')
      expect(res.headers.get('x-aigc-explicit-reason'), format).toBe('format-cannot-carry')
      expect(res.headers.get('x-aigc-implicit')).toBe('file')
      const found = readLabels(new Uint8Array(await res.arrayBuffer()))
      expect(found, format).toMatchObject([{ label: { ContentProducer: PROVIDER } }])
    }
  })

  it('refuses a format that cannot carry the mark when the tenant requires it, before the upstream', async () => {
    const t = await createTenant({ labels: { audio: { required: true } } })
    for (const [format, stream] of [['flac', 'audio'], ['opus', 'audio'], ['wav', 'sse']]) {
      const res = await speech(t, { response_format: format, stream_format: stream })
      expect(res.status, format).toBe(400)
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe('response_format')
    }
    expect(await upstreamRequests(t.host)).toEqual([])
    expect((await speech(t, { response_format: 'wav' })).status).toBe(200)
  })

  it('answers 502, not unlabelled audio, when the upstream answer is not the audio asked for', async () => {
    const t = await createTenant()
    expect((await speech(t, { model: 'speech-json' })).status).toBe(502)
    expect((await speech(t, { model: 'speech-wrong', response_format: 'wav' })).status).toBe(502)
    expect((await speech(t, { response_format: 'ogg' })).status).toBe(400)
  })

  it('SSE pcm: the mark is a delta of its own at the start and the end, the audio deltas untouched', async () => {
    const t = await createTenant({ labels: { audio: { position: 'both' } } })
    const res = await speech(t, { response_format: 'pcm', stream_format: 'sse' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-aigc-explicit')).toBe('applied')
    expect(res.headers.get('x-aigc-implicit')).toBe('header-only')
    expect(JSON.parse(res.headers.get('x-aigc-label')!)).toMatchObject({ ContentProducer: PROVIDER })
    const { audio, done } = await deltas(res)
    expect(done).toBe(true)
    expect(audio).toHaveLength(5)
    expect(markPositions(pcmSamples(audio[0]!), 24000)).toMatchObject({ start: true })
    expect(markPositions(pcmSamples(audio[4]!), 24000)).toMatchObject({ end: true })
    expect(audio.slice(1, 4).map((a) => a.length)).toEqual([3, 11997, 12000])
  })

  it('SSE mp3: mark frames at the stream rate before the audio, held until its first frame header is whole', async () => {
    const t = await createTenant({ labels: { audio: { position: 'start' } } })
    const res = await speech(t, { response_format: 'mp3', stream_format: 'sse' })
    const { audio, done } = await deltas(res)
    expect(done).toBe(true)
    const original = fixture('bare.mp3', env.AUDIO_FIXTURES)
    // The 3-byte first delta was held and sent with the next one, after the mark.
    expect(audio).toHaveLength(3)
    expect(mpegFrame(audio[0]!, 0)).toMatchObject({ sampleRate: 24000, mono: true })
    expect([...audio[1]!, ...audio[2]!]).toEqual([...original])
  })

  it('SSE flac: deltas passed as they are, the label in the headers, the mark said to be omitted', async () => {
    const t = await createTenant()
    const res = await speech(t, { response_format: 'flac', stream_format: 'sse' })
    expect(res.headers.get('x-aigc-explicit-reason')).toBe('format-cannot-carry')
    const { audio } = await deltas(res)
    expect(audio).toHaveLength(3)
  })
})

describe('labels.audio and unmark grants on speech', () => {
  it('is validated and patched field by field', async () => {
    const t = await createTenant()
    const bad = await admin('PATCH', `/tenants/${t.id}`, { labels: { audio: { position: 'middle' } } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('labels.audio.position')
    const ok = await admin('PATCH', `/tenants/${t.id}`, { labels: { audio: { required: true } } })
    expect(await ok.json()).toMatchObject({ labels: { audio: { position: 'end', required: true } } })
  })

  it('an unmark grant leaves the mark out, never the implicit label, and lets a required tenant have flac', async () => {
    const t = await createTenant({ labels: { audio: { required: true } }, unmark: { allowed: true, agreementVersion: 'v1', autoApprove: true } })
    const applied = await gateway('/v1/aigc/unmark-grants', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'user-1', purpose: '出版物自行标注', agreementVersion: 'v1', acceptedAt: new Date(Date.now() - 60_000).toISOString() }),
    })
    const { id } = (await applied.json()) as { id: string }
    const unmarked = (body: Record<string, unknown>) =>
      gateway('/v1/audio/speech', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json', 'x-aigc-unmark': id, 'x-aigc-user': 'user-1' }, body: JSON.stringify({ model: 'tts', input: '你好', voice: 'alloy', ...body }) })
    for (const format of ['wav', 'flac']) {
      const res = await unmarked({ response_format: format })
      expect(res.status, format).toBe(200)
      expect(res.headers.get('x-aigc-explicit-reason'), format).toBe('unmark-grant')
      const out = new Uint8Array(await res.arrayBuffer())
      expect(readLabels(out), format).toHaveLength(1)
      if (format === 'wav') expect(markPositions(wavSamples(out).samples, 24000)).toMatchObject({ start: false, end: false })
    }
  })
})
