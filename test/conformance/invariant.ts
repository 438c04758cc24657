/**
 * The suite's invariant: nothing generated reaches a client without its label. Every
 * response a client in this suite receives goes through `recorder().fetch`, and
 * `violations()` reads it with a detector that knows the shapes the gateway serves: Chat
 * Completions, Completions, Responses (objects, items, streams), Anthropic Messages (and
 * their streams), image answers and streams, transcriptions, lists of any of these, and
 * JSONL batch output. A body it does not recognise is itself a violation (default deny, as
 * the route table is).
 *
 * Rules, for a 2xx response that carries generated content:
 * - `X-AIGC-Label` is present;
 * - every generated text (a choice, an output_text part, an Anthropic message) holds the
 *   explicit label exactly once, unless `X-AIGC-Explicit: omitted` with a documented
 *   `X-AIGC-Explicit-Reason`; omitted as structured output, the text must parse as JSON
 *   (after an Anthropic prefill) and hold no label; and a label is never put inside the
 *   structured output a request asked for (JSON mode, schemas, vLLM guided decoding, a
 *   prefilled `{`);
 * - every generated image (base64 anywhere in the body, under any key) carries the TC260
 *   XMP label, and every image URL points at the gateway's own signed `/files/` route;
 * - no generated audio or video at all: the gateway has no audio label yet.
 * Reasoning, thinking, refusals and tool-call arguments are not labelled (README).
 */
import { Buffer } from 'node:buffer'
import { DEFAULT_TEXT_LABEL } from '../../src/label/explicit-text'

export const TEXT_LABEL = DEFAULT_TEXT_LABEL.text
/** The XMP namespace of the TC260 label (DESIGN.md §1): an image carrying it is labelled. */
const TC260_NAMESPACE = 'http://www.tc260.org.cn/ns/AIGC/1.0/'
const OMISSION_REASONS = new Set(['structured-output', 'unmark-grant'])

export interface Exchange {
  method: string
  url: string
  /** The request's JSON body, when it had one. */
  request: unknown
  status: number
  headers: Headers
  body: Uint8Array
}

type Generated =
  | { kind: 'text'; where: string; text: string; prefill?: string }
  | { kind: 'image'; where: string; bytes: Uint8Array }
  | { kind: 'image-url'; where: string; url: string }
  | { kind: 'media'; where: string; what: string }

type Json = unknown
type JsonObject = Record<string, Json>

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)
const asArray = (v: Json): Json[] => (Array.isArray(v) ? v : [])

export const countLabels = (text: string, label = TEXT_LABEL) => text.split(label).length - 1

/**
 * A fetch for clients that records every exchange, and the invariant over what it saw.
 * Bodies are read whole before the client gets them (replayed streams are short), so the
 * detector sees exactly the bytes the client parsed.
 */
