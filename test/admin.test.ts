import { createExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import worker from '../src/index'
import { admin, createTenant, GATEWAY, openai, PROVIDER, upstreamRequests } from './helpers'

const valid = (id: string) => ({
  id,
  name: 'Acme',
  providerCode: PROVIDER,
  upstream: { baseUrl: 'https://api.example.com/v1', apiKey: 'sk-upstream-very-secret' },
})

/** The worker with other bindings, as another deployment would run it. */
function withEnv(overrides: Record<string, string | undefined>, path: string, init?: RequestInit) {
  return worker.fetch(new Request(GATEWAY + path, init), { ...env, ...overrides }, createExecutionContext())
}

describe('admin auth', () => {
  it('refuses a missing or wrong token with 401', async () => {
    expect((await admin('GET', '/tenants/x', undefined, 'wrong-token-wrong-token')).status).toBe(401)
    const res = await withEnv({}, '/admin/tenants/x')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized', type: 'authentication_error' } })
  })

  it('serves no admin route in a deployment whose ADMIN_TOKEN is unset or short', async () => {
    for (const ADMIN_TOKEN of [undefined, 'short-token']) {
      const res = await withEnv({ ADMIN_TOKEN }, '/admin/tenants/x', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      expect(res.status).toBe(503)
      expect(((await res.json()) as any).error.message).toMatch(/ADMIN_TOKEN/)
    }
    const dev = await withEnv({ ADMIN_TOKEN: undefined }, '/admin/tenants/x', { headers: { authorization: 'Bearer dev-admin-token' } })
    expect(dev.status).toBe(503)
  })
})

describe('tenant validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['providerCode', { providerCode: '91110000MA01ABCD2X' }, 'providerCode'],
    ['provider code alphabet', { providerCode: '001191110000MA01ABcd2X00000' }, 'providerCode'],
    ['label text without AI', { labels: { text: { text: '本内容由机器生成' } } }, 'labels.text.text'],
    ['label text without 生成', { labels: { text: { text: 'AI内容' } } }, 'labels.text.text'],
    ['label position', { labels: { text: { position: 'middle' } } }, 'labels.text.position'],
    ['image mark under 5%', { labels: { image: { heightRatio: 0.04 } } }, 'labels.image.heightRatio'],
    ['image mark text', { labels: { image: { text: '水印' } } }, 'labels.image.text'],
    ['image mark colour', { labels: { image: { color: 'white' } } }, 'labels.image.color'],
    ['upstream url', { upstream: { baseUrl: 'not a url', apiKey: 'k' } }, 'upstream.baseUrl'],
    ['plain http when deployed', { upstream: { baseUrl: 'http://127.0.0.1:8000/v1', apiKey: 'k' } }, 'upstream.baseUrl'],
    ['missing api key', { upstream: { baseUrl: 'https://a.example/v1' } }, 'upstream.apiKey'],
    ['unknown field', { extra: 1 }, ''],
    ['id', { id: 'Bad Id' }, 'id'],
  ]
  for (const [name, patch, field] of cases) {
    it(`names the field for a bad ${name}`, async () => {
      const res = await admin('POST', '/tenants', { ...valid(`v-${Math.random().toString(36).slice(2, 8)}`), ...patch })
      expect(res.status).toBe(400)
      const { error } = (await res.json()) as any
      expect(error.message.startsWith(field)).toBe(true)
      if (field) expect(error.param).toBe(field)
    })
  }

  it('accepts plain http to a local model server in development', async () => {
    const body = { ...valid('dev-http'), upstream: { baseUrl: 'http://127.0.0.1:8000/v1', apiKey: 'k' } }
    const res = await withEnv({ GATEWAY_ENV: 'development' }, '/admin/tenants', {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(201)
  })

  it('refuses a duplicate id with 409 and bad JSON with 400', async () => {
    expect((await admin('POST', '/tenants', valid('dup'))).status).toBe(201)
    expect((await admin('POST', '/tenants', valid('dup'))).status).toBe(409)
    const res = await withEnv({}, '/admin/tenants', { method: 'POST', headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` }, body: '{' })
    expect(res.status).toBe(400)
  })
})

describe('tenant lifecycle', () => {
  it('creates, reads, patches and deletes; the upstream key never comes back and is encrypted at rest', async () => {
    const created = await admin('POST', '/tenants', valid('life'))
    expect(created.status).toBe(201)
    const body = await created.text()
    expect(body).not.toContain('sk-upstream-very-secret')
    expect(JSON.parse(body).labels).toEqual({
      text: { text: '本内容由人工智能生成', position: 'end', pdfPageText: true },
      image: { text: 'AI生成', position: 'bottom-right', heightRatio: 0.06, marginRatio: 0.02, color: '#FFFFFF', opacity: 1, plateColor: '#000000', plateOpacity: 0.55, watermark: true },
      audio: { position: 'end', required: false },
      signing: { algorithm: 'SM2' },
    })

    const row = await env.DB.prepare('SELECT upstream_api_key_sealed AS sealed FROM tenants WHERE id = ?').bind('life').first<{ sealed: string }>()
    expect(row!.sealed).toMatch(/^v1\./)
    expect(row!.sealed).not.toContain('sk-upstream')

    const patched = await admin('PATCH', '/tenants/life', { labels: { text: { position: 'start' } }, name: 'Acme 2' })
    expect(await patched.json()).toMatchObject({ name: 'Acme 2', labels: { text: { text: '本内容由人工智能生成', position: 'start' } } })
    expect((await admin('PATCH', '/tenants/life', { labels: { text: { text: 'no label words' } } })).status).toBe(400)

    const got = await admin('GET', '/tenants/life')
    expect(await got.json()).toMatchObject({ id: 'life', upstream: { baseUrl: 'https://api.example.com/v1' }, keys: [] })
    expect((await admin('DELETE', '/tenants/life')).status).toBe(204)
    expect((await admin('GET', '/tenants/life')).status).toBe(404)
    expect((await admin('DELETE', '/tenants/life')).status).toBe(404)
  })
})

describe('gateway keys', () => {
  it('issues a key shown once, stores only its hash, and stops it working on revoke', async () => {
    const t = await createTenant()
    const stored = await env.DB.prepare('SELECT key_hash FROM api_keys WHERE id = ?').bind(t.keyId).first<{ key_hash: string }>()
    expect(stored!.key_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(stored!.key_hash).not.toContain(t.key)
    const listed = await (await admin('GET', `/tenants/${t.id}`)).text()
    expect(listed).not.toContain(t.key)

    expect((await openai(t.key).chat.completions.create({ model: 'plain', messages: [] })).choices).toHaveLength(1)
    expect((await admin('DELETE', `/tenants/${t.id}/keys/${t.keyId}`)).status).toBe(204)
    const error = await openai(t.key).chat.completions.create({ model: 'plain', messages: [] }).catch((e) => e)
    expect(error.status).toBe(401)
    expect((await admin('DELETE', `/tenants/${t.id}/keys/${t.keyId}`)).status).toBe(404)
  })

  it('refuses requests without a key, with an unknown key, and keys for unknown tenants', async () => {
    expect((await withEnv({}, '/v1/models')).status).toBe(401)
    expect((await openai('sk-aigc-unknown').models.list().catch((e) => e)).status).toBe(401)
    expect((await admin('POST', '/tenants/nobody/keys')).status).toBe(404)
  })
})

describe('tenant isolation', () => {
  it("routes each key only to its own tenant's upstream and config", async () => {
    const a = await createTenant({ labels: { text: { text: '甲方AI生成', position: 'end' } } })
    const b = await createTenant({ labels: { text: { text: '乙方AI生成', position: 'start' } } })
    const textA = (await openai(a.key).chat.completions.create({ model: 'plain', messages: [] })).choices[0]!.message.content!
    const textB = (await openai(b.key).chat.completions.create({ model: 'plain', messages: [] })).choices[0]!.message.content!
    expect(textA.endsWith('甲方AI生成')).toBe(true)
    expect(textB.startsWith('乙方AI生成')).toBe(true)
    expect(textA).not.toContain('乙方')
    const [seenA, seenB] = [await upstreamRequests(a.host), await upstreamRequests(b.host)]
    expect(seenA.map((r) => r.authorization)).toEqual([`Bearer upstream-secret-${a.id}`])
    expect(seenB.map((r) => r.authorization)).toEqual([`Bearer upstream-secret-${b.id}`])
    // A's key cannot manage or reach B.
    expect((await withEnv({}, `/admin/tenants/${b.id}`, { headers: { authorization: `Bearer ${a.key}` } })).status).toBe(401)
  })
})

describe('development defaults', () => {
  const dev = { GATEWAY_ENV: 'development', ADMIN_TOKEN: undefined, MASTER_KEY: undefined }
  const chat = (key: string, stream = false) =>
    withEnv(dev, '/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], stream }),
    })

  it('seeds the demo tenant wired to the built-in demo model, JSON and stream', async () => {
    const json = (await (await chat('sk-demo-local')).json()) as any
    expect(json.choices[0].message.content).toMatch(/^你好！我是演示模型。[\s\S]*\n\n本内容由人工智能生成$/)
    expect(json.aigc.ContentProducer).toBe('001191110108MA01DEMO0X00000')
    const streamed = await (await chat('sk-demo-local', true)).text()
    expect(streamed).toContain('本内容由人工智能生成')
    expect(streamed.trim().endsWith('data: [DONE]')).toBe(true)
    const adminRes = await withEnv(dev, '/admin/tenants/demo', { headers: { authorization: 'Bearer dev-admin-token' } })
    expect(adminRes.status).toBe(200)
    const image = await withEnv(dev, '/v1/images/generations', {
      method: 'POST',
      headers: { authorization: 'Bearer sk-demo-local', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', prompt: '猫' }),
    })
    // The demo tenant has a development C2PA chain: the default shows the whole path.
    expect(image.headers.get('X-AIGC-C2PA')).toBe('created')
    const png = Uint8Array.from(atob(((await image.json()) as any).data[0].b64_json), (c) => c.charCodeAt(0))
    expect(readLabels(png)).toMatchObject([{ label: { ContentProducer: '001191110108MA01DEMO0X00000' } }])
  })

  it('has no demo tenant and no dev admin token in a deployed environment', async () => {
    expect((await withEnv({ GATEWAY_ENV: 'production' }, '/v1/models', { headers: { authorization: 'Bearer sk-demo-local' } })).status).toBe(401)
    const res = await withEnv({ GATEWAY_ENV: 'production', ADMIN_TOKEN: undefined }, '/admin/tenants/demo', {
      headers: { authorization: 'Bearer dev-admin-token' },
    })
    expect(res.status).toBe(503)
  })
})
