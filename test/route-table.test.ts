import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ANSWER } from './mock-upstream/server'
import { admin, anthropic, createTenant, gateway, openai, upstreamRequests, type TestTenant } from './helpers'

const LABEL = '本内容由人工智能生成'
const END = `${ANSWER}\n\n${LABEL}`
const messages = [{ role: 'user' as const, content: '你好' }]

const post = (t: TestTenant, path: string, body: unknown, method = 'POST') =>
  gateway(path, { method, headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
const get = (t: TestTenant, path: string, headers: Record<string, string> = {}) => gateway(path, { headers: { authorization: `Bearer ${t.key}`, ...headers } })

async function chatText(res: Response): Promise<string> {
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return (await res.json<any>()).choices[0].message.content
  let text = ''
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('data: {')) continue
    text += JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? ''
  }
  return text
}

describe('default deny', () => {
  it('refuses a route the table does not name with a 501 naming it, and never calls the upstream', async () => {
    const t = await createTenant()
    for (const [method, path] of [['GET', '/v1/containers/c1/sessions'], ['POST', '/v1/evals'], ['GET', '/v1/chat/completions/c1/extra']]) {
      const res = await gateway(path!, { method, headers: { authorization: `Bearer ${t.key}` } })
      expect(res.status).toBe(501)
      expect((await res.json<any>()).error.message).toContain(`${method} ${path}`)
    }
    expect(await upstreamRequests(t.host)).toEqual([])
  })

  it('labels every spelling of the chat completions path as the canonical route, JSON and stream', async () => {
    const t = await createTenant()
    const spellings = ['/v1/chat/completions/', '/v1//chat/completions', '/v1/chat//completions', '/v1/Chat/Completions', '/v1/chat/%63ompletions']
    for (const path of spellings) {
      for (const stream of [false, true]) {
        const res = await post(t, path, { model: 'plain', messages, stream })
        expect(res.status, path).toBe(200)
        expect(await chatText(res), path).toBe(END)
      }
    }
    const paths = (await upstreamRequests(t.host)).map((r) => r.path)
    expect(new Set(paths)).toEqual(new Set(['/v1/chat/completions']))
  })

  it('refuses other methods on a labelled route and every spelling of a refused route, before the upstream', async () => {
    const t = await createTenant()
    for (const method of ['PUT', 'PATCH']) {
      const res = await post(t, '/v1/chat/completions', { model: 'plain', messages }, method)
      expect(res.status).toBe(501)
      expect((await res.json<any>()).error.message).toMatch(new RegExp(`^${method} /v1/chat/completions is not served: only POST`))
    }
    for (const path of ['/v1/videos/', '/v1//videos', '/v1/Videos']) {
      const res = await post(t, path, { model: 'x', prompt: '你好' })
      expect(res.status, path).toBe(501)
      expect((await res.json<any>()).error.message).toMatch(/videos is refused/)
    }
    expect(await upstreamRequests(t.host)).toEqual([])
  })

  it('refuses path segments that decode to a slash or a dot segment', async () => {
    const t = await createTenant()
    for (const path of ['/v1/responses/a%2F..%2Fchat%2Fcompletions', '/v1/responses/a%5C..', '/v1/responses/a%252Fb', '/v1/responses/%E0%A4%A']) {
      expect((await get(t, path)).status, path).toBe(400)
    }
    // The URL parser resolves encoded dot segments first: this is GET /v1, not a route.
    expect((await get(t, '/v1/responses/%2e%2e')).status).toBe(501)
    expect(await upstreamRequests(t.host)).toEqual([])
  })

  it('refuses an answer whose content type or shape its labeller does not know with a 502', async () => {
    const t = await createTenant()
    for (const id of ['file-out-csv', 'file-odd']) {
      const res = await get(t, `/v1/files/${id}/content`)
      expect(res.status, id).toBe(502)
      expect((await res.json<any>()).error.message).toContain('GET /v1/files/{id}/content')
    }
  })

  it('refuses streamed runs before the call', async () => {
    const t = await createTenant()
    const res = await post(t, '/v1/threads/th_1/runs', { assistant_id: 'a', stream: true })
    expect(res.status).toBe(501)
    expect(await upstreamRequests(t.host)).toEqual([])
  })

  it('refuses a pass-through answer that is not JSON', async () => {
    const t = await createTenant()
    const res = await post(t, '/v1/moderations', { model: 'html', input: 'x' })
    expect(res.status).toBe(502)
    expect((await res.json<any>()).error.message).toMatch(/^POST \/v1\/moderations: .*text\/html/)
  })
})

