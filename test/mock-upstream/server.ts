/**
 * A model API that misbehaves the way real ones do, run in Node (miniflare's outbound
 * service in tests, a loopback server in the benchmark). The `model` field of a request
 * picks the scenario; every request is recorded per host for isolation checks.
 */
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { OFFICE_TYPES, officePackage } from '../ooxml-packages'
import { minimalPdf } from '../pdf-fixtures'

export const ANSWER = '你好，世界！这是一个测试回答。Hello, world: 𝄞 emoji 🙂 and more text.'

type Json = any
export interface Frame {
  event?: string
  data: string
}
export interface Recorded {
  method: string
  path: string
  authorization?: string
  apiKey?: string
  anthropicVersion?: string
  range?: string
  body: string
}

const recorded = new Map<string, Recorded[]>()

export async function mockUpstream(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `https://${req.headers.host}`)
  const host = url.host
  if (url.pathname === '/__requests') {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(recorded.get(host) ?? []))
    return
  }
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  const log = recorded.get(host) ?? []
  log.push({
    method: req.method ?? 'GET',
    path: url.pathname + url.search,
    authorization: req.headers.authorization,
    apiKey: req.headers['x-api-key'] as string | undefined,
    anthropicVersion: req.headers['anthropic-version'] as string | undefined,
    range: req.headers.range,
    body: text,
  })
  recorded.set(host, log)

  // Like nginx (merge_slashes) and most frameworks: empty segments and a trailing slash do
  // not change the route, and any method reaches a path's handler.
  const path = url.pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1').replace(/^.*\/v1(?=\/)/, '')
  res.setHeader('x-request-id', `req_mock_${log.length}`)
  if (url.pathname === '/redirect') {
    res.writeHead(302, { location: url.searchParams.get('to') ?? '/' })
    res.end()
    return
  }
  if (url.pathname === '/internal/secret.png') {
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end(readFileSync('test/fixtures/images/mark.png'))
    return
  }
  if (storedRoute(req, path, text, res)) return
  if (speechRoute(req, path, text, res)) return
  if (c2paRoute(req, url, path, text, res)) return
  if (req.method === 'GET' && url.pathname.startsWith('/img/')) {
    const name = url.pathname.slice(5)
    res.writeHead(200, { 'content-type': name === 'not-image' ? 'text/plain' : 'image/*' })
    res.end(name === 'not-image' ? 'hello' : readFileSync(`test/fixtures/images/${name}`))
    return
  }
  if (req.method === 'GET' && path === '/models') {
    if (req.headers['anthropic-version']) return json(res, 200, { data: [{ type: 'model', id: 'claude-mock', display_name: 'Mock' }], has_more: false, first_id: 'claude-mock', last_id: 'claude-mock' })
    return json(res, 200, { object: 'list', data: [{ id: 'mock', object: 'model' }] })
  }
  if (req.method === 'POST' && path === '/embeddings') {
    return json(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'mock' })
  }
  const multipartModel = /name="model"\r\n\r\n([^\r]*)/.exec(text)?.[1]
  const body: Json = multipartModel !== undefined ? { model: multipartModel } : text ? JSON.parse(text) : {}
  const scenario = String(body.model ?? 'plain')
  const status = /^status-(\d{3})$/.exec(scenario)
  if (status) {
    return json(res, Number(status[1]), { error: { message: `mock upstream says ${status[1]}`, type: 'mock_error', code: 'mock' } })
  }
  if (scenario === 'html') {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end('<html>not an API</html>')
    return
  }
  const answer = buildAnswer(path, body, scenario)
  if (!answer) return json(res, 404, { error: { message: `no mock for ${path}` } })
  if (!body.stream) return json(res, 200, answer.json)
  await stream(res, answer.frames, scenario)
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The event-stream text of `frames` with the scenario's quirks: CRLF, comments, cuts. */
export function sseText(frames: Frame[], scenario: string): string {
  const eol = scenario === 'crlf' ? '\r\n' : '\n'
  const cut = scenario === 'cut' || scenario === 'reset' ? Math.floor(frames.length / 2) : frames.length
  let text = scenario === 'crlf' ? `: keep-alive${eol}${eol}retry: 3000${eol}${eol}` : ''
  frames.slice(0, cut).forEach((f, i) => {
    if (scenario === 'crlf' && i % 3 === 1) text += `: ping${eol}${eol}`
    if (scenario === 'malformed' && i === 3) text += `data: {"choices":[{"delta":{"content":"broken${eol}${eol}`
    text += (f.event ? `event: ${f.event}${eol}` : '') + `data: ${f.data}${eol}${eol}`
  })
  return text
}

