/**
 * Signed labels through the gateway: keys published and rotated, detection for tenants and
 * anonymous callers, and the propagation platform's step.
 */
import { describe, expect, it } from 'vitest'
import { readLabels, writeLabel } from '../src/formats'
import { createLabel } from '../src/label/annex-e'
import { png, pngChunks } from '../src/formats/png'
import { fixture, insertPngChunk } from './fixtures'
import { admin, createTenant, gateway, openai, PLATFORM, PROVIDER, type TestTenant } from './helpers'

const auth = (t: TestTenant) => ({ authorization: `Bearer ${t.key}` })

async function labelled(t: TestTenant, body: Uint8Array, query = '?mark=implicit', type?: string): Promise<Uint8Array> {
  const res = await gateway(`/v1/aigc/label${query}`, { method: 'POST', headers: { ...auth(t), ...(type ? { 'content-type': type } : {}) }, body })
  expect(res.status, await res.clone().text()).toBe(200)
  return new Uint8Array(await res.arrayBuffer())
}

let caller = 0

/** Anonymous unless the headers carry a key; each call from its own address unless given. */
async function detect(body: BodyInit, headers: Record<string, string> = {}) {
  const ip = `198.51.${caller >> 8}.${caller++ & 255}`
  const res = await gateway('/v1/aigc/detect', { method: 'POST', headers: { 'cf-connecting-ip': ip, ...headers }, body })
  return { status: res.status, body: (await res.json()) as any }
}

const statuses = (report: any) => report.labels.flatMap((l: any) => l.signatures.map((s: any) => `${s.field}:${s.status}`))

