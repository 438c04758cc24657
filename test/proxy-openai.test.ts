import { APIError } from 'openai'
import { describe, expect, it } from 'vitest'
import { parseLabel } from '../src/label/annex-e'
import { ANSWER } from './mock-upstream/server'
import { createTenant, gateway, openai, PROVIDER, upstreamRequests } from './helpers'

const LABEL = '本内容由人工智能生成'
const END = `${ANSWER}\n\n${LABEL}`
const messages = [{ role: 'user' as const, content: '你好' }]

async function streamText(key: string, params: Record<string, unknown>) {
  const stream = await openai(key).chat.completions.create({ messages, stream: true, ...params } as never)
  const texts: string[] = []
  const chunks: any[] = []
  for await (const chunk of stream as any) {
    chunks.push(chunk)
    for (const c of chunk.choices) texts[c.index] = (texts[c.index] ?? '') + (c.delta?.content ?? '')
  }
  return { texts, chunks }
}

describe('chat completions through the official SDK', () => {
  it('labels a JSON response: explicit text, implicit header and aigc object', async () => {
    const t = await createTenant()
    const { data, response } = await openai(t.key)
      .chat.completions.create({ model: 'plain', messages })
      .withResponse()
    expect(data.choices[0]!.message.content).toBe(END)
    const header = parseLabel(response.headers.get('x-aigc-label')!)
    expect(header?.wrapped).toBe(false)
    expect(header?.label).toMatchObject({ Label: '1', ContentProducer: PROVIDER, ContentPropagator: PROVIDER })
    expect(header?.label.ProduceID).toBe(response.headers.get('x-aigc-produce-id'))
    expect(header?.label.PropagateID).toBe(header?.label.ProduceID)
    expect((data as any).aigc).toEqual(header?.label)
    expect(response.headers.get('x-aigc-explicit')).toBe('applied')
  })

  it('gives every response its own ProduceID', async () => {
    const t = await createTenant()
    const ids = new Set<string>()
    for (let i = 0; i < 3; i++) {
      const { response } = await openai(t.key).chat.completions.create({ model: 'plain', messages }).withResponse()
      ids.add(response.headers.get('x-aigc-produce-id')!)
    }
    expect(ids.size).toBe(3)
  })

  it('sends the tenant upstream key, never the client key, and forwards the body unchanged', async () => {
    const t = await createTenant()
    await openai(t.key).chat.completions.create({ model: 'plain', messages, temperature: 0.3 })
    const [seen] = await upstreamRequests(t.host)
    expect(seen!.path).toBe('/v1/chat/completions')
    expect(seen!.authorization).toBe(`Bearer upstream-secret-${t.id}`)
    expect(JSON.parse(seen!.body)).toMatchObject({ model: 'plain', temperature: 0.3 })
  })

  it('labels a stream with CJK and emoji bytes split across chunks', async () => {
    const t = await createTenant()
    const { texts } = await streamText(t.key, { model: 'cjk-split' })
    expect(texts).toEqual([END])
  })

  it('survives CRLF frames, comments and keep-alives', async () => {
    const t = await createTenant()
    const res = await gateway('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'crlf', messages, stream: true }),
    })
    const raw = await res.text()
    expect(raw).toContain(': keep-alive\r\n\r\n')
    expect(raw).toContain(': ping\r\n\r\n')
    const { texts } = await streamText(t.key, { model: 'crlf' })
    expect(texts).toEqual([END])
  })

  it('labels start, end or both as the tenant says, for every one of n choices', async () => {
    const t = await createTenant({ labels: { text: { text: 'AI生成内容', position: 'both' } } })
    const { texts } = await streamText(t.key, { model: 'plain', n: 2 })
    expect(texts).toEqual([0, 1].map(() => `AI生成内容\n\n${ANSWER}\n\nAI生成内容`))
    const json = await openai(t.key).chat.completions.create({ model: 'plain', messages, n: 2 })
    expect(json.choices.map((c) => c.message.content)).toEqual(texts)
  })

  it('never touches tool-call arguments; text beside a tool call is labelled', async () => {
    const t = await createTenant()
    const toolsOnly = await openai(t.key).chat.completions.create({ model: 'tools', messages })
    expect(toolsOnly.choices[0]!.message.content).toBeNull()
    expect((toolsOnly.choices[0]!.message.tool_calls![0] as any).function.arguments).toBe('{"city":"北京","unit":"c"}')
    const { chunks, texts } = await streamText(t.key, { model: 'tools' })
    expect(texts.join('')).toBe('')
    const args = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []).map((c: any) => c.function?.arguments ?? '').join('')
    expect(args).toBe('{"city":"北京","unit":"c"}')
    const both = await streamText(t.key, { model: 'tools-text' })
    expect(both.texts).toEqual([END])
  })

  it('leaves reasoning_content alone', async () => {
    const t = await createTenant()
    const { chunks, texts } = await streamText(t.key, { model: 'reasoning' })
    expect(texts).toEqual([END])
    const reasoning = chunks.map((c) => c.choices[0]?.delta?.reasoning_content ?? '').join('')
    expect(reasoning).toBe('先想一想。Thinking first.')
    const json: any = await openai(t.key).chat.completions.create({ model: 'reasoning', messages })
    expect(json.choices[0].message.reasoning_content).toBe('先想一想。Thinking first.')
  })

  it('omits the explicit label in JSON mode and says so, keeping the implicit label', async () => {
    const t = await createTenant()
    const { data, response } = await openai(t.key)
      .chat.completions.create({ model: 'plain', messages, response_format: { type: 'json_object' } })
      .withResponse()
    expect(JSON.parse(data.choices[0]!.message.content!)).toEqual({ city: '北京', temp: 21 })
    expect(response.headers.get('x-aigc-explicit')).toBe('omitted')
    expect(response.headers.get('x-aigc-explicit-reason')).toBe('structured-output')
    expect(response.headers.get('x-aigc-label')).toContain('"Label":"1"')
    const { texts } = await streamText(t.key, { model: 'plain', response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } })
    expect(JSON.parse(texts[0]!)).toEqual({ city: '北京', temp: 21 })
  })

  it('passes a usage-only final chunk through and handles a finish chunk that carries text', async () => {
    const t = await createTenant()
    const { chunks, texts } = await streamText(t.key, { model: 'usage' })
    expect(texts).toEqual([END])
    expect(chunks.at(-1).choices).toEqual([])
    expect(chunks.at(-1).usage.total_tokens).toBe(3)
    expect((await streamText(t.key, { model: 'finish-with-content' })).texts).toEqual([END])
  })

  it('keeps upstream 429 and 500 status and body', async () => {
    const t = await createTenant()
    for (const status of [429, 500]) {
      const error = await openai(t.key).chat.completions.create({ model: `status-${status}`, messages }).catch((e) => e)
      expect(error).toBeInstanceOf(APIError)
      expect(error.status).toBe(status)
      expect(error.message).toContain(`mock upstream says ${status}`)
    }
  })

  it('turns a stream cut short, a reset connection or malformed SSE into a labelled partial and an SDK error', async () => {
    const t = await createTenant()
    for (const model of ['cut', 'reset', 'malformed']) {
      const seen: string[] = []
      const error = await (async () => {
        const stream = await openai(t.key).chat.completions.create({ model, messages, stream: true })
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta?.content ?? '')
      })().catch((e) => e)
      expect(error, model).toBeInstanceOf(APIError)
      expect(seen.join('').endsWith(`\n\n${LABEL}`), model).toBe(true)
      expect(seen.join('')).not.toContain('broken')
    }
  })

  it('refuses content it cannot label instead of passing it on', async () => {
    const t = await createTenant()
    const error = await openai(t.key).chat.completions.create({ model: 'html', messages }).catch((e) => e)
    expect(error.status).toBe(502)
    expect(error.message).toMatch(/cannot label/)
    const speech = await openai(t.key).audio.speech.create({ model: 'x', input: '你好', voice: 'alloy' }).catch((e) => e)
    expect(speech.status).toBe(501)
    expect(await upstreamRequests(t.host)).toHaveLength(1)
  })

  it('answers bad JSON with a 400 in the OpenAI error shape', async () => {
    const t = await createTenant()
    const res = await gateway('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body: '{oops' })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_json', type: 'invalid_request_error' } })
  })
})

