/**
 * Issue 9, the label half: hostile files and labels as written in the wild, through the
 * gateway's routes. Each case failed (hung, 500, two labels, the attacker's verdict) before.
 */
import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { pngChunks } from '../src/formats/png'
import { TC260_NS } from '../src/label/xmp'
import { LIMITS } from '../src/limits'
import { fixture, hostile, insertPngChunk } from './fixtures'
import { admin, createTenant, gateway, PROVIDER, type TestTenant } from './helpers'

const auth = (t: TestTenant) => ({ authorization: `Bearer ${t.key}` })
let caller = 0
const ip = () => ({ 'cf-connecting-ip': `203.0.${113 + (caller >> 8)}.${caller++ & 255}` })

async function detect(body: BodyInit, headers: Record<string, string> = {}) {
  const res = await gateway('/v1/aigc/detect', { method: 'POST', headers: { ...ip(), ...headers }, body })
  return { status: res.status, body: (await res.json()) as any }
}

const detectText = (text: string) => detect(JSON.stringify({ text }), { 'content-type': 'application/json' })
const jsonFixture = (name: string) => (JSON.parse(new TextDecoder().decode(hostile(name))) as { text: string }).text

async function label(t: TestTenant, body: Uint8Array, path = '/v1/aigc/label?mark=implicit') {
  return gateway(path, { method: 'POST', headers: auth(t), body })
}

/** The XMP packet of a PNG, as text. */
function pngXmp(bytes: Uint8Array): string {
  const chunk = pngChunks(bytes).find((c) => c.type === 'iTXt')!
  return new TextDecoder().decode(chunk.data.subarray('XML:com.adobe.xmp'.length + 5))
}