describe('signing keys', () => {
  it('are created with the tenant, published, and rotated without breaking old labels', async () => {
    const t = await createTenant()
    const listed = (await (await admin('GET', `/tenants/${t.id}/signing-keys`)).json()) as any
    expect(listed.keys).toHaveLength(1)
    expect(listed.keys[0]).toMatchObject({ tenantId: t.id, algorithm: 'SM2', validUntil: null })
    const first = listed.keys[0]

    const published = (await (await gateway('/.well-known/aigc-keys.json')).json()) as any
    expect(published.keys).toContainEqual(expect.objectContaining({ kid: first.id, alg: 'SM2', algId: '1.2.156.10197.1.501', publicKey: first.publicKey, provider: PROVIDER }))
    expect(JSON.stringify(published)).not.toMatch(/private|sealed/i)

    const before = await labelled(t, fixture('mark.png'))
    expect(JSON.parse(readLabels(before)[0]!.label!.ReservedCode1).SecurityData.PubSD[1].KeyID).toBe(first.id)

    const rotated = (await (await admin('POST', `/tenants/${t.id}/signing-keys/rotate`)).json()) as any
    expect(rotated.id).not.toBe(first.id)
    const after = await labelled(t, fixture('mark.png'))
    expect(JSON.parse(readLabels(after)[0]!.label!.ReservedCode1).SecurityData.PubSD[1].KeyID).toBe(rotated.id)
    const keys = (await (await admin('GET', `/tenants/${t.id}/signing-keys`)).json()) as any
    expect(keys.keys.find((k: any) => k.id === first.id).validUntil).not.toBeNull()
    // The retired key signs nothing more but still verifies what it signed.
    expect(statuses((await detect(before)).body)).toEqual(['ReservedCode1:valid'])
    expect(statuses((await detect(after)).body)).toEqual(['ReservedCode1:valid'])
    const row = await (await import('cloudflare:workers')).env.DB.prepare('SELECT private_key_sealed FROM signing_keys WHERE id = ?').bind(first.id).first()
    expect(row).toEqual({ private_key_sealed: null })
  })

  it('switching the tenant to Ed25519 rotates to an Ed25519 key', async () => {
    const t = await createTenant()
    expect((await admin('PATCH', `/tenants/${t.id}`, { labels: { signing: { algorithm: 'Ed25519' } } })).status).toBe(200)
    const out = await labelled(t, fixture('bare.jpg'))
    const report = (await detect(out)).body
    expect(report.labels[0].signatures[0]).toMatchObject({ status: 'valid', algorithm: 'Ed25519', bound: true })
    expect((await admin('PATCH', `/tenants/${t.id}`, { labels: { signing: { algorithm: 'RSA' } } })).status).toBe(400)
  })

  it('text answers carry a signed label (fields only) in the header and the body', async () => {
    const t = await createTenant()
    const { data, response } = await openai(t.key).chat.completions.create({ model: 'plain', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    const label = (data as any).aigc
    expect(JSON.parse(response.headers.get('x-aigc-label')!)).toEqual(label)
    const security = JSON.parse(label.ReservedCode1).SecurityData
    expect(security.PubSD[0].TBSData.Type).toBe('LabelMataData')
    // Kept as Markdown front matter, the label verifies (no content binding for text answers).
    const doc = writeLabel(new TextEncoder().encode(data.choices[0]!.message.content!), label, (await import('../src/formats')).markdown)
    expect(statuses((await detect(doc, { 'content-type': 'text/markdown' })).body)).toEqual(['ReservedCode1:valid'])
  })
})

describe('POST /v1/aigc/detect', () => {
  it('reports label, variant, fields, findings and signature status for every format the gateway writes', async () => {
    const t = await createTenant()
    for (const name of ['mark.png', 'photo.jpg', 'lossy.webp', 'anim.gif']) {
      const out = await labelled(t, fixture(name))
      const { status, body } = await detect(out, auth(t))
      expect(status, name).toBe(200)
      expect(body, name).toMatchObject({ labelled: true, verdict: { label: '1' }, labels: [{ variant: 'guide', form: 'element', fields: { ContentProducer: PROVIDER } }] })
      expect(statuses(body), name).toEqual(['ReservedCode1:valid'])
      expect(body.findings.filter((f: any) => f.level === 'error'), name).toEqual([])
    }
    const md = await labelled(t, new TextEncoder().encode('# 报告\n\n正文\n'), '?mark=explicit,implicit', 'text/markdown')
    const text = new TextDecoder().decode(md)
    expect(text).toMatch(/^---\nAIGC:\n  Label: '1'\n  ContentProducer: '001191110000MA01ABCD2X00000'\n/)
    expect(text.trimEnd().endsWith('本内容由人工智能生成')).toBe(true)
    const report = (await detect(JSON.stringify({ text }), { 'content-type': 'application/json' })).body
    expect(report).toMatchObject({ format: 'markdown', labelled: true, explicit: { found: true, text: '本内容由人工智能生成' } })
    expect(statuses(report)).toEqual(['ReservedCode1:valid'])
    const edited = (await detect(JSON.stringify({ text: text.replace('正文', '改过的正文') }), { 'content-type': 'application/json' })).body
    expect(statuses(edited)).toEqual(['ReservedCode1:content-changed'])
    expect(edited.findings).toContainEqual(expect.objectContaining({ level: 'error', code: 'signature-content-changed' }))
  })

  it("reads other tools' conventions: wrapped JSON, attribute form, PNG tEXt, PubSd, several labels", async () => {
    const foreign = JSON.stringify({ AIGC: { Label: '2', ContentProducer: 'acme', ProduceID: 'x1', ReservedCode1: '', ContentPropagator: '', PropagateID: '', ReservedCode2: '' } })
    const attribute = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/" TC260:AIGC="${foreign.replaceAll('"', '&quot;')}"/></rdf:RDF></x:xmpmeta>`
    const jpegWithAttribute = insertJpegXmp(fixture('bare.jpg'), attribute)
    const a = (await detect(jpegWithAttribute)).body
    expect(a.labels).toMatchObject([{ carrier: 'jpeg:APP1:XMP', form: 'attribute', variant: 'wrapped', fields: { Label: '2', ProduceID: 'x1' } }])
    expect(a.verdict.meaning).toMatch(/^可能/)
    expect(a.findings.map((f: any) => f.code)).toEqual(expect.arrayContaining(['wrapped-form', 'provider-code', 'propagator-fields']))
    expect(statuses(a)).toEqual(['ReservedCode1:unsigned'])

    const tEXt = (await detect(insertPngChunk(fixture('plain.png'), 'tEXt', `AIGC\0${foreign}`))).body
    expect(tEXt.labels).toMatchObject([{ carrier: 'png:tEXt:AIGC', form: 'text', variant: 'wrapped' }])

    // PubSd spelling from a provider file, next to a second label: both reported.
    const t = await createTenant()
    const signed = readLabels(await labelled(t, fixture('mark.png')))[0]!.label!
    const pubSd = JSON.stringify({ ...signed, ReservedCode1: signed.ReservedCode1.replace('"PubSD"', '"PubSd"') })
    const two = insertPngChunk(writeLabel(fixture('plain.png'), createLabel({ producer: PROVIDER, produceId: 'other' })), 'tEXt', `AIGC\0${pubSd}`)
    const report = (await detect(two)).body
    expect(report.labels).toHaveLength(2)
    expect(report.findings).toContainEqual(expect.objectContaining({ level: 'error', code: 'multiple-labels' }))
    expect(report.labels[1].signatures[0]).toMatchObject({ status: 'content-changed', variants: ['PubSd spelling'] })
  })

  it('answers unsupported and corrupt input clearly', async () => {
    const postscript = await detect(new TextEncoder().encode('%!PS-Adobe-3.0 ...'), { 'content-type': 'application/postscript' })
    expect(postscript.status).toBe(415)
    expect(postscript.body.error.code).toBe('unsupported_format')
    const cut = await detect(fixture('mark.png').slice(0, 100))
    expect(cut.status).toBe(422)
    expect((await detect('{"txt":1}', { 'content-type': 'application/json' })).status).toBe(400)
    expect((await detect(fixture('mark.png'), { authorization: 'Bearer sk-wrong' })).status).toBe(401)
  })

  it('limits anonymous callers per IP, not tenants', async () => {
    const t = await createTenant()
    const ip = { 'cf-connecting-ip': '203.0.113.77' }
    const codes: number[] = []
    for (let i = 0; i < 7; i++) codes.push((await detect(fixture('bare.jpg'), ip)).status)
    expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(codes.slice(5)).toEqual([429, 429])
    const limited = await gateway('/v1/aigc/detect', { method: 'POST', headers: ip, body: fixture('bare.jpg') })
    expect(limited.headers.get('retry-after')).toBe('60')
    expect((await detect(fixture('bare.jpg'), { ...ip, ...auth(t) })).status).toBe(200)
    expect((await detect(fixture('bare.jpg'), { 'cf-connecting-ip': '203.0.113.78' })).status).toBe(200)
  })
})

describe('POST /v1/aigc/propagate', () => {
  const platformTenant = () => createTenant({ providerCode: PLATFORM })

  function propagate(t: TestTenant, body: Uint8Array, query: string) {
    return gateway(`/v1/aigc/propagate${query}`, { method: 'POST', headers: auth(t), body })
  }

  it('adds the platform to a labelled file; the producer signature stays valid; repeating changes nothing', async () => {
    const producer = await createTenant()
    const platform = await platformTenant()
    const original = await labelled(producer, fixture('photo.jpg'))
    const before = readLabels(original)[0]!.label!
    const res = await propagate(platform, original, '?state=labelled')
    expect(res.status).toBe(200)
    const out = new Uint8Array(await res.arrayBuffer())
    const found = readLabels(out)
    expect(found).toHaveLength(1)
    const after = found[0]!.label!
    expect(after).toMatchObject({ Label: '1', ContentProducer: PROVIDER, ProduceID: before.ProduceID, ReservedCode1: before.ReservedCode1, ContentPropagator: PLATFORM })
    expect(after.PropagateID).not.toBe(before.PropagateID)
    expect(statuses((await detect(out)).body)).toEqual(['ReservedCode1:valid', 'ReservedCode2:valid'])

    const again = await propagate(platform, out, '?state=labelled')
    expect(again.headers.get('x-aigc-propagation')).toBe('unchanged')
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(out)
  })

  it('labels an unlabelled file 2 (declared) or 3 (suspected), optionally with the visible mark; labelled needs a label', async () => {
    const platform = await platformTenant()
    const refused = await propagate(platform, fixture('mark.png'), '?state=labelled')
    expect(refused.status).toBe(422)
    expect(((await refused.json()) as any).error.message).toMatch(/no label/)
    expect((await propagate(platform, fixture('mark.png'), '?state=maybe')).status).toBe(400)

    const declared = new Uint8Array(await (await propagate(platform, fixture('mark.png'), '?state=declared')).arrayBuffer())
    expect(readLabels(declared)[0]!.label).toMatchObject({ Label: '2', ContentProducer: '', ContentPropagator: PLATFORM })
    // Metadata only: the image data is the original's.
    expect(pngChunks(declared).filter((c) => c.type === 'IDAT').map((c) => c.data.length)).toEqual(pngChunks(fixture('mark.png')).filter((c) => c.type === 'IDAT').map((c) => c.data.length))

    const res = await propagate(platform, fixture('mark.png'), '?state=suspected&mark=explicit')
    expect(res.headers.get('x-aigc-explicit')).toBe('applied')
    const suspected = new Uint8Array(await res.arrayBuffer())
    const report = (await detect(suspected)).body
    expect(report.verdict).toMatchObject({ label: '3' })
    expect(statuses(report)).toEqual(['ReservedCode1:unsigned', 'ReservedCode2:valid'])
    expect(png.content(suspected)).not.toEqual(png.content(fixture('mark.png'))) // pixels marked
  })
})

function insertJpegXmp(bytes: Uint8Array, packet: string): Uint8Array {
  const body = new TextEncoder().encode(`http://ns.adobe.com/xap/1.0/\0${packet}`)
  const segment = new Uint8Array([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body])
  return new Uint8Array([...bytes.subarray(0, 2), ...segment, ...bytes.subarray(2)])
}