describe('generated text read back is labelled like its POST twin', () => {
  it('labels a stored or background response, as JSON and as a resumed stream', async () => {
    const t = await createTenant()
    const { data, response } = await openai(t.key).responses.retrieve('resp_1').withResponse()
    expect(data.output_text).toBe(END)
    expect(response.headers.get('x-aigc-explicit')).toBe('applied')
    expect((data as any).aigc.ProduceID).toBe(response.headers.get('x-aigc-produce-id'))
    let deltas = ''
    for await (const e of await openai(t.key).responses.retrieve('resp_1', { stream: true })) if (e.type === 'response.output_text.delta') deltas += e.delta
    expect(deltas).toBe(END)
    const structured = await openai(t.key).responses.retrieve('resp_json').withResponse()
    expect(structured.data.output_text).toBe('{"ok":true}')
    expect(structured.response.headers.get('x-aigc-explicit')).toBe('omitted')
  })

  it('labels stored chat completions and the assistant messages in them', async () => {
    const t = await createTenant()
    expect((await openai(t.key).chat.completions.retrieve('chatcmpl-1')).choices[0]!.message.content).toBe(END)
    expect((await openai(t.key).chat.completions.list()).data[0]!.choices[0]!.message.content).toBe(END)
    const page = await openai(t.key).chat.completions.messages.list('chatcmpl-1')
    expect(page.data.map((m) => m.content)).toEqual(['你好', END])
  })

  it('labels conversation items and assistants thread messages', async () => {
    const t = await createTenant()
    const items = (await openai(t.key).conversations.items.list('conv_1')).data as any[]
    expect(items.map((i) => i.content[0].text)).toEqual(['你好', END])
    const thread = (await openai(t.key).beta.threads.messages.list('thread_1')).data as any[]
    expect(thread.map((m) => m.content[0].text.value)).toEqual(['你好', END])
  })

  it('labels each answer in an OpenAI batch output file and leaves the other lines alone', async () => {
    const t = await createTenant()
    const res = await openai(t.key).files.content('file-batch')
    expect(res.headers.get('x-aigc-label')).toContain('"Label":"1"')
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toHaveLength(4)
    expect(lines[0].response.body.choices[0].message.content).toBe(END)
    expect(lines[0].response.body.aigc.ProduceID).toBe(res.headers.get('x-aigc-produce-id'))
    expect(lines[1].response.body.output[1].content[0].text).toBe(END)
    expect(lines[2].response.body.data[0].embedding).toEqual([0.5])
    expect(lines[3]).toEqual({ id: 'br_4', custom_id: 'd', response: null, error: { code: 'batch_expired', message: 'expired' } })
  })

  it('labels Anthropic batch results, reached through the results_url the gateway rewrote', async () => {
    const t = await createTenant()
    const batch = await anthropic(t.key).messages.batches.retrieve('msgbatch_1')
    expect(batch.results_url).toBe('https://gateway.test/v1/messages/batches/msgbatch_1/results')
    const results: any[] = []
    for await (const r of await anthropic(t.key).messages.batches.results('msgbatch_1')) results.push(r)
    expect(results[0].result.message.content.at(-1).text).toMatch(new RegExp(`${LABEL}$`))
    expect(results[1].result.type).toBe('errored')
    const seen = await upstreamRequests(t.host)
    expect(seen.map((r) => r.path)).toContain('/v1/messages/batches/msgbatch_1/results')
    for (const r of seen) expect(r.apiKey).toBe(`upstream-secret-${t.id}`)
  })

  it('labels transcripts in every response format', async () => {
    const t = await createTenant()
    const transcribe = async (format: string) => {
      const form = new FormData()
      form.set('file', new File([new Uint8Array(16)], 'a.wav', { type: 'audio/wav' }))
      form.set('model', 'whisper-1')
      form.set('response_format', format)
      return gateway('/v1/audio/transcriptions', { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body: form })
    }
    const said = '你好，世界。Hello, world.'
    expect((await (await transcribe('json')).json<any>()).text).toBe(`${said}\n\n${LABEL}`)
    const verbose = await (await transcribe('verbose_json')).json<any>()
    expect(verbose.text).toBe(`${said}\n\n${LABEL}`)
    expect(verbose.segments.map((s: any) => s.text).join('')).toBe(`${said}\n\n${LABEL}`)
    const text = await transcribe('text')
    expect(text.headers.get('x-aigc-explicit')).toBe('applied')
    expect(await text.text()).toBe(`${said}\n\n${LABEL}`)
    expect(await (await transcribe('srt')).text()).toBe(`1\n00:00:00,000 --> 00:00:01,500\n你好，世界。\n\n2\n00:00:01,500 --> 00:00:03,000\nHello, world.\n${LABEL}\n\n`)
    expect(await (await transcribe('vtt')).text()).toMatch(new RegExp(`Hello, world.\\n${LABEL}\\n\\n$`))
    expect((await transcribe('stream')).status).toBe(502)
  })
})

