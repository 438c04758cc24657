/**
 * The official `openai` SDK against the gateway, for OpenAI itself and the compatible
 * providers (DashScope, DeepSeek, vLLM, Mistral), each answer replayed from its recording.
 */
import OpenAI, { APIError, toFile } from 'openai'
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions'
import { describe, expect, it } from 'vitest'
import { UPSTREAM_REQUEST_ID } from './cases/index'
import { checkedFetch, expectLabelledOnce, gatewayV1, keyOf, upstreamRequests } from './clients'
import type { TenantName } from './global-setup'
import { countLabels, TEXT_LABEL } from './invariant'

const fetch = checkedFetch()
const client = (tenant: TenantName = 'openai', options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({ baseURL: gatewayV1(), apiKey: keyOf(tenant), fetch, maxRetries: 0, ...options })
const user = (content: string) => [{ role: 'user' as const, content }]
const TC260 = 'http://www.tc260.org.cn/ns/AIGC/1.0/'
const carriesLabel = (base64: string) => Buffer.from(base64, 'base64').toString('latin1').includes(TC260)

describe('OpenAI Chat Completions', () => {
  it('JSON: the choice is labelled once and the upstream request id reaches the SDK', async () => {
    const completion = await client().chat.completions.create({ model: 'gpt-4.1', messages: user('Hello!') })
    expectLabelledOnce(completion.choices[0]!.message.content)
    expect(completion.choices[0]!.message.content!.startsWith('Hello! How can I assist you today?')).toBe(true)
    expect(completion._request_id).toBe(UPSTREAM_REQUEST_ID)
  })

  it('stream: the accumulated message is labelled once', async () => {
    const stream = client().chat.completions.stream({ model: 'gpt-4o-mini', messages: user('Hello!') })
    const final = await stream.finalChatCompletion()
    expectLabelledOnce(final.choices[0]!.message.content)
    expect(final.choices[0]!.finish_reason).toBe('stop')
  })

  it('stream with n=2: each choice is labelled once', async () => {
    const stream = client().chat.completions.stream({ model: 'gpt-4o', n: 2, messages: user('A rhyme') })
    const final = await stream.finalChatCompletion()
    expect(final.choices).toHaveLength(2)
    for (const choice of final.choices) expectLabelledOnce(choice.message.content)
    expect(final.choices.map((c) => c.message.content!.split('\n')[0])).toEqual(['Roses are red.', 'Violets are blue.'])
  })

  it('stream with n="2" (a string, as compatible servers accept it): each choice is labelled once', async () => {
    const stream = client().chat.completions.stream({ model: 'gpt-4o', n: '2' as unknown as number, messages: user('A rhyme') })
    const final = await stream.finalChatCompletion()
    expect(final.choices).toHaveLength(2)
    for (const choice of final.choices) expectLabelledOnce(choice.message.content)
  })

  it('a tool-only reply: arguments untouched, and the response does not claim a label it did not apply', async () => {
    const response = await client()
      .chat.completions.create({
        model: 'gpt-4.1',
        messages: user('Weather in Boston?'),
        tools: [{ type: 'function', function: { name: 'get_current_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
      })
      .withResponse()
    const call = response.data.choices[0]!.message.tool_calls![0]!
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ location: 'Boston, MA' })
    expect(response.data.choices[0]!.message.content).toBeNull()
    expect(response.response.headers.get('x-aigc-label')).not.toBeNull()
    expect(response.response.headers.get('x-aigc-explicit')).not.toBe('applied')
  })

  it('audio output is refused with 501 until the gateway labels audio', async () => {
    const error = await client()
      .chat.completions.create({ model: 'gpt-4o-audio-preview', modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' }, messages: user('Are golden retrievers good family dogs?') })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(APIError)
    expect((error as APIError).status).toBe(501)
  })

  it('JSON mode answered in prose is labelled like prose', async () => {
    const completion = await client('dashscope').chat.completions.create({
      model: 'qwen-turbo',
      response_format: { type: 'json_object' },
      messages: user('用 JSON 介绍艾达·洛夫莱斯'),
    })
    expectLabelledOnce(completion.choices[0]!.message.content)
  })

  it('the query string reaches the upstream (api-version, as Azure-style deployments need)', async () => {
    const version = `2024-10-21-${Date.now()}`
    await client('openai', { defaultQuery: { 'api-version': version } }).chat.completions.create({ model: 'gpt-4.1', messages: user('Hello!') })
    const seen = await upstreamRequests('/openai/v1/chat/completions')
    expect(seen.some((r) => new URL(r.url, 'http://x').searchParams.get('api-version') === version)).toBe(true)
  })

  // An upstream that normalises paths (nginx merges slashes) answers these like the real route.
  for (const path of ['/chat/completions/', '//chat/completions', '/chat//completions']) {
    it(`${path} is labelled or refused, never passed through`, async () => {
      const body = { model: 'gpt-4.1', messages: user('Hello!') }
      const result = await client()
        .post<OpenAI.ChatCompletion>(path, { body })
        .catch((e: unknown) => e)
      if (result instanceof APIError) expect(result.status).toBeGreaterThanOrEqual(400)
      else expectLabelledOnce((result as OpenAI.ChatCompletion).choices[0]!.message.content)
    })
  }

  it('a stream on /chat/completions/ is labelled or refused, never passed through', async () => {
    const body = { model: 'gpt-4o-mini', stream: true, messages: user('Hello!') }
    const result = await client()
      .post<OpenAI.ChatCompletionChunk>('/chat/completions/', { body, stream: true })
      .then(async (stream) => {
        let text = ''
        for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) text += chunk.choices[0]?.delta?.content ?? ''
        return text
      })
      .catch((e: unknown) => e)
    if (result instanceof APIError) expect(result.status).toBeGreaterThanOrEqual(400)
    else expectLabelledOnce(result as string)
  })

  it('a stored completion read back (GET /chat/completions/{id}) is labelled', async () => {
    const completion = await client().chat.completions.retrieve('chatcmpl-abc123')
    expectLabelledOnce(completion.choices[0]!.message.content)
  })
})

describe('OpenAI Completions', () => {
  it('the text is labelled once', async () => {
    const completion = await client().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test' })
    expectLabelledOnce(completion.choices[0]!.text)
  })
})

describe('OpenAI Responses', () => {
  it('stream: output_text labelled once, sequence numbers consecutive, final response agrees', async () => {
    const stream = client().responses.stream({ model: 'gpt-4.1', input: 'Hi' })
    const sequence: number[] = []
    let deltas = ''
    for await (const event of stream) {
      sequence.push(event.sequence_number)
      if (event.type === 'response.output_text.delta') deltas += event.delta
    }
    const final = await stream.finalResponse()
    expect(sequence).toEqual(sequence.map((_, i) => i))
    expectLabelledOnce(deltas)
    expect(final.output_text).toBe(deltas)
  })

  it('image_generation tool: the final image and its partial images carry the label', async () => {
    const stream = client().responses.stream({
      model: 'gpt-4.1-mini',
      input: 'Draw a gray tabby cat hugging an otter',
      tools: [{ type: 'image_generation', partial_images: 1 }],
    })
    const partials: string[] = []
    for await (const event of stream) if (event.type === 'response.image_generation_call.partial_image') partials.push(event.partial_image_b64)
    const final = await stream.finalResponse()
    const call = final.output.find((o) => o.type === 'image_generation_call')
    expect(call?.type === 'image_generation_call' && call.result).toBeTruthy()
    expect(carriesLabel((call as { result: string }).result)).toBe(true)
    expect(partials).toHaveLength(1)
    expect(partials.every(carriesLabel)).toBe(true)
  })

  it('background mode: the response polled with responses.retrieve is labelled', async () => {
    const queued = await client().responses.create({ model: 'o3-pro', background: true, input: 'A bedtime story' })
    expect(queued.status).toBe('queued')
    const done = await client().responses.retrieve(queued.id)
    expect(done.status).toBe('completed')
    expectLabelledOnce(done.output_text)
  })

  it('conversation items read back are labelled', async () => {
    const page = await client().conversations.items.list('conv_123')
    const assistant = page.data.find((item) => item.type === 'message' && item.role === 'assistant')
    const part = assistant?.type === 'message' ? assistant.content[0] : undefined
    expect(part?.type).toBe('output_text')
    expectLabelledOnce((part as { text: string }).text)
  })
})

describe('OpenAI batch output, transcription and images', () => {
  it('batch output read through files.content is labelled line by line', async () => {
    const lines = (await (await client().files.content('file-batch-output-1')).text()).trim().split('\n')
    expect(lines).toHaveLength(2)
    for (const line of lines) expectLabelledOnce((JSON.parse(line) as { response: { body: OpenAI.ChatCompletion } }).response.body.choices[0]!.message.content)
  })

  it('a transcription is labelled', async () => {
    const file = await toFile(Buffer.from('RIFF$\0\0\0WAVEfmt '), 'speech.wav', { type: 'audio/wav' })
    const transcription = await client().audio.transcriptions.create({ file, model: 'gpt-4o-transcribe' })
    expectLabelledOnce(transcription.text)
  })

  it('b64_json images carry the label', async () => {
    const images = await client().images.generate({ model: 'gpt-image-1', prompt: 'A sea otter' })
    expect(carriesLabel(images.data![0]!.b64_json!)).toBe(true)
  })

  it('an item with both b64_json and url: both are the labelled image', async () => {
    const images = await client().images.generate({ model: 'dall-e-2', prompt: 'A sea otter' })
    const item = images.data![0]!
    expect(carriesLabel(item.b64_json!)).toBe(true)
    if (item.url !== undefined) {
      const url = new URL(item.url)
      expect(url.origin).toBe(new URL(gatewayV1()).origin)
      const image = Buffer.from(await (await globalThis.fetch(url)).arrayBuffer())
      expect(image.toString('latin1').includes(TC260)).toBe(true)
    }
  })
})

describe('DashScope compatible mode', () => {
  it('stream with include_usage: labelled once, the usage chunk (empty choices) still arrives', async () => {
    const stream = await client('dashscope').chat.completions.create({
      model: 'qwen-plus',
      stream: true,
      stream_options: { include_usage: true },
      messages: user('你是谁？'),
    })
    let text = ''
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.choices.length === 0) usage = chunk.usage
    }
    expectLabelledOnce(text)
    expect(text.startsWith('我是来自阿里云的超大规模语言模型，我叫通义千问。')).toBe(true)
    expect(usage?.total_tokens).toBe(39)
  })
})

describe('DeepSeek', () => {
  it('stream: content labelled once, reasoning_content untouched', async () => {
    const stream = await client('deepseek').chat.completions.create({ model: 'deepseek-reasoner', stream: true, messages: user('9.11 和 9.8 哪个大？') })
    let content = ''
    let reasoning = ''
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string | null } | undefined
      content += delta?.content ?? ''
      reasoning += delta?.reasoning_content ?? ''
    }
    expectLabelledOnce(content)
    expect(reasoning).toBe('嗯，用户问9.11和9.8哪个大。')
  })

  it('JSON: content labelled once, reasoning_content untouched', async () => {
    const completion = await client('deepseek').chat.completions.create({ model: 'deepseek-reasoner', messages: user('9.11 和 9.8 哪个大？') })
    const message = completion.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content: string }
    expectLabelledOnce(message.content)
    expect(countLabels(message.reasoning_content)).toBe(0)
  })
})