export function recorder() {
  const exchanges: Exchange[] = []
  const recordingFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const requestJson = await request
      .clone()
      .text()
      .then((t) => JSON.parse(t) as unknown)
      .catch(() => undefined)
    const response = await fetch(request)
    const body = new Uint8Array(await response.arrayBuffer())
    exchanges.push({ method: request.method, url: request.url, request: requestJson, status: response.status, headers: response.headers, body })
    const nullBody = [101, 204, 205, 304].includes(response.status)
    return new Response(nullBody ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
  return {
    fetch: recordingFetch as typeof fetch,
    exchanges,
    /** Every violation in what was seen since the last call, as "METHOD path: problem". */
    takeViolations(): string[] {
      const found = exchanges.flatMap((e) => violations(e).map((p) => `${e.method} ${new URL(e.url).pathname}: ${p}`))
      exchanges.length = 0
      return found
    },
  }
}

export function violations(exchange: Exchange, label = TEXT_LABEL): string[] {
  if (exchange.status < 200 || exchange.status >= 300 || exchange.body.length === 0) return []
  const { items, problems } = generatedContent(exchange)
  if (items.length === 0) return problems
  const { headers } = exchange
  if (!headers.get('x-aigc-label')) problems.push('generated content without an X-AIGC-Label header')
  const explicit = headers.get('x-aigc-explicit')
  const reason = headers.get('x-aigc-explicit-reason') ?? ''
  const omitted = explicit === 'omitted'
  if (omitted && !OMISSION_REASONS.has(reason)) problems.push(`X-AIGC-Explicit: omitted without a documented reason ("${reason}")`)
  const gateway = new URL(exchange.url).origin

  for (const item of items) {
    switch (item.kind) {
      case 'text': {
        if (item.text.trim() === '') break
        const n = countLabels(item.text, label)
        if (!omitted) {
          if (n !== 1) problems.push(`${item.where}: the explicit label appears ${n} times in ${JSON.stringify(clip(item.text))}`)
          if (n > 0 && isStructuredAnswer(exchange.request, (item.prefill ?? '') + item.text.replaceAll(label, ''))) {
            problems.push(`${item.where}: the explicit label was put inside structured output`)
          }
        } else if (reason === 'structured-output') {
          if (n > 0) problems.push(`${item.where}: the explicit label is inside structured output`)
          if (!parsesAsJson((item.prefill ?? '') + item.text)) {
            problems.push(`${item.where}: labelled as structured output, but the text is not JSON: ${JSON.stringify(clip(item.text))}`)
          }
        }
        break
      }
      case 'image':
        if (!Buffer.from(item.bytes).toString('latin1').includes(TC260_NAMESPACE)) problems.push(`${item.where}: an image without the TC260 label`)
        if (explicit !== 'applied' && !omitted) problems.push(`${item.where}: an image whose explicit mark is not reported (X-AIGC-Explicit: ${explicit})`)
        break
      case 'image-url': {
        const url = new URL(item.url, gateway)
        if (url.origin !== gateway || !url.pathname.startsWith('/files/')) problems.push(`${item.where}: an image URL that is not the gateway's: ${item.url}`)
        break
      }
      case 'media':
        problems.push(`${item.where}: generated ${item.what} reached the client, which the gateway cannot label`)
        break
    }
  }
  return problems
}

/** Structured output the request asked for, in any of the dialects the suite knows. */
function structuredRequest(request: Json): { choices?: string[] } | undefined {
  if (!isObject(request)) return undefined
  const type = (v: Json) => (isObject(v) ? v.type : undefined)
  if (Array.isArray(request.guided_choice)) return { choices: request.guided_choice.filter((c): c is string => typeof c === 'string') }
  const json = new Set(['json_object', 'json_schema'])
  const asked =
    json.has(type(request.response_format) as string) ||
    (isObject(request.text) && json.has(type(request.text.format) as string)) ||
    type(request.output_format) === 'json_schema' ||
    (isObject(request.output_config) && type(request.output_config.format) === 'json_schema') ||
    ['guided_json', 'structured_outputs'].some((k) => k in request) ||
    /^\s*[[{]/.test(anthropicPrefill(request) ?? '')
  return asked ? {} : undefined
}

/** The answer, without what the gateway added, is the structured output that was asked for. */
function isStructuredAnswer(request: Json, text: string): boolean {
  const asked = structuredRequest(request)
  if (!asked) return false
  return asked.choices ? asked.choices.includes(text.trim()) : parsesAsJson(text)
}

const clip = (text: string) => (text.length > 120 ? `${text.slice(0, 60)}…${text.slice(-60)}` : text)

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Everything generated in one response, by its shape. */
export function generatedContent(exchange: Exchange): { items: Generated[]; problems: string[] } {
  const out = { items: [] as Generated[], problems: [] as string[] }
  const type = exchange.headers.get('content-type') ?? ''
  const text = new TextDecoder().decode(exchange.body)
  const ctx: Context = { ...out, prefill: anthropicPrefill(exchange.request) }
  if (type.includes('text/event-stream')) {
    readStream(text, ctx)
  } else if (type.includes('json') && !type.includes('jsonl')) {
    const value = parse(text)
    if (value === undefined) ctx.problems.push('a JSON content type with a body that is not JSON')
    else readJson(value, '$', ctx)
  } else if (type.startsWith('image/')) {
    ctx.items.push({ kind: 'image', where: 'body', bytes: exchange.body })
  } else if (type.startsWith('audio/') || type.startsWith('video/')) {
    ctx.items.push({ kind: 'media', where: 'body', what: type })
  } else {
    // JSONL (batch output read through /files/{id}/content, Anthropic batch results).
    const lines = text.split('\n').filter((l) => l.trim() !== '')
    const values = lines.map(parse)
    if (values.length === 0 || values.some((v) => !isObject(v))) ctx.problems.push(`an unrecognised body (${type || 'no content type'})`)
    else values.forEach((v, i) => readJson(v, `line ${i + 1}`, ctx))
  }
  return out
}

interface Context {
  items: Generated[]
  problems: string[]
  prefill: string | undefined
}

function parse(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json
  } catch {
    return undefined
  }
}

/** The text an Anthropic request put in the assistant's mouth, which the answer continues. */
function anthropicPrefill(request: Json): string | undefined {
  if (!isObject(request)) return undefined
  const last = asArray(request.messages).at(-1)
  if (!isObject(last) || last.role !== 'assistant') return undefined
  if (typeof last.content === 'string') return last.content
  return asArray(last.content)
    .map((b) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
    .join('')
}

/** One JSON value: a known shape's texts, then every base64 medium anywhere in it. */
function readJson(value: Json, where: string, ctx: Context): void {
  if (!readShape(value, where, ctx)) ctx.problems.push(`${where}: an unrecognised JSON shape (keys ${isObject(value) ? Object.keys(value).join(', ') : typeof value})`)
  scanMedia(value, where, ctx)
}

/** Pushes the texts and image URLs of a known shape; false when the shape is unknown. */
function readShape(v: Json, where: string, ctx: Context): boolean {
  if (!isObject(v)) return false
  // An error body ({error} or Anthropic's {type:"error"}) carries nothing generated.
  if (Object.keys(v).length === 1 && 'error' in v) return true
  switch (v.object) {
    case 'chat.completion':
      asArray(v.choices).forEach((c, i) => {
        const message = isObject(c) ? c.message : undefined
        if (isObject(message)) pushText(ctx, `${where}.choices[${i}]`, chatContent(message.content))
        if (isObject(message) && isObject(message.audio) && typeof message.audio.transcript === 'string') {
          pushText(ctx, `${where}.choices[${i}].message.audio.transcript`, message.audio.transcript)
        }
      })
      return true
    case 'text_completion':
      asArray(v.choices).forEach((c, i) => pushText(ctx, `${where}.choices[${i}]`, isObject(c) && typeof c.text === 'string' ? c.text : ''))
      return true
    case 'response':
      asArray(v.output).forEach((item, i) => readShape(item, `${where}.output[${i}]`, ctx) || ctx.problems.push(`${where}.output[${i}]: an unrecognised output item`))
      return true
    case 'list':
      asArray(v.data).forEach((item, i) => readShape(item, `${where}.data[${i}]`, ctx) || ctx.problems.push(`${where}.data[${i}]: an unrecognised list item`))
      return true
    case 'model':
    case 'embedding':
    case 'file':
    case 'batch':
      return true
    case 'chat.completion.message':
      if (v.role === 'assistant') pushText(ctx, where, chatContent(v.content))
      return true
  }
  switch (v.type) {
    case 'message':
      readMessage(v, where, ctx)
      return true
    case 'error':
    case 'model':
    case 'reasoning':
    case 'function_call':
    case 'function_call_output':
    case 'web_search_call':
    case 'file_search_call':
      return true
    case 'image_generation_call':
      return true // its `result` is found by scanMedia
  }
  // Anthropic lists (`data` with `has_more`), token counts.
  if (Array.isArray(v.data) && 'has_more' in v) {
    v.data.forEach((item, i) => readShape(item, `${where}.data[${i}]`, ctx) || ctx.problems.push(`${where}.data[${i}]: an unrecognised list item`))
    return true
  }
  if (Object.keys(v).every((k) => k === 'input_tokens' || k === 'context_management')) return true
  // Image answers: `created` and `data[]` of b64_json / url items.
  if (typeof v.created === 'number' && Array.isArray(v.data)) {
    v.data.forEach((item, i) => {
      if (isObject(item) && typeof item.url === 'string') ctx.items.push({ kind: 'image-url', where: `${where}.data[${i}].url`, url: item.url })
    })
    return true
  }
  // Batch output lines: OpenAI `response.body`, Anthropic `result.message`.
  if (typeof v.custom_id === 'string') {
    const body = isObject(v.response) ? v.response.body : isObject(v.result) ? v.result.message : undefined
    return body === undefined || readShape(body, `${where}.${isObject(v.response) ? 'response.body' : 'result.message'}`, ctx)
  }
  // Transcriptions and translations: `text` with usage and timing details.
  const TRANSCRIPTION_KEYS = new Set(['text', 'usage', 'logprobs', 'language', 'duration', 'segments', 'words', 'task', 'aigc'])
  if (typeof v.text === 'string' && Object.keys(v).every((k) => TRANSCRIPTION_KEYS.has(k))) {
    pushText(ctx, `${where}.text`, v.text)
    return true
  }
  return false
}

function pushText(ctx: Context, where: string, text: string, prefill?: string): void {
  if (text !== '') ctx.items.push({ kind: 'text', where, text, ...(prefill === undefined ? {} : { prefill }) })
}

/** Chat `content`: a string, or parts of which `text` ones are generated text. */
function chatContent(content: Json): string {
  if (typeof content === 'string') return content
  return asArray(content)
    .map((p) => (isObject(p) && p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
    .join('')
}

/**
 * A message item: Responses/Conversations `output_text` parts are labelled one by one; an
 * Anthropic message is labelled once across its text blocks. Only the assistant generates.
 */
function readMessage(v: JsonObject, where: string, ctx: Context): void {
  if (v.role !== 'assistant') return
  const blocks = asArray(v.content)
  if (typeof v.content === 'string') pushText(ctx, where, v.content)
  const responsesParts = blocks.filter((b) => isObject(b) && b.type === 'output_text')
  if (responsesParts.length > 0) {
    blocks.forEach((b, i) => {
      if (isObject(b) && b.type === 'output_text' && typeof b.text === 'string') pushText(ctx, `${where}.content[${i}]`, b.text)
    })
    return
  }
  const text = blocks.map((b) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('')
  pushText(ctx, `${where}.content`, text, ctx.prefill)
}

// Magic numbers of what a base64 string may hold (first bytes after decoding).
const MEDIA_MAGIC: { what: string; image: boolean; test: (b: Buffer) => boolean }[] = [
  { what: 'PNG', image: true, test: (b) => b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) },
  { what: 'JPEG', image: true, test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { what: 'GIF', image: true, test: (b) => b.toString('latin1', 0, 4) === 'GIF8' },
  { what: 'WebP', image: true, test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
  { what: 'WAV audio', image: false, test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE' },
  { what: 'MP3 audio', image: false, test: (b) => b.toString('latin1', 0, 3) === 'ID3' || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) },
  { what: 'Ogg audio', image: false, test: (b) => b.toString('latin1', 0, 4) === 'OggS' },
  { what: 'FLAC audio', image: false, test: (b) => b.toString('latin1', 0, 4) === 'fLaC' },
  { what: 'MP4 media', image: false, test: (b) => b.toString('latin1', 4, 8) === 'ftyp' },
]
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Finds base64 images and audio under any key (b64_json, result, partial_image_b64, …). */
function scanMedia(value: Json, where: string, ctx: Context): void {
  if (typeof value === 'string') {
    const payload = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value
    if (payload.length < 32 || !BASE64.test(payload.slice(0, 4096).replace(/=+$/, ''))) return
    const bytes = Buffer.from(payload, 'base64')
    const magic = MEDIA_MAGIC.find((m) => m.test(bytes))
    if (!magic) return
    if (magic.image) ctx.items.push({ kind: 'image', where, bytes: new Uint8Array(bytes) })
    else ctx.items.push({ kind: 'media', where, what: magic.what })
    return
  }
  if (Array.isArray(value)) value.forEach((v, i) => scanMedia(v, `${where}[${i}]`, ctx))
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) scanMedia(v, `${where}.${k}`, ctx)
}

/** An event stream: text accumulated per choice / part / message as a client shows it. */
function readStream(body: string, ctx: Context): void {
  const texts = new Map<string, string>()
  const append = (key: string, text: string) => texts.set(key, (texts.get(key) ?? '') + text)
  sseEvents(body).forEach((data, n) => {
    if (data === '[DONE]') return
    const e = parse(data)
    const where = `event ${n + 1}`
    if (!isObject(e)) return void ctx.problems.push(`${where}: an event that is not a JSON object`)
    scanMedia(e, where, ctx)
    if (!readStreamEvent(e, where, append, ctx)) ctx.problems.push(`${where}: an unrecognised event (${String(e.type ?? e.object)})`)
  })
  for (const [key, text] of texts) pushText(ctx, key, text, key === 'message' ? ctx.prefill : undefined)
}

function readStreamEvent(e: JsonObject, where: string, append: (key: string, text: string) => void, ctx: Context): boolean {
  if (e.object === 'chat.completion.chunk' || e.object === 'text_completion') {
    for (const c of asArray(e.choices)) {
      if (!isObject(c)) continue
      const key = `choices[${typeof c.index === 'number' ? c.index : 0}]`
      if (e.object === 'text_completion') append(key, typeof c.text === 'string' ? c.text : '')
      else if (isObject(c.delta)) {
        append(key, chatContent(c.delta.content))
        if (isObject(c.delta.audio) && typeof c.delta.audio.transcript === 'string') append(`${key}.audio.transcript`, c.delta.audio.transcript)
      }
    }
    return true
  }
  if ('error' in e && e.type === undefined) return true
  const type = typeof e.type === 'string' ? e.type : ''
  if (type.startsWith('response.')) {
    if (type === 'response.output_text.delta' && typeof e.delta === 'string') append(`${e.item_id}:${e.content_index}`, e.delta)
    if (type === 'response.output_text.done' && typeof e.text === 'string') pushText(ctx, `${where} (output_text.done)`, e.text)
    if (type === 'response.completed' || type === 'response.incomplete') readShape(e.response, `${where}.response`, ctx)
    return true
  }
  switch (type) {
    case 'message_start':
    case 'message_delta':
    case 'message_stop':
    case 'content_block_stop':
    case 'ping':
    case 'error':
      return true
    case 'content_block_start':
      if (isObject(e.content_block) && e.content_block.type === 'text' && typeof e.content_block.text === 'string') append('message', e.content_block.text)
      return true
    case 'content_block_delta':
      if (isObject(e.delta) && e.delta.type === 'text_delta' && typeof e.delta.text === 'string') append('message', e.delta.text)
      return true
  }
  // Image streams: every partial and final image is found by scanMedia.
  return /^image_(generation|edit)\.(partial_image|completed)$/.test(type)
}

/** The data of each SSE event (WHATWG HTML §9.2.6): fields per line, events per blank line. */
function sseEvents(body: string): string[] {
  const events: string[] = []
  let data: string[] = []
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length) events.push(data.join('\n'))
      data = []
    } else if (line.startsWith('data:')) {
      data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
    }
  }
  if (data.length) events.push(data.join('\n'))
  return events
}