describe('Anthropic side routes', () => {
  it('go to the Anthropic base with x-api-key, not to the OpenAI base with a bearer token', async () => {
    const base = await createTenant()
    const t = await createTenant({ upstream: { baseUrl: `https://${base.host}/openai/v1`, anthropicBaseUrl: `https://${base.host}/anthropic/v1`, apiKey: 'anthropic-secret' } })
    const count = await anthropic(t.key).messages.countTokens({ model: 'm', messages })
    expect(count.input_tokens).toBe(7)
    const models = await anthropic(t.key).models.list()
    expect(models.data[0]!.id).toBe('claude-mock')
    expect((await openai(t.key).models.list()).data[0]!.id).toBe('mock')
    const seen = await upstreamRequests(base.host)
    expect(seen.map((r) => [r.path, r.apiKey, r.authorization])).toEqual([
      ['/anthropic/v1/messages/count_tokens', 'anthropic-secret', undefined],
      ['/anthropic/v1/models', 'anthropic-secret', undefined],
      ['/openai/v1/models', undefined, 'Bearer anthropic-secret'],
    ])
  })
})

describe('request ids, query strings and CORS', () => {
  it("keeps the upstream's x-request-id and sends the gateway's own id in X-AIGC-Request-Id", async () => {
    const t = await createTenant()
    const { response, data } = await openai(t.key).chat.completions.create({ model: 'plain', messages }).withResponse()
    expect(response.headers.get('x-request-id')).toMatch(/^req_mock_/)
    expect((data as any)._request_id).toMatch(/^req_mock_/)
    expect(response.headers.get('x-aigc-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('forwards the query string on labelled routes', async () => {
    const t = await createTenant()
    const res = await post(t, '/v1/chat/completions?api-version=2024-10-21', { model: 'plain', messages })
    expect(await chatText(res)).toBe(END)
    expect((await get(t, '/v1/responses/resp_1?include=reasoning.encrypted_content')).status).toBe(200)
    expect((await upstreamRequests(t.host)).map((r) => r.path)).toEqual([
      '/v1/chat/completions?api-version=2024-10-21',
      '/v1/responses/resp_1?include=reasoning.encrypted_content',
    ])
  })

  it('answers preflights without a key for origins a tenant allows, and CORS headers only for that tenant', async () => {
    const origin = `https://app-${crypto.randomUUID().slice(0, 8)}.example`
    const preflight = () =>
      gateway('/v1/chat/completions', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } })
    const before = await preflight()
    expect(before.status).toBe(403)
    expect(before.headers.get('access-control-allow-origin')).toBeNull()

    const allowed = await createTenant({ corsOrigins: [origin] })
    const other = await createTenant()
    const after = await preflight()
    expect(after.status).toBe(204)
    expect(after.headers.get('access-control-allow-origin')).toBe(origin)
    expect(after.headers.get('access-control-allow-headers')).toBe('authorization, content-type')

    const call = (t: TestTenant) =>
      gateway('/v1/chat/completions', { method: 'POST', headers: { origin, authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'plain', messages }) })
    const ok = await call(allowed)
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin)
    expect(ok.headers.get('access-control-expose-headers')).toContain('X-AIGC-Label')
    expect((await call(other)).headers.get('access-control-allow-origin')).toBeNull()
  })

  it('takes CORS origins and fetch hosts from a PATCH and shows them', async () => {
    const t = await createTenant()
    const origin = `https://patched-${crypto.randomUUID().slice(0, 8)}.example`
    const res = await admin('PATCH', `/tenants/${t.id}`, { corsOrigins: [origin], upstream: { fetchHosts: ['*.oss.example.com'] } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ corsOrigins: [origin], upstream: { fetchHosts: ['*.oss.example.com'] } })
    const shown = await (await admin('GET', `/tenants/${t.id}`)).json<any>()
    expect(shown).toMatchObject({ corsOrigins: [origin], upstream: { fetchHosts: ['*.oss.example.com'] } })
    const preflight = await gateway('/v1/models', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } })
    expect(preflight.status).toBe(204)
    // The default (the upstream's own domain) no longer applies once the list is set.
    const error = await openai(t.key).images.generate({ model: 'mark.png', prompt: 'x', response_format: 'url' }).catch((e) => e)
    expect(error.status).toBe(502)
  })

  it('validates CORS origins and fetch hosts in the tenant config', async () => {
    await expect(createTenant({ corsOrigins: ['https://app.example/path'] })).rejects.toThrow(/corsOrigins\.0/)
    await expect(createTenant({ upstream: { baseUrl: 'https://x.test/v1', apiKey: 'k', fetchHosts: ['http://cdn.example'] } })).rejects.toThrow(/upstream\.fetchHosts\.0/)
  })
})