/** plain.png with an XMP packet whose rdf:Description holds `inner` (and declares `decls`). */
function withXmp(decls: string, inner: string, attrs = ''): Uint8Array {
  const packet =
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    `<rdf:Description rdf:about=""${decls}${attrs}>${inner}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
  return insertPngChunk(fixture('plain.png'), 'iTXt', `XML:com.adobe.xmp\0\0\0\0\0${packet}`)
}

const FIELDS = { Label: '1', ContentProducer: PROVIDER, ProduceID: 'wild-1', ReservedCode1: '', ContentPropagator: PROVIDER, PropagateID: 'wild-1', ReservedCode2: '' }
const escaped = (json: string) => json.replaceAll('"', '&quot;')

describe('hostile Markdown and JSON bodies on detect', () => {
  it('answers front matter with a long blank AIGC line (a quadratic regex took seconds, 16 times that at 4 times the length)', async () => {
    const text = jsonFixture('md-aigc-line-quadratic-20000.json')
    for (const doc of [text, text.replace(/ {100,}(?=y)/, (blanks) => blanks.repeat(4))]) {
      const { status, body } = await detectText(doc)
      expect(status).toBe(200)
      expect(body.labels).toEqual([expect.objectContaining({ variant: 'not-a-label', raw: expect.stringMatching(/^x {1000,}y$/) })])
    }
  })

  it('refuses a document with more labels than labels_per_file, naming the limit', async () => {
    const { status, body } = await detectText(jsonFixture('md-many-labels-200.json'))
    expect(status).toBe(422)
    expect(body.error).toMatchObject({ code: 'limit_exceeded', param: 'labels_per_file' })
    expect(body.error.message).toMatch(/200 count\) exceeds the labels_per_file limit of 16/)
  })

  it('verifies at most signatures_per_request signatures and reports the rest as not checked', async () => {
    const text = jsonFixture('md-many-labels-200.json')
    const lines = text.split('\n')
    const ten = ['---', ...lines.slice(1, 11), ...lines.slice(-3)].join('\n')
    const { status, body } = await detectText(ten)
    expect(status).toBe(200)
    const statuses = body.labels.map((l: any) => l.signatures[0].status)
    expect(statuses).toHaveLength(10)
    expect(statuses.filter((s: string) => s === 'not-checked')).toHaveLength(10 - LIMITS.signaturesPerRequest.max)
    expect(statuses.slice(0, LIMITS.signaturesPerRequest.max)).not.toContain('not-checked')
    expect(body.findings).toContainEqual(expect.objectContaining({ code: 'limit-exceeded', message: expect.stringMatching(/^2 signatures not verified: beyond the signatures_per_request limit of 8/) }))
  })

  it('refuses a JSON body over json_body_bytes while reading it, without reading the rest', async () => {
    let pulled = 0
    const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024))
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"text":"'))
      },
      pull(c) {
        if (++pulled > 90) c.close()
        else c.enqueue(chunk)
      },
    })
    const res = await gateway('/v1/aigc/detect', { method: 'POST', headers: { ...ip(), 'content-type': 'application/json' }, body })
    expect(res.status).toBe(413)
    expect(((await res.json()) as any).error).toMatchObject({ code: 'limit_exceeded', param: 'json_body_bytes' })
    expect(pulled).toBeLessThan(10)
  })

  it('checks a declared Content-Length before reading, on the tenant JSON routes too', async () => {
    const t = await createTenant()
    const big = JSON.stringify({ text: 'x'.repeat(LIMITS.jsonBodyBytes.max) })
    for (const path of ['/v1/aigc/detect', '/v1/aigc/unmark-grants']) {
      const res = await gateway(path, { method: 'POST', headers: { ...auth(t), 'content-type': 'application/json' }, body: big })
      expect(res.status, path).toBe(413)
      expect(((await res.json()) as any).error.param).toBe('json_body_bytes')
    }
  })

  it('reads model requests under model_request_bytes and admin bodies under json_body_bytes', async () => {
    const t = await createTenant()
    const mib = new Uint8Array(1024 * 1024).fill(0x20)
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (++pulled > 60) c.close()
        else c.enqueue(mib)
      },
    })
    const res = await gateway('/v1/chat/completions', { method: 'POST', headers: { ...auth(t), 'content-type': 'application/json' }, body })
    expect(res.status).toBe(413)
    expect(((await res.json()) as any).error).toMatchObject({ code: 'limit_exceeded', param: 'model_request_bytes' })
    expect(pulled).toBeLessThanOrEqual(LIMITS.modelRequestBytes.max / mib.length + 2)
    const patch = await admin('PATCH', `/tenants/${t.id}`, { name: 'x'.repeat(LIMITS.jsonBodyBytes.max) })
    expect(patch.status).toBe(413)
    expect(((await patch.json()) as any).error.param).toBe('json_body_bytes')
  })
})

describe('hostile XMP', () => {
  it('refuses 40,000 unclosed rdf:Description tags as malformed XMP (the quadratic search took 54 s)', async () => {
    const t = await createTenant()
    const res = await label(t, hostile('xmp-rdf-quadratic-40000.png'))
    expect(res.status).toBe(422)
    expect(((await res.json()) as any).error.message).toMatch(/XMP packet is not well-formed: bad attribute/)
  })

  it('finds the TC260 property by namespace URI: a TC260 prefix bound elsewhere is not a label', async () => {
    const input = hostile('xmp-prefix-confusion.png')
    const report = (await detect(input)).body
    expect(report.verdict).toBeUndefined()
    expect(report.labels).toEqual([])
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'foreign-aigc-property' }))

    const t = await createTenant()
    const res = await label(t, input)
    expect(res.status).toBe(200)
    const out = new Uint8Array(await res.arrayBuffer())
    expect(readLabels(out)).toMatchObject([{ label: { Label: '1', ContentProducer: PROVIDER } }])
    const description = /<rdf:Description[^>]*>/.exec(pngXmp(out))![0]
    expect(description.match(/xmlns:TC260=/g)).toHaveLength(1)
    expect((await detect(out)).body.verdict.label).toBe('1')
  })

  it.each(['xmp-xxe.png', 'xmp-billion-laughs.png'])('drops the DOCTYPE of %s from what it writes, expanding nothing', async (name) => {
    const t = await createTenant()
    const res = await label(t, hostile(name))
    expect(res.status).toBe(200)
    const out = new Uint8Array(await res.arrayBuffer())
    const packet = pngXmp(out)
    expect(packet).not.toMatch(/DOCTYPE|ENTITY|&xxe;|&lol9;|lollol/)
    expect(readLabels(out)).toHaveLength(1)
    const report = (await detect(hostile(name))).body
    expect(report.labels).toEqual([expect.objectContaining({ variant: 'not-a-label', raw: name === 'xmp-xxe.png' ? '&xxe;' : '&lol9;' })])
  })

  it('reports &#x110000; in the label value as a value that is not a label, not a 500', async () => {
    const { status, body } = await detect(hostile('xmp-bad-codepoint.png'))
    expect(status).toBe(200)
    expect(body.labels).toEqual([expect.objectContaining({ variant: 'not-a-label', raw: '&#x110000;' })])
    const t = await createTenant()
    expect((await label(t, hostile('xmp-bad-codepoint.png'))).status).toBe(200)
  })
})

describe('labels as written in the wild', () => {
  const kvBase64 = btoa(JSON.stringify({ AIGC: FIELDS }))
  const cases: [string, Uint8Array, string][] = [
    ['XmpKvBase64', withXmp(' xmlns:vc="http://www.volcengine.com/ns/"', '', ` vc:XmpKvBase64="${kvBase64}"`), 'xmp-kv-base64'],
    [
      'one XMP property per field',
      withXmp(' xmlns:AIGC="http://www.example.com/ns/AIGC/"', Object.entries(FIELDS).map(([k, v]) => `<AIGC:${k}>${v}</AIGC:${k}>`).join('')),
      'xmp-fields',
    ],
    ['the older namespace', withXmp(' xmlns:TC260="http://ns.adobe.com/xap/1.0/tc/"', `<TC260:AIGC>${escaped(JSON.stringify(FIELDS))}</TC260:AIGC>`), 'legacy-namespace'],
  ]

  it.each(cases)('detect reads %s and reports it as non-conformant', async (_, file, variant) => {
    const report = (await detect(file)).body
    expect(report.verdict.label).toBe('1')
    expect(report.labels).toEqual([expect.objectContaining({ writtenAs: variant, fields: FIELDS })])
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'non-conformant-carrier', level: 'warning' }))
  })

  it.each(cases)('/propagate and /label replace %s with exactly one canonical label', async (_, file) => {
    const t = await createTenant()
    for (const path of ['/v1/aigc/propagate?state=labelled', '/v1/aigc/label?mark=implicit']) {
      const res = await label(t, file, path)
      expect(res.status, path).toBe(200)
      const out = new Uint8Array(await res.arrayBuffer())
      const found = readLabels(out)
      expect(found, path).toHaveLength(1)
      expect(found[0]!.variant).toBeUndefined()
      const packet = pngXmp(out)
      expect(packet).not.toMatch(/XmpKvBase64|<AIGC:Label/)
      expect(packet.match(/<TC260:AIGC[ >]/g)).toHaveLength(1)
      expect(packet).toContain(TC260_NS)
      if (path.includes('propagate')) expect(found[0]!.label).toMatchObject({ ContentProducer: PROVIDER, ProduceID: 'wild-1' })
    }
  })

  it('reads misspelled keys (ReserveCode1, Propagator, PropatorID) and names them', async () => {
    const { ReservedCode1: _, ContentPropagator: __, PropagateID: ___, ...rest } = FIELDS
    const json = JSON.stringify({ ...rest, ReserveCode1: '', Propagator: PROVIDER, PropatorID: 'wild-1' })
    const report = (await detect(withXmp(` xmlns:TC260="${TC260_NS}"`, `<TC260:AIGC>${escaped(json)}</TC260:AIGC>`))).body
    expect(report.labels[0].fields).toEqual(FIELDS)
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'misspelled-keys', message: expect.stringContaining('PropatorID (for PropagateID)') }))
  })

  it('takes IPTC DigitalSourceType trainedAlgorithmicMedia as a sign of AI content and a hint for /propagate', async () => {
    const iptc = ' xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
    const file = withXmp(iptc, '<Iptc4xmpExt:DigitalSourceType rdf:resource="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>')
    const report = (await detect(file)).body
    expect(report.labelled).toBe(false)
    expect(report.propagate).toMatchObject({ state: 'suspected' })
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'digital-source-type' }))

    const t = await createTenant()
    const refused = await label(t, file, '/v1/aigc/propagate?state=labelled')
    expect(refused.status).toBe(422)
    expect(((await refused.json()) as any).error.message).toMatch(/DigitalSourceType .*trainedAlgorithmicMedia, so state=suspected applies/)
    const res = await label(t, file, '/v1/aigc/propagate?state=suspected')
    const out = new Uint8Array(await res.arrayBuffer())
    expect(readLabels(out)).toMatchObject([{ label: { Label: '3' } }])
    expect(pngXmp(out)).toContain('trainedAlgorithmicMedia') // someone else's metadata stays
  })
})
