import { APIError } from 'openai'
import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
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
    // Speech is labelled now: the SDK gets the marked MP3.
    const speech = await openai(t.key).audio.speech.create({ model: 'x', input: '你好', voice: 'alloy' })
    expect(speech.headers.get('x-aigc-explicit')).toBe('applied')
    expect(speech.headers.get('content-type')).toBe('audio/mpeg')
    expect(await upstreamRequests(t.host)).toHaveLength(2)
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

/** Every frame of a raw gateway stream, parsed ([DONE] left out). */
async function rawChunks(key: string, body: Record<string, unknown>, path = '/v1/chat/completions') {
  const res = await gateway(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages, stream: true, ...body }),
  })
  const text = await res.text()
  const chunks = [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d))
  return { res, chunks, text }
}

const partsText = (content: unknown) => (Array.isArray(content) ? content.filter((p) => p.type === 'text').map((p) => p.text).join('') : '')
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))

describe('content the labellers used to miss', () => {
  it('labels content sent as parts, stream and JSON, and leaves thinking parts alone', async () => {
    const t = await createTenant()
    const { chunks } = await rawChunks(t.key, { model: 'parts' })
    const contents = chunks.map((c) => c.choices[0]?.delta?.content)
    expect(contents.map(partsText).join('')).toBe(END)
    const thinking = contents.flatMap((c) => (Array.isArray(c) ? c : [])).filter((p) => p.type === 'thinking')
    expect(JSON.stringify(thinking)).not.toContain(LABEL)
    const json: any = await openai(t.key).chat.completions.create({ model: 'parts', messages })
    expect(partsText(json.choices[0].message.content)).toBe(END)
    expect(json.choices[0].message.content[0]).toEqual({ type: 'thinking', thinking: [{ type: 'text', text: '先想一想。' }] })
  })

  it('labels every choice of a stream whose n came as a string', async () => {
    const t = await createTenant()
    const { chunks } = await rawChunks(t.key, { model: 'plain', n: '2' })
    const texts = ['', '']
    for (const c of chunks) for (const choice of c.choices) texts[choice.index] += choice.delta?.content ?? ''
    expect(texts).toEqual([END, END])
  })

  it('marks and labels image_generation tool images like /v1/images, JSON and stream', async () => {
    const t = await createTenant()
    const params = { model: 'image-tool', input: '画一只猫', tools: [{ type: 'image_generation' as const }] }
    const { data, response } = await openai(t.key).responses.create(params).withResponse()
    const call: any = data.output[0]
    const image = fromB64(call.result)
    const found = readLabels(image)
    expect(found).toHaveLength(1)
    expect(found[0]!.label?.ProduceID).toBe(call.aigc.ProduceID)
    expect(response.headers.get('x-aigc-produce-id')).toContain(call.aigc.ProduceID)
    expect(data.output_text).toBe(END)

    const events: any[] = []
    for await (const e of await openai(t.key).responses.create({ ...params, stream: true })) events.push(e)
    const partial = events.find((e) => e.type === 'response.image_generation_call.partial_image')
    expect(readLabels(fromB64(partial.partial_image_b64))).toHaveLength(1)
    const done = events.find((e) => e.type === 'response.output_item.done' && e.item.type === 'image_generation_call')
    expect(readLabels(fromB64(done.item.result))).toHaveLength(1)
    const completed = events.find((e) => e.type === 'response.completed')
    expect(completed.response.output[0].result).toBe(done.item.result)
    expect(completed.response.output[0].aigc.ProduceID).toBe(done.item.aigc.ProduceID)
  })

  it('refuses audio output: 501 before the upstream when asked for, 502 or a stream error when sent anyway', async () => {
    const t = await createTenant()
    const asked = await openai(t.key)
      .chat.completions.create({ model: 'plain', messages, modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } })
      .catch((e) => e)
    expect(asked.status).toBe(501)
    expect(asked.message).toMatch(/audio/)
    expect(await upstreamRequests(t.host)).toHaveLength(0)
    const sent = await openai(t.key).chat.completions.create({ model: 'audio', messages }).catch((e) => e)
    expect(sent.status).toBe(502)
    const { text } = await rawChunks(t.key, { model: 'audio' })
    expect(text).not.toContain('transcript')
    expect(text).not.toContain('UklGR') // the audio's base64
    expect(text).toContain('upstream_stream_incomplete')
  })

  it('labels an answer that ignored JSON mode, and says so at the end of a stream', async () => {
    const t = await createTenant()
    const { data, response } = await openai(t.key)
      .chat.completions.create({ model: 'ignores-json', messages, response_format: { type: 'json_object' } })
      .withResponse()
    expect(data.choices[0]!.message.content).toBe(END)
    expect(response.headers.get('x-aigc-explicit')).toBe('applied')
    const prose = await rawChunks(t.key, { model: 'ignores-json', response_format: { type: 'json_object' } })
    expect(prose.res.headers.get('x-aigc-explicit')).toBe('deferred')
    expect(prose.res.headers.get('x-aigc-explicit-reason')).toBe('structured-output')
    expect(prose.chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(END)
    expect(prose.chunks.at(-1)).toMatchObject({ choices: [], aigc_explicit: 'applied' })
    const json = await rawChunks(t.key, { model: 'plain', response_format: { type: 'json_object' } })
    expect(JSON.parse(json.chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''))).toEqual({ city: '北京', temp: 21 })
    expect(json.chunks.at(-1)).toMatchObject({ choices: [], aigc_explicit: 'omitted' })
    const responsesProse = await openai(t.key).responses.create({ model: 'ignores-json', input: 'x', text: { format: { type: 'json_object' } } })
    expect(responsesProse.output_text).toBe(END)
    for (const [model, verdict, text] of [['ignores-json', 'applied', END], ['plain', 'omitted', '{"ok":true}']] as const) {
      const stream = await rawChunks(t.key, { model, input: 'x', text: { format: { type: 'json_object' } } }, '/v1/responses')
      expect(stream.chunks.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), model).toBe(text)
      expect(stream.chunks.at(-1), model).toMatchObject({ type: 'response.completed', aigc_explicit: verdict })
    }
  })

  it("trusts vLLM's guided decoding only when the answer is what it asked for", async () => {
    const t = await createTenant()
    const cases: [Record<string, unknown>, string, boolean][] = [
      [{ guided_json: { type: 'object' } }, '{"a":1}', true],
      [{ guided_json: { type: 'object' } }, ANSWER, false],
      [{ guided_regex: '\\d{3}' }, '123', true],
      [{ guided_regex: '\\d{3}' }, '12a', false],
      [{ guided_choice: ['yes', 'no'] }, 'yes', true],
      [{ guided_choice: ['yes', 'no'] }, 'maybe', false],
      [{ structured_outputs: { choice: ['yes', 'no'] } }, 'no', true],
      [{ extra_body: { guided_json: {} } }, '[1,2]', true],
      [{ extra_body: { guided_json: {} } }, ANSWER, false],
    ]
    for (const [fields, answer, structured] of cases) {
      const { data, response } = await openai(t.key)
        .chat.completions.create({ model: 'plain', messages, mock_answer: answer, ...fields } as never)
        .withResponse()
      const what = `${JSON.stringify(fields)} → ${answer}`
      expect((data as any).choices[0].message.content, what).toBe(structured ? answer : `${answer}\n\n${LABEL}`)
      expect(response.headers.get('x-aigc-explicit'), what).toBe(structured ? 'omitted' : 'applied')
    }
  })

  it('says none when a reply holds no text, and keeps a tool-loop step apart from the label before it', async () => {
    const t = await createTenant()
    const { response } = await openai(t.key).chat.completions.create({ model: 'tools', messages }).withResponse()
    expect(response.headers.get('x-aigc-explicit')).toBe('none')
    expect(response.headers.get('x-aigc-explicit-reason')).toBe('no-text')
    const toolOnly = await openai(t.key).responses.create({ model: 'tools', input: 'x' }).withResponse()
    expect(toolOnly.response.headers.get('x-aigc-explicit')).toBe('none')

    const loop = [
      ...messages,
      { role: 'assistant' as const, content: `先查天气。\n\n${LABEL}`, tool_calls: [{ id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool' as const, tool_call_id: 'call_1', content: '21°C' },
    ]
    const step = await openai(t.key).chat.completions.create({ model: 'plain', messages: loop })
    expect(step.choices[0]!.message.content).toBe(`\n\n${END}`)
    const { texts } = await streamText(t.key, { model: 'plain', messages: loop })
    expect(texts).toEqual([`\n\n${END}`])
  })
})
