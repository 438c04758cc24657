/**
 * A deterministic stand-in for a model API, reached through `demo://model/v1` upstream
 * URLs. It lets `npm start` show the whole flow offline: OpenAI chat, completions and
 * responses, and Anthropic messages, each as JSON or as an event stream, and images.
 */
import { toBase64 } from '../formats/bytes'
import { gradientPng } from '../image/sample'
import { writeFrame, type SseEvent } from '../stream/sse-frames'

const ANSWER = '你好！我是演示模型。This answer comes from the built-in demo model, so the gateway works offline.'
const JSON_ANSWER = '{"greeting":"你好","source":"demo"}'
const MODEL = 'demo-model'
const CREATED = 1_767_225_600

/** Small pieces, so streams carry many deltas as real models do. */
function pieces(text: string): string[] {
  return text.match(/[\s\S]{1,6}/g) ?? []
}

export async function demoModel(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname.replace(/^\/v1/, '')
  if (request.method === 'GET' && path === '/models') {
    return Response.json({ object: 'list', data: [{ id: MODEL, object: 'model', created: CREATED, owned_by: 'demo' }] })
  }
  const handler = request.method === 'POST' ? HANDLERS[path] : undefined
  if (!handler) return Response.json({ error: { message: `demo model has no ${request.method} ${path}`, type: 'invalid_request_error' } }, { status: 404 })
  const body = (await request.json().catch(() => ({}))) as DemoRequest
  const json = ['json_object', 'json_schema'].includes(body.response_format?.type ?? body.text?.format?.type ?? '')
  return handler(json ? JSON_ANSWER : ANSWER, body)
}

/** The request fields the demo reads; anything else is ignored. */
interface DemoRequest {
  n?: unknown
  prompt?: unknown
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  response_format?: { type?: string }
  text?: { format?: { type?: string } }
}

type DemoEvent = { type: string } & Record<string, unknown>

type Handler = (text: string, body: DemoRequest) => Response | Promise<Response>

/** A 512 × 512 gradient PNG. */
async function demoImage(_text: string, body: DemoRequest): Promise<Response> {
  const png = await gradientPng(512, 512)
  const b64_json = toBase64(png)
  const n = Math.min(Math.max(Number(body.n) || 1, 1), 4)
  return Response.json({ created: CREATED, data: Array.from({ length: n }, () => ({ b64_json, revised_prompt: body.prompt })) })
}

const HANDLERS: Record<string, Handler> = {
  '/images/generations': demoImage,
  '/chat/completions': (text, body) => choices('chat.completion', text, body),
  '/completions': (text, body) => choices('text_completion', text, body),
  '/responses': responses,
  '/messages': messages,
}

function choices(object: 'chat.completion' | 'text_completion', text: string, body: DemoRequest): Response {
  const n = Math.min(Math.max(Number(body.n) || 1, 1), 8)
  const chat = object === 'chat.completion'
  const usage = { prompt_tokens: 8, completion_tokens: text.length, total_tokens: 8 + text.length }
  const indexes = [...Array(n).keys()]
  if (!body.stream) {
    const choice = (index: number) =>
      chat
        ? { index, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'stop' }
        : { index, text, logprobs: null, finish_reason: 'stop' }
    return Response.json({ id: 'demo-1', object, created: CREATED, model: MODEL, choices: indexes.map(choice), usage })
  }
  const envelope = { id: 'demo-1', object: chat ? 'chat.completion.chunk' : 'text_completion', created: CREATED, model: MODEL }
  const delta = (index: number, piece: string | undefined, finish: string | null) =>
    chat
      ? { index, delta: piece === undefined ? {} : { content: piece }, logprobs: null, finish_reason: finish }
      : { index, text: piece ?? '', logprobs: null, finish_reason: finish }
  const events: string[] = []
  for (const piece of pieces(text)) events.push(JSON.stringify({ ...envelope, choices: indexes.map((i) => delta(i, piece, null)) }))
  events.push(JSON.stringify({ ...envelope, choices: indexes.map((i) => delta(i, undefined, 'stop')) }))
  if (body.stream_options?.include_usage) events.push(JSON.stringify({ ...envelope, choices: [], usage }))
  events.push('[DONE]')
  return sse(events.map((data) => ({ data })))
}

function responses(text: string, body: DemoRequest): Response {
  const part = { type: 'output_text', text, annotations: [] }
  const item = { id: 'msg_demo', type: 'message', status: 'completed', role: 'assistant', content: [part] }
  const response = { id: 'resp_demo', object: 'response', created_at: CREATED, status: 'completed', model: MODEL, output: [item] }
  if (!body.stream) return Response.json(response)
  const ref = { item_id: item.id, output_index: 0, content_index: 0 }
  const started = { ...response, status: 'in_progress', output: [] }
  const events: DemoEvent[] = [
    { type: 'response.created', response: started },
    { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', ...ref, part: { ...part, text: '' } },
    ...pieces(text).map((delta) => ({ type: 'response.output_text.delta', ...ref, delta, logprobs: [] })),
    { type: 'response.output_text.done', ...ref, text, logprobs: [] },
    { type: 'response.content_part.done', ...ref, part },
    { type: 'response.output_item.done', output_index: 0, item },
    { type: 'response.completed', response },
  ]
  return sse(events.map((e, sequence_number) => ({ event: e.type, data: JSON.stringify({ ...e, sequence_number }) })))
}

function messages(text: string, body: DemoRequest): Response {
  const usage = { input_tokens: 8, output_tokens: text.length }
  const message = { id: 'msg_demo', type: 'message', role: 'assistant', model: MODEL, stop_reason: 'end_turn', stop_sequence: null }
  if (!body.stream) return Response.json({ ...message, content: [{ type: 'text', text }], usage })
  const events: DemoEvent[] = [
    { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 0 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    ...pieces(text).map((piece) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage },
    { type: 'message_stop' },
  ]
  return sse(events.map((e) => ({ event: e.type, data: JSON.stringify(e) })))
}

function sse(events: SseEvent[]): Response {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of events) controller.enqueue(encoder.encode(writeFrame(event, '\n')))
      controller.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } })
}