/** Writes the stream in small pieces: five bytes cut most CJK characters and emoji in two. */
async function stream(res: ServerResponse, frames: Frame[], scenario: string): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })
  const bytes = Buffer.from(sseText(frames, scenario), 'utf8')
  const size = scenario === 'cjk-split' || scenario === 'crlf' ? 5 : 64
  for (let at = 0; at < bytes.length; at += size) {
    res.write(bytes.subarray(at, at + size))
    if (size === 5 && at % 100 === 0) await sleep(1)
  }
  if (scenario === 'reset') {
    await sleep(5)
    res.destroy()
    return
  }
  res.end()
}

function pieces(text: string, size = 4): string[] {
  return Array.from(text.matchAll(new RegExp(`[\\s\\S]{1,${size}}`, 'gu')), (m) => m[0])
}

type Builder = (body: Json, scenario: string) => { json: Json; frames: Frame[] }

/** The JSON body and the stream frames a model would answer `body` with on `path`. */
export function buildAnswer(path: string, body: Json, scenario: string): ReturnType<Builder> | undefined {
  return (SCENARIOS[scenario] ?? PROTOCOLS[path])?.(body, scenario)
}

const PROTOCOLS: Record<string, Builder> = {
  '/images/generations': images,
  '/images/edits': images,
  '/chat/completions': chat,
  '/completions': completion,
  '/responses': responses,
  '/messages': messages,
}

const TOOL_CALL = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"北京","unit":"c"}' } }

function chat(body: Json, scenario: string) {
  const n = Number(body.n ?? 1)
  const isJson = body.response_format?.type?.startsWith('json') && scenario !== 'ignores-json'
  const text = isJson ? '{"city":"北京","temp":21}' : (body.mock_answer ?? ANSWER)
  const indexes = [...Array(n).keys()]
  const envelope = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1, model: scenario }
  const withTools = scenario === 'tools' || scenario === 'tools-text'
  const hasText = scenario !== 'tools'
  const finish = withTools ? 'tool_calls' : 'stop'
  const message: Json = { role: 'assistant', content: hasText ? text : null }
  if (withTools) message.tool_calls = [TOOL_CALL]
  if (scenario === 'reasoning') message.reasoning_content = '先想一想。Thinking first.'
  const json = {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1,
    model: scenario,
    choices: indexes.map((index) => ({ index, message: structuredClone(message), logprobs: null, finish_reason: finish })),
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  }
  const chunk = (choices: Json[], extra: Json = {}) => ({ data: JSON.stringify({ ...envelope, choices, ...extra }) })
  const frames: Frame[] = [chunk(indexes.map((index) => ({ index, delta: { role: 'assistant', content: '' }, finish_reason: null })))]
  if (scenario === 'reasoning') {
    for (const p of pieces(message.reasoning_content)) frames.push(chunk([{ index: 0, delta: { reasoning_content: p }, finish_reason: null }]))
  }
  const textPieces = hasText ? pieces(text) : []
  const last = scenario === 'finish-with-content' ? textPieces.pop() : undefined
  for (const p of textPieces) for (const index of indexes) frames.push(chunk([{ index, delta: { content: p }, finish_reason: null }]))
  if (withTools) {
    const args = TOOL_CALL.function.arguments
    frames.push(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }]))
    for (const p of pieces(args, 5)) frames.push(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: p } }] }, finish_reason: null }]))
  }
  for (const index of indexes) {
    frames.push(chunk([{ index, delta: last === undefined ? {} : { content: last }, finish_reason: finish }]))
  }
  if (scenario === 'usage' || body.stream_options?.include_usage) frames.push(chunk([], { usage: json.usage }))
  frames.push({ data: '[DONE]' })
  return { json, frames }
}