describe('vLLM', () => {
  it('guided_json output is structured output: JSON intact, the label in the header only', async () => {
    const params: ChatCompletionCreateParamsNonStreaming & { guided_json: object } = {
      model: 'Qwen/Qwen2.5-3B-Instruct',
      messages: user('Ada Lovelace as JSON'),
      guided_json: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] },
    }
    const { data, response } = await client('vllm').chat.completions.create(params).withResponse()
    expect(JSON.parse(data.choices[0]!.message.content!)).toEqual({ name: 'Ada Lovelace', age: 36 })
    expect(response.headers.get('x-aigc-explicit')).toBe('omitted')
    expect(response.headers.get('x-aigc-label')).not.toBeNull()
  })
})

describe('Mistral (content as an array of parts)', () => {
  type Part = { type: 'text'; text: string } | { type: 'thinking'; thinking: { type: 'text'; text: string }[] }
  const partsText = (parts: Part[], type: 'text' | 'thinking') =>
    parts.map((p) => (p.type === 'text' && type === 'text' ? p.text : p.type === 'thinking' && type === 'thinking' ? p.thinking.map((t) => t.text).join('') : '')).join('')

  it('stream: the text parts are labelled once, the thinking parts not at all', async () => {
    const stream = await client('mistral').chat.completions.create({ model: 'magistral-medium-latest', stream: true, messages: user('2 + 2?') })
    const parts: Part[] = []
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta?.content as unknown
      if (Array.isArray(content)) parts.push(...(content as Part[]))
      else if (typeof content === 'string' && content !== '') parts.push({ type: 'text', text: content })
    }
    expectLabelledOnce(partsText(parts, 'text'))
    expect(partsText(parts, 'thinking')).toBe('Okay, the user asks what 2 + 2 is.')
  })

  it('JSON: the text part is labelled once, the thinking part not at all', async () => {
    const completion = await client('mistral').chat.completions.create({ model: 'magistral-medium-latest', messages: user('2 + 2?') })
    const parts = completion.choices[0]!.message.content as unknown as Part[]
    expectLabelledOnce(partsText(parts, 'text'))
    expect(partsText(parts, 'thinking')).not.toContain(TEXT_LABEL)
  })
})