describe('outbound fetches of upstream image URLs', () => {
  const generate = (t: TestTenant, url: string) =>
    openai(t.key).images.generate({ model: 'mark.png', prompt: 'x', response_format: 'url', image_url: url } as never).catch((e) => e)

  it('refuses loopback, private and non-https URLs, directly or through a redirect, and stores nothing', async () => {
    const t = await createTenant()
    const urls = [
      'http://127.0.0.1/internal/secret.png',
      'https://127.0.0.1/internal/secret.png',
      'https://localhost/internal/secret.png',
      'https://[::ffff:127.0.0.1]/internal/secret.png',
      'http://images.upstream.test/img/mark.png',
      'https://images.upstream.test/redirect?to=http://127.0.0.1/internal/secret.png',
      'https://images.upstream.test/redirect?to=https://127.0.0.1/internal/secret.png',
      'https://images.upstream.test/redirect?to=https://elsewhere.example/img/mark.png',
    ]
    for (const url of urls) {
      const error = await generate(t, url)
      expect(error.status, url).toBe(502)
      expect(error.message, url).toMatch(/was not fetched/)
    }
    expect(await upstreamRequests('127.0.0.1')).toEqual([])
    expect(await upstreamRequests('elsewhere.example')).toEqual([])
    expect((await env.FILES.list({ prefix: `${t.id}/` })).objects).toEqual([])
  })

  it("follows up to three redirects within the tenant's hosts, which default to the upstream's domain", async () => {
    const t = await createTenant()
    const hop = (to: string) => `https://images.upstream.test/redirect?to=${encodeURIComponent(to)}`
    const three = hop(hop(hop('https://cdn.upstream.test/img/mark.png')))
    const result = await generate(t, three)
    expect(new URL(result.data[0].url).pathname).toMatch(/^\/files\//)
    const four = await generate(t, hop(three))
    expect(four.status).toBe(502)
    expect(four.message).toMatch(/fetch_redirects/)
    expect((await generate(t, 'https://images.other.test/img/mark.png')).status).toBe(502)
  })
})