describe('completions and responses', () => {
  it('labels legacy completions, JSON and stream', async () => {
    const t = await createTenant()
    const json = await openai(t.key).completions.create({ model: 'plain', prompt: 'hi' })
    expect(json.choices[0]!.text).toBe(END)
    let text = ''
    for await (const c of await openai(t.key).completions.create({ model: 'plain', prompt: 'hi', stream: true })) text += c.choices[0]?.text ?? ''
    expect(text).toBe(END)
  })

  it('labels a response, and the stream helper assembles the same labelled text', async () => {
    const t = await createTenant({ labels: { text: { position: 'both' } } })
    const expected = `${LABEL}\n\n${ANSWER}\n\n${LABEL}`
    const json = await openai(t.key).responses.create({ model: 'plain', input: '你好' })
    expect(json.output_text).toBe(expected)
    const stream = openai(t.key).responses.stream({ model: 'plain', input: '你好' })
    let deltas = ''
    stream.on('response.output_text.delta', (e) => (deltas += e.delta))
    const final = await stream.finalResponse()
    expect(deltas).toBe(expected)
    expect(final.output_text).toBe(expected)
  })

  it('omits the explicit label for a JSON-schema response and leaves function calls alone', async () => {
    const t = await createTenant()
    const { data, response } = await openai(t.key)
      .responses.create({ model: 'plain', input: 'x', text: { format: { type: 'json_object' } } })
      .withResponse()
    expect(data.output_text).toBe('{"ok":true}')
    expect(response.headers.get('x-aigc-explicit')).toBe('omitted')
    const tools = await openai(t.key).responses.create({ model: 'tools', input: 'x' })
    expect(JSON.stringify(tools.output)).not.toContain(LABEL)
    expect((tools.output[1] as any).arguments).toBe('{"city":"北京","unit":"c"}')
  })
})

describe('pass-through', () => {
  it('forwards the routes the table names as pass-through unlabelled to the tenant upstream', async () => {
    const t = await createTenant()
    const models = await openai(t.key).models.list()
    expect(models.data[0]!.id).toBe('mock')
    const { data, response } = await openai(t.key).embeddings.create({ model: 'e', input: 'x', encoding_format: 'float' }).withResponse()
    expect(data.data[0]!.embedding).toEqual([0.1, 0.2])
    expect(response.headers.get('x-aigc-label')).toBeNull()
    const paths = (await upstreamRequests(t.host)).map((r) => r.path)
    expect(paths).toEqual(['/v1/models', '/v1/embeddings'])
  })
})
