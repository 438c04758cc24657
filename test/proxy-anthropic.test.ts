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

describe('Anthropic structured output and tool loops', () => {
  const prefilled = (answer?: string) => ({
    ...params,
    messages: [...params.messages, { role: 'assistant' as const, content: '{' }],
    ...(answer ? { mock_answer: answer } : {}),
  })

  it('treats a JSON prefill as structured output when the continuation completes the JSON', async () => {
    const t = await createTenant()
    const { data, response } = await anthropic(t.key).messages.create(prefilled('"city":"北京"}') as never).withResponse()
    const text = (data.content as any[]).filter((b) => b.type === 'text').map((b) => b.text).join('')
    expect(JSON.parse(`{${text}`)).toEqual({ city: '北京' })
    expect(response.headers.get('x-aigc-explicit')).toBe('omitted')
    expect(response.headers.get('x-aigc-explicit-reason')).toBe('structured-output')
  })

  it('labels a prefilled answer that is not JSON, and a stream says which at its end', async () => {
    const t = await createTenant()
    const prose = await anthropic(t.key).messages.create(prefilled())
    expect((prose.content[1] as any).text).toBe(`${ANSWER}\n\n${LABEL}`)
    for (const [answer, verdict] of [['"a":1}', 'omitted'], [undefined, 'applied']] as const) {
      const res = await gateway('/v1/messages', {
        method: 'POST',
        headers: { 'x-api-key': t.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ ...prefilled(answer), stream: true }),
      })
      expect(res.headers.get('x-aigc-explicit')).toBe('deferred')
      const events = [...(await res.text()).matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!))
      expect(events.find((e) => e.type === 'message_delta').aigc_explicit).toBe(verdict)
      const text = events.filter((e) => e.delta?.type === 'text_delta').map((e) => e.delta.text).join('')
      expect(text).toBe(answer ?? `${ANSWER}\n\n${LABEL}`)
    }
  })

  it('opens a tool-loop answer with the separator, so the last step’s label stays apart', async () => {
    const t = await createTenant()
    const loop = {
      ...params,
      messages: [
        ...params.messages,
        { role: 'assistant' as const, content: [{ type: 'text' as const, text: `先查天气。\n\n${LABEL}` }, { type: 'tool_use' as const, id: 'toolu_1', name: 'get_weather', input: {} }] },
        { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_1', content: '21°C' }] },
      ],
    }
    const message = await anthropic(t.key).messages.create(loop)
    expect((message.content[1] as any).text).toBe(`\n\n${ANSWER}\n\n${LABEL}`)
    const streamed = await anthropic(t.key).messages.stream(loop).finalMessage()
    expect((streamed.content[1] as any).text).toBe(`\n\n${ANSWER}\n\n${LABEL}`)
  })
})