function completion(body: Json, scenario: string) {
  const envelope = { id: 'cmpl-mock', object: 'text_completion', created: 1, model: scenario }
  const json = { ...envelope, choices: [{ index: 0, text: ANSWER, logprobs: null, finish_reason: 'stop' }] }
  const frames: Frame[] = pieces(ANSWER).map((p) => ({ data: JSON.stringify({ ...envelope, choices: [{ index: 0, text: p, logprobs: null, finish_reason: null }] }) }))
  frames.push({ data: JSON.stringify({ ...envelope, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'length' }] }) })
  frames.push({ data: '[DONE]' })
  return { json, frames }
}

function responses(body: Json, scenario: string) {
  const isJson = body.text?.format?.type?.startsWith('json') && scenario !== 'ignores-json'
  const text = isJson ? '{"ok":true}' : (body.mock_answer ?? ANSWER)
  const annotations = [{ type: 'url_citation', start_index: 0, end_index: 2, url: 'https://example.com', title: 'x' }]
  const part = { type: 'output_text', text, annotations }
  const reasoning = { id: 'rs_1', type: 'reasoning', summary: [] }
  const message = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [part] }
  const call = { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: TOOL_CALL.function.arguments, status: 'completed' }
  const output: Json[] = scenario === 'tools' ? [reasoning, call] : [reasoning, message]
  const response = { id: 'resp_mock', object: 'response', status: 'completed', model: scenario, output }
  const ref = { item_id: 'msg_1', output_index: 1, content_index: 0 }
  const events: Json[] = [
    { type: 'response.created', response: { ...response, status: 'in_progress', output: [] } },
    { type: 'response.output_item.added', output_index: 0, item: reasoning },
    { type: 'response.output_item.done', output_index: 0, item: reasoning },
  ]
  if (scenario === 'tools') {
    events.push({ type: 'response.output_item.added', output_index: 1, item: { ...call, arguments: '' } })
    for (const p of pieces(call.arguments, 5)) events.push({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: p })
    events.push({ type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 1, arguments: call.arguments })
    events.push({ type: 'response.output_item.done', output_index: 1, item: call })
  } else {
    events.push({ type: 'response.output_item.added', output_index: 1, item: { ...message, status: 'in_progress', content: [] } })
    events.push({ type: 'response.content_part.added', ...ref, part: { type: 'output_text', text: '', annotations: [] } })
    for (const delta of pieces(text)) events.push({ type: 'response.output_text.delta', ...ref, delta, logprobs: [] })
    events.push({ type: 'response.output_text.annotation.added', ...ref, annotation_index: 0, annotation: annotations[0] })
    events.push({ type: 'response.output_text.done', ...ref, text, logprobs: [] })
    events.push({ type: 'response.content_part.done', ...ref, part })
    events.push({ type: 'response.output_item.done', output_index: 1, item: message })
  }
  events.push({ type: 'response.completed', response })
  const frames = events.map((e, sequence_number) => ({ event: e.type, data: JSON.stringify({ ...e, sequence_number }) }))
  return { json: response, frames }
}

