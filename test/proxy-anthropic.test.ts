import { describe, expect, it } from 'vitest'
import { ANSWER } from './mock-upstream/server'
import { admin, anthropic, createTenant, gateway, upstreamRequests } from './helpers'

const LABEL = '本内容由人工智能生成'
const params = { model: 'plain', max_tokens: 100, messages: [{ role: 'user' as const, content: '你好' }] }

describe('Anthropic Messages through the official SDK', () => {
  it('labels a message and sends the upstream key the Anthropic way to {baseUrl}/messages', async () => {
    const t = await createTenant()
    const { data, response } = await anthropic(t.key).messages.create(params).withResponse()
    const text = data.content.filter((b) => b.type === 'text').map((b) => (b as any).text)
    expect(text).toEqual([`${ANSWER}\n\n${LABEL}`])
    expect((data.content[0] as any).thinking).toBe('先想一想。')
    expect(response.headers.get('x-aigc-label')).toContain('"Label":"1"')
    const [seen] = await upstreamRequests(t.host)
    expect(seen).toMatchObject({ path: '/v1/messages', apiKey: `upstream-secret-${t.id}` })
    expect(seen!.authorization).toBeUndefined()
    expect(seen!.anthropicVersion).toBeTruthy()
  })

  it('labels a stream; the SDK assembles the same message', async () => {
    const t = await createTenant({ labels: { text: { position: 'both' } } })
    const stream = anthropic(t.key).messages.stream({ ...params, stream: true })
    let deltas = ''
    stream.on('text', (text) => (deltas += text))
    const final = await stream.finalMessage()
    const expected = `${LABEL}\n\n${ANSWER}\n\n${LABEL}`
    expect(deltas).toBe(expected)
    expect((final.content[1] as any).text).toBe(expected)
  })

  it('keeps tool input intact and puts the end label in a text block after the tool call', async () => {
    const t = await createTenant()
    for (const stream of [false, true]) {
      const message = stream
        ? await anthropic(t.key).messages.stream({ ...params, model: 'tools-text' }).finalMessage()
        : await anthropic(t.key).messages.create({ ...params, model: 'tools-text' })
      expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use', 'text'])
      expect((message.content[2] as any).input).toEqual({ city: '北京' })
      expect((message.content[1] as any).text).toBe(ANSWER)
      expect((message.content[3] as any).text).toBe(`\n\n${LABEL}`)
    }
  })

  it('authenticates with x-api-key and uses anthropicBaseUrl when set', async () => {
    const t = await createTenant()
    const other = `${t.id}-anthropic.upstream.test`
    await admin('PATCH', `/tenants/${t.id}`, { upstream: { anthropicBaseUrl: `https://${other}/api/v1` } })
    await anthropic(t.key).messages.create(params)
    expect((await upstreamRequests(other)).map((r) => r.path)).toEqual(['/api/v1/messages'])
  })

  it('answers gateway errors in the Anthropic shape', async () => {
    const res = await gateway('/v1/messages', { method: 'POST', headers: { 'x-api-key': 'sk-nope' }, body: '{}' })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })
})