function messages(body: Json, scenario: string) {
  const tool = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: '北京' } }
  const thinking = { type: 'thinking', thinking: '先想一想。', signature: 'sig' }
  const answer: string = body.mock_answer ?? ANSWER
  const content: Json[] = [thinking, { type: 'text', text: answer }]
  if (scenario === 'tools-text') content.push(tool)
  const message = { id: 'msg_mock', type: 'message', role: 'assistant', model: scenario, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 2 } }
  const stop_reason = scenario === 'tools-text' ? 'tool_use' : 'end_turn'
  const events: Json[] = [
    { type: 'message_start', message: { ...message, content: [], stop_reason: null } },
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: thinking.thinking } },
    { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    ...pieces(answer).map((text) => ({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 1 },
  ]
  if (scenario === 'tools-text') {
    events.push({ type: 'content_block_start', index: 2, content_block: { ...tool, input: {} } })
    events.push({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":"北京"}' } })
    events.push({ type: 'content_block_stop', index: 2 })
  }
  events.push({ type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: 2 } })
  events.push({ type: 'message_stop' })
  return { json: { ...message, content, stop_reason }, frames: events.map((e) => ({ event: e.type, data: JSON.stringify(e) })) }
}

/** `model` names the fixture; `response_format: "url"` answers with a link to it on this host. */
function images(body: Json, scenario: string) {
  const name = scenario.includes('.') ? scenario : 'mark.png'
  const b64 = readFileSync(`test/fixtures/images/${name}`).toString('base64')
  const n = body.n ?? 1
  const url = body.image_url ?? `https://${body.host ?? 'images.upstream.test'}/img/${name}`
  const item = mockImageItem(body.mock_item, b64, url) ?? (body.response_format === 'url' ? { url } : { b64_json: b64 })
  const json = { created: 1, data: Array.from({ length: n }, () => ({ ...item, revised_prompt: body.prompt })) }
  const frames: Frame[] = [0, 1].map((i) => ({
    event: 'image_generation.partial_image',
    data: JSON.stringify({ type: 'image_generation.partial_image', b64_json: b64, partial_image_index: i, output_format: 'png' }),
  }))
  frames.push({ event: 'image_generation.completed', data: JSON.stringify({ type: 'image_generation.completed', b64_json: b64, output_format: 'png' }) })
  return { json, frames }
}

/** Image items the way some providers shape them: `mock_item` in the request picks one. */
function mockImageItem(kind: string | undefined, b64: string, url: string): Json | undefined {
  if (kind === 'both') return { b64_json: b64, url }
  if (kind === 'image_base64') return { image_base64: b64 }
  if (kind === 'data-url') return { url: `data:image/png;base64,${b64}` }
  if (kind === 'nested') return { image: { base64: b64, mime: 'image/png' } }
  // A BMP header: an image format the gateway cannot carry a label in.
  if (kind === 'bmp') return { image_base64: Buffer.concat([Buffer.from('BM'), Buffer.alloc(62)]).toString('base64') }
  return undefined
}

/** Scenarios that answer the same whatever the path (`model` names them). */
const SCENARIOS: Record<string, Builder> = {
  parts: chatParts,
  'image-tool': imageTool,
  audio: chatAudio,
}

/** Mistral's reasoning models: content as parts, `thinking` parts before the text. */
function chatParts(body: Json, scenario: string) {
  const envelope = { id: 'chatcmpl-parts', object: 'chat.completion.chunk', created: 1, model: scenario }
  const thinking = { type: 'thinking', thinking: [{ type: 'text', text: '先想一想。' }] }
  const json = {
    ...envelope,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: [thinking, { type: 'text', text: ANSWER }] }, finish_reason: 'stop' }],
  }
  const chunk = (delta: Json, finish: string | null = null) => ({ data: JSON.stringify({ ...envelope, choices: [{ index: 0, delta, finish_reason: finish }] }) })
  const frames: Frame[] = [chunk({ role: 'assistant', content: '' }), chunk({ content: [thinking] })]
  for (const p of pieces(ANSWER)) frames.push(chunk({ content: [{ type: 'text', text: p }] }))
  frames.push(chunk({}, 'stop'), { data: '[DONE]' })
  return { json, frames }
}

/** Chat audio output (`modalities: ["audio"]`), which an upstream may send unasked. */
function chatAudio(_body: Json, scenario: string) {
  const audio = { id: 'audio_1', data: Buffer.from('RIFF....WAVEfmt ').toString('base64'), expires_at: 1, transcript: ANSWER }
  const envelope = { id: 'chatcmpl-audio', object: 'chat.completion.chunk', created: 1, model: scenario }
  const json = { ...envelope, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null, audio }, finish_reason: 'stop' }] }
  const chunk = (delta: Json, finish: string | null = null) => ({ data: JSON.stringify({ ...envelope, choices: [{ index: 0, delta, finish_reason: finish }] }) })
  const frames: Frame[] = [chunk({ role: 'assistant', content: 'Hi' }), chunk({ audio: { id: 'audio_1', transcript: ANSWER } }), chunk({ audio: { data: audio.data } }), chunk({}, 'stop'), { data: '[DONE]' }]
  return { json, frames }
}

/** Responses with the image_generation tool: partial images, the final image, then text. */
function imageTool(body: Json, scenario: string) {
  // `mock_image` stands in for the file where there is no file system (unit tests in workerd).
  const b64: string = body.mock_image ?? readFileSync('test/fixtures/images/mark.png').toString('base64')
  const call = { id: 'ig_1', type: 'image_generation_call', status: 'completed', result: b64, output_format: 'png', revised_prompt: '猫' }
  const part = { type: 'output_text', text: ANSWER, annotations: [] }
  const message = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [part] }
  const response = { id: 'resp_img', object: 'response', status: 'completed', model: scenario, output: [call, message] }
  const ref = { item_id: 'msg_1', output_index: 1, content_index: 0 }
  const events: Json[] = [
    { type: 'response.created', response: { ...response, status: 'in_progress', output: [] } },
    { type: 'response.output_item.added', output_index: 0, item: { id: 'ig_1', type: 'image_generation_call', status: 'in_progress' } },
    { type: 'response.image_generation_call.in_progress', output_index: 0, item_id: 'ig_1' },
    { type: 'response.image_generation_call.partial_image', output_index: 0, item_id: 'ig_1', partial_image_index: 0, partial_image_b64: b64 },
    { type: 'response.image_generation_call.completed', output_index: 0, item_id: 'ig_1' },
    { type: 'response.output_item.done', output_index: 0, item: call },
    { type: 'response.output_item.added', output_index: 1, item: { ...message, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', ...ref, part: { ...part, text: '' } },
    ...pieces(ANSWER).map((delta) => ({ type: 'response.output_text.delta', ...ref, delta, logprobs: [] })),
    { type: 'response.output_text.done', ...ref, text: ANSWER, logprobs: [] },
    { type: 'response.content_part.done', ...ref, part },
    { type: 'response.output_item.done', output_index: 1, item: message },
    { type: 'response.completed', response },
  ]
  return { json: response, frames: events.map((e, sequence_number) => ({ event: e.type, data: JSON.stringify({ ...e, sequence_number }) })) }
}

/**
 * Files API metadata and downloads: the id says what the file is. `file-out-*` and container
 * files are a model's (purpose assistants_output, source assistant, downloadable),
 * `file-user-*` the client's; anything else on /files is batch output.
 */
const GENERATED: Record<string, [type: string, body: () => Buffer]> = {
  png: ['image/png', () => readFileSync('test/fixtures/images/plain.png')],
  jpg: ['image/jpeg', () => readFileSync('test/fixtures/images/photo.jpg')],
  md: ['text/markdown', () => Buffer.from('# 报告\n\n模型写的报告。\n')],
  docx: [OFFICE_TYPES.docx, () => Buffer.from(officePackage('docx'))],
  pdf: ['application/pdf', () => Buffer.from(minimalPdf())],
  csv: ['text/csv', () => Buffer.from('a,b\n1,2\n')],
  mp4: ['video/mp4', () => readFileSync('test/fixtures/video/faststart.mp4')],
  broken: ['image/png', () => readFileSync('test/fixtures/images/plain.png').subarray(0, 60)],
}

function fileRoute(req: IncomingMessage, path: string, res: ServerResponse): boolean {
  const match = /^\/(?:containers\/([^/]+)\/)?files\/([^/]+)(\/content)?$/.exec(path)
  if (!match) return false
  const [, container, id, content] = match as unknown as [string, string | undefined, string, string | undefined]
  const user = id.startsWith('file-user') || id.startsWith('cfile-user')
  const kind = /-(\w+)$/.exec(id)?.[1] ?? ''
  if (!user && !(kind in GENERATED)) return false
  if (!content) {
    if (container) return json(res, 200, { id, object: 'container.file', container_id: container, path: `/mnt/data/${id}`, source: user ? 'user' : 'assistant', bytes: 10 }), true
    if (req.headers['anthropic-version']) return json(res, 200, { type: 'file', id, filename: id, mime_type: 'application/octet-stream', size_bytes: 10, created_at: '2026-01-01T00:00:00Z', downloadable: !user }), true
    return json(res, 200, { id, object: 'file', bytes: 10, filename: id, purpose: user ? 'user_data' : 'assistants_output', created_at: 0 }), true
  }
  if (user) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    res.end('the client\'s own bytes')
    return true
  }
  const [type, body] = GENERATED[kind]!
  res.writeHead(200, { 'content-type': type, 'content-disposition': `attachment; filename="${id}"`, etag: '"upstream-etag"', 'x-aigc-explicit': 'applied', 'x-aigc-explicit-reason': 'not-requested' })
  res.end(body())
  return true
}

const jsonl = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n'

/** Answers that read generated text back: stored completions and responses, items, batch results, transcripts. */
function storedRoute(req: IncomingMessage, path: string, text: string, res: ServerResponse): boolean {
  const method = req.method ?? 'GET'
  const stored = /^\/(chat\/completions|responses|conversations|threads|files|messages\/batches)\/([^/]+)(?:\/(.+))?$/.exec(path)
  const formField = (name: string) => new RegExp(`name="${name}"\r\n\r\n([^\r]*)`).exec(text)?.[1]
  if (method === 'POST' && (path === '/audio/transcriptions' || path === '/audio/translations')) {
    const format = formField('response_format') ?? 'json'
    const segments = [{ id: 0, start: 0, end: 1.5, text: '你好，世界。' }, { id: 1, start: 1.5, end: 3, text: 'Hello, world.' }]
    const all = '你好，世界。Hello, world.'
    if (format === 'json') json(res, 200, { text: all })
    else if (format === 'verbose_json') json(res, 200, { task: 'transcribe', language: 'zh', duration: 3, text: all, segments })
    else {
      const subtitles: Record<string, string> = {
        text: all,
        srt: '1\n00:00:00,000 --> 00:00:01,500\n你好，世界。\n\n2\n00:00:01,500 --> 00:00:03,000\nHello, world.\n\n',
        vtt: 'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n你好，世界。\n\n00:00:01.500 --> 00:00:03.000\nHello, world.\n\n',
      }
      res.writeHead(200, { 'content-type': format === 'stream' ? 'text/event-stream' : 'text/plain; charset=utf-8' })
      res.end(subtitles[format] ?? '')
    }
    return true
  }
  if (method === 'POST' && path === '/messages/count_tokens') return json(res, 200, { input_tokens: 7 }), true
  if (method === 'GET' && fileRoute(req, path, res)) return true
  if (method === 'GET' && path === '/chat/completions') return json(res, 200, { object: 'list', data: [chat({}, 'plain').json], has_more: false }), true
  if (!stored || (method !== 'GET' && stored[1] !== 'messages/batches')) return false
  const [, kind, id, rest] = stored
  const assistant = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: ANSWER, annotations: [] }] }
  const user = { id: 'msg_0', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_text', text: '你好' }] }
  const threadMessage = (role: string, value: string) => ({ id: `m_${role}`, object: 'thread.message', role, content: [{ type: 'text', text: { value, annotations: [] } }] })
  if (kind === 'chat/completions' && !rest) return json(res, 200, chat({}, 'plain').json), true
  if (kind === 'chat/completions' && rest === 'messages') {
    return json(res, 200, { object: 'list', data: [{ id: 'm0', role: 'user', content: '你好' }, { id: 'm1', role: 'assistant', content: ANSWER }] }), true
  }
  if (kind === 'responses' && !rest) {
    const answer = responses({ text: id === 'resp_json' ? { format: { type: 'json_object' } } : undefined }, 'plain')
    const stream = new URL(req.url ?? '/', 'https://x').searchParams.get('stream') === 'true'
    if (!stream) return json(res, 200, { ...answer.json, text: id === 'resp_json' ? { format: { type: 'json_object' } } : { format: { type: 'text' } } }), true
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(sseText(answer.frames, 'plain'))
    return true
  }
  if (kind === 'conversations' && rest === 'items') return json(res, 200, { object: 'list', data: [user, assistant], has_more: false }), true
  if (kind === 'threads' && rest === 'messages') return json(res, 200, { object: 'list', data: [threadMessage('user', '你好'), threadMessage('assistant', ANSWER)] }), true
  if (kind === 'files' && !rest) return json(res, 200, { id, object: 'file', bytes: 10, filename: id, purpose: 'batch_output', created_at: 0 }), true
  if (kind === 'files' && rest === 'content') {
    const lines = id === 'file-odd'
      ? [{ something: 'else' }]
      : [
          { id: 'br_1', custom_id: 'a', response: { status_code: 200, request_id: 'r1', body: chat({}, 'plain').json }, error: null },
          { id: 'br_2', custom_id: 'b', response: { status_code: 200, request_id: 'r2', body: responses({}, 'plain').json }, error: null },
          { id: 'br_3', custom_id: 'c', response: { status_code: 200, request_id: 'r3', body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5] }] } }, error: null },
          { id: 'br_4', custom_id: 'd', response: null, error: { code: 'batch_expired', message: 'expired' } },
        ]
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    // Written in small pieces so lines (and CJK characters) arrive split.
    const bytes = Buffer.from(jsonl(lines))
    for (let at = 0; at < bytes.length; at += 7) res.write(bytes.subarray(at, at + 7))
    res.end()
    return true
  }
  if (kind === 'messages/batches' && rest === 'results') {
    const message = messages({}, 'plain').json
    res.writeHead(200, { 'content-type': 'application/binary' })
    res.end(jsonl([{ custom_id: 'a', result: { type: 'succeeded', message } }, { custom_id: 'b', result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'x' } } } }]))
    return true
  }
  if (kind === 'messages/batches' && !rest) {
    return json(res, 200, { id, type: 'message_batch', processing_status: 'ended', request_counts: { succeeded: 1, errored: 1, processing: 0, canceled: 0, expired: 0 }, results_url: `https://api.anthropic.com/v1/messages/batches/${id}/results`, created_at: '2026-01-01T00:00:00Z', ended_at: '2026-01-01T00:00:00Z', expires_at: '2026-01-02T00:00:00Z', archived_at: null, cancel_initiated_at: null }), true
  }
  return false
}

// --- Text to speech (issue 12): real small audio as OpenAI answers it, files and SSE deltas.

/** Half a second of a 300 Hz tone, 24 kHz 16-bit mono: OpenAI's `pcm` layout. */
function speechPcm(): Buffer {
  const samples = Buffer.alloc(24000)
  for (let i = 0; i < 12000; i++) samples.writeInt16LE(Math.round(4000 * Math.sin((2 * Math.PI * 300 * i) / 24000)), i * 2)
  return samples
}

/** A WAV as a streaming TTS API sends it: RIFF and data sizes 0xFFFFFFFF. */
function streamedWav(): Buffer {
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(0xffffffff, 4)
  header.write('WAVEfmt ', 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(24000, 24)
  header.writeUInt32LE(48000, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(0xffffffff, 40)
  return Buffer.concat([header, speechPcm()])
}

const SPEECH: Record<string, [type: string, body: () => Buffer]> = {
  mp3: ['audio/mpeg', () => readFileSync('test/fixtures/audio/bare.mp3')],
  wav: ['audio/wav', streamedWav],
  pcm: ['audio/pcm', speechPcm],
  flac: ['audio/flac', () => readFileSync('test/fixtures/audio/picture.flac')],
  opus: ['audio/opus', () => readFileSync('test/fixtures/audio/clip.opus')],
  aac: ['audio/aac', () => readFileSync('test/fixtures/audio/clip.aac')],
}

/** POST /audio/speech; `model` picks a misbehaviour: `speech-json` (JSON on 200), `speech-wrong` (MP3 whatever was asked). */
function speechRoute(req: IncomingMessage, path: string, text: string, res: ServerResponse): boolean {
  if (req.method !== 'POST' || path !== '/audio/speech') return false
  const request = JSON.parse(text || '{}') as { model?: string; response_format?: string; stream_format?: string }
  if (request.model === 'speech-json') return json(res, 200, { error: null, note: 'not audio' }), true
  const [type, body] = SPEECH[request.model === 'speech-wrong' ? 'mp3' : (request.response_format ?? 'mp3')] ?? SPEECH.mp3!
  if (request.stream_format !== 'sse') {
    res.writeHead(200, { 'content-type': type, 'x-aigc-explicit': 'applied' })
    res.end(body())
    return true
  }
  // Three deltas of uneven size, the first shorter than an MP3 frame header's neighbourhood.
  const audio = body()
  const cuts = [0, 3, Math.floor(audio.length / 2), audio.length]
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  for (let i = 0; i + 1 < cuts.length; i++) res.write(`data: ${JSON.stringify({ type: 'speech.audio.delta', audio: audio.subarray(cuts[i], cuts[i + 1]).toString('base64') })}\n\n`)
  res.end(`data: ${JSON.stringify({ type: 'speech.audio.done', usage: { input_tokens: 5, output_tokens: 50, total_tokens: 55 } })}\n\n`)
  return true
}

// ---- C2PA (issue 15): an image model that signs its output with Content Credentials. ----
// `model: "c2pa-signed"` on /images/generations answers with `c2pa_image` (base64 of a file the
// test signed as a model would, in workerd), as b64_json, or with `response_format: "url"` as a
// link this mock then serves with the signed bytes unchanged.
const c2paImages = new Map<string, Buffer>()

function c2paRoute(req: IncomingMessage, url: URL, path: string, text: string, res: ServerResponse): boolean {
  if (req.method === 'GET' && url.pathname.startsWith('/c2pa-img/')) {
    const image = c2paImages.get(url.pathname.slice('/c2pa-img/'.length))
    res.writeHead(image ? 200 : 404, { 'content-type': 'image/*' })
    res.end(image ?? '')
    return true
  }
  if (req.method !== 'POST' || path !== '/images/generations' || !text.includes('"c2pa-signed"')) return false
  const body = JSON.parse(text)
  const id = `${c2paImages.size}`
  c2paImages.set(id, Buffer.from(body.c2pa_image, 'base64'))
  const item = body.response_format === 'url' ? { url: `https://${url.host}/c2pa-img/${id}` } : { b64_json: body.c2pa_image }
  json(res, 200, { created: 1, data: [{ ...item, revised_prompt: body.prompt }] })
  return true
}
