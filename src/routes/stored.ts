/**
 * Routes whose answer holds generated text made by an earlier call: stored completions and
 * responses, conversation items, assistants messages, batch results (JSON Lines), and
 * speech-to-text. The upstream's answer is labelled and signed as text.ts labels a
 * generation; a content type or shape the view does not know is a 502, never forwarded.
 */
import type { Context } from 'hono'
import { GatewayError } from '../errors'
import { concat, fromUtf8, utf8 } from '../formats/bytes'
import { createLabel, type AigcLabel } from '../label/annex-e'
import { affixesFor } from '../label/explicit-text'
import { signLabel } from '../label/signature'
import { checkLimit, LimitError } from '../limits'
import { labelEventStream, StreamLabelError } from '../stream/label-stream'
import { tenantSigner } from '../tenant/signing'
import { incomingHeaders } from '../upstream/client'
import { setLabelHeaders, type Omission } from './delivery'
import {
  labelAnthropicBatchLine,
  labelOpenAiBatchLine,
  labelTranscriptJson,
  labelTranscriptText,
  pointResultsAtGateway,
  STORED_VIEWS,
  type BatchLine,
  type StoredView,
  type StoredViewName,
} from './stored-views'
import type { AppEnv } from './types'
import { isRecord } from '../guards'

async function signedTextLabel(c: Context<AppEnv>): Promise<AigcLabel> {
  const { tenant } = c.get('tenant')
  const label = createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  return signLabel(label, 'producer', await tenantSigner(c.env.DB, c.get('config'), tenant))
}

const unlabellable = (route: string, what: string) =>
  new GatewayError(502, 'upstream_invalid_response', `${route}: the upstream answered with ${what}, which the gateway cannot label, so nothing was delivered`)

const typeOf = (upstream: Response) => upstream.headers.get('content-type') ?? ''

async function refuse(upstream: Response, route: string, what: string): Promise<never> {
  await upstream.body?.cancel()
  throw unlabellable(route, what)
}

async function readJsonObject(upstream: Response, route: string): Promise<Record<string, unknown>> {
  const body: unknown = await upstream.json().catch(() => undefined)
  if (!isRecord(body)) throw unlabellable(route, 'invalid JSON')
  return body
}

function jsonResponse(body: unknown, upstream: Response, headers: Headers): Response {
  headers.set('content-type', 'application/json')
  return new Response(JSON.stringify(body), { status: upstream.status, headers })
}

/** GET (or update) of stored generated text, JSON or, for background responses, an event stream. */
export async function storedText(c: Context<AppEnv>, upstream: Response, route: string, name: StoredViewName): Promise<Response> {
  const headers = incomingHeaders(upstream.headers)
  // Upstream errors carry no generated content: status and body go back as they are.
  if (!upstream.ok) return new Response(upstream.body, { status: upstream.status, headers })
  const view: StoredView = STORED_VIEWS[name]
  const affixes = affixesFor(c.get('tenant').tenant.labels.text)
  const type = typeOf(upstream)
  if (type.startsWith('text/event-stream') && upstream.body && view.streams) {
    const label = await signedTextLabel(c)
    setLabelHeaders(headers, [label], undefined)
    return new Response(labelEventStream(upstream.body, view.streams.streamLabeler(affixes, {})), { status: upstream.status, headers })
  }
  if (!type.includes('json')) return refuse(upstream, route, `"${type || 'no content type'}"`)
  const body = await readJsonObject(upstream, route)
  const outcome = await view.label(body, affixes).catch((error: unknown) => {
    if (error instanceof StreamLabelError) throw unlabellable(route, `content it does not label here (${error.message})`)
    throw error
  })
  if (!outcome) throw unlabellable(route, 'a body of a shape it does not know')
  const omission: Omission = outcome.labelled ? undefined : outcome.structured ? 'structured-output' : 'no-text'
  const label = await signedTextLabel(c)
  body.aigc = label
  setLabelHeaders(headers, [label], omission)
  return jsonResponse(body, upstream, headers)
}

/** /v1/audio/transcriptions and /translations: the text in each response_format gets the label. */
export async function transcript(c: Context<AppEnv>, upstream: Response, route: string): Promise<Response> {
  const headers = incomingHeaders(upstream.headers)
  if (!upstream.ok) return new Response(upstream.body, { status: upstream.status, headers })
  const textLabel = c.get('tenant').tenant.labels.text
  const affixes = affixesFor(textLabel)
  const type = typeOf(upstream)
  if (type.includes('json')) {
    const body = await readJsonObject(upstream, route)
    if (!labelTranscriptJson(body, affixes)) throw unlabellable(route, 'a body without its text')
    const label = await signedTextLabel(c)
    body.aigc = label
    setLabelHeaders(headers, [label], undefined)
    return jsonResponse(body, upstream, headers)
  }
  // `text`, `srt` and `vtt` come as text/plain (or their own types); streamed transcripts are refused.
  if (!/^text\/(plain|vtt|srt)|^application\/x-subrip/.test(type)) return refuse(upstream, route, `"${type || 'no content type'}"`)
  const labelled = labelTranscriptText(await upstream.text(), textLabel, affixes)
  setLabelHeaders(headers, [await signedTextLabel(c)], undefined)
  return new Response(labelled, { status: upstream.status, headers })
}

// What batch result downloads are served as (OpenAI: octet-stream; Anthropic: binary/jsonl).
const JSONL_TYPES = /^(application\/(octet-stream|binary|jsonl|x-jsonl|x-ndjson|json)|text\/plain)\b/

/**
 * Batch results, one JSON answer a line, labelled line by line as the response streams
 * (a batch file can be far larger than an isolate's memory). The first line is read before
 * the response starts, so a file that is not batch results is a clean 502; a bad line later
 * on breaks the download rather than let it continue unlabelled.
 */
export async function batchResults(c: Context<AppEnv>, upstream: Response, route: string, kind: 'openai-batch' | 'anthropic-batch'): Promise<Response> {
  const headers = incomingHeaders(upstream.headers)
  if (!upstream.ok) return new Response(upstream.body, { status: upstream.status, headers })
  const type = typeOf(upstream)
  if (!JSONL_TYPES.test(type) || !upstream.body) return refuse(upstream, route, `"${type || 'no content type'}"`)
  const label = await signedTextLabel(c)
  const affixes = affixesFor(c.get('tenant').tenant.labels.text)

  const labelLine = async (bytes: Uint8Array): Promise<Uint8Array> => {
    const text = fromUtf8(bytes)
    if (text.trim() === '') return bytes
    let line: unknown
    try {
      line = JSON.parse(text)
    } catch {
      throw unlabellable(route, 'a line that is not JSON')
    }
    let result: BatchLine
    try {
      result = !isRecord(line) ? 'unknown' : kind === 'openai-batch' ? await labelOpenAiBatchLine(line, affixes) : await labelAnthropicBatchLine(line, affixes)
    } catch (error) {
      if (error instanceof StreamLabelError) throw unlabellable(route, `a line it does not label (${error.message})`)
      throw error
    }
    if (result === 'unknown') throw unlabellable(route, 'a line that is not a batch request or result')
    if (result === 'unchanged') return bytes
    result.labelled.aigc = label
    return utf8.encode(JSON.stringify(line))
  }

  const lines = jsonLines(upstream.body, route)
  const NEWLINE = new Uint8Array([10])
  const out = async (line: { bytes: Uint8Array; newline: boolean }) => (line.newline ? [await labelLine(line.bytes), NEWLINE] : [await labelLine(line.bytes)])
  // The first line is labelled before the status goes out: a file of another kind is a 502.
  const first = await lines.next()
  const opening = first.done ? [] : await out(first.value)
  setLabelHeaders(headers, [label], undefined)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of opening) controller.enqueue(part)
    },
    async pull(controller) {
      const next = await lines.next()
      if (next.done) return controller.close()
      for (const part of await out(next.value)) controller.enqueue(part)
    },
    cancel: async (reason) => {
      await lines.return(reason)
    },
  })
  return new Response(body, { status: upstream.status, headers })
}

/** The lines of a byte stream, each within LIMITS.jsonlLineBytes, split on LF (never inside a UTF-8 character). */
async function* jsonLines(body: ReadableStream<Uint8Array>, route: string): AsyncGenerator<{ bytes: Uint8Array; newline: boolean }> {
  let pending: Uint8Array = new Uint8Array(0)
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending = pending.length ? concat([pending, chunk]) : chunk
    let at: number
    while ((at = pending.indexOf(10)) >= 0) {
      yield { bytes: pending.subarray(0, at), newline: true }
      pending = pending.subarray(at + 1)
    }
    try {
      checkLimit('jsonlLineBytes', pending.length, `${route}: a line of the upstream's JSONL answer`)
    } catch (error) {
      if (error instanceof LimitError) throw new GatewayError(502, 'upstream_invalid_response', error.message, error.limit.name)
      throw error
    }
  }
  if (pending.length) yield { bytes: pending, newline: false }
}

/** Anthropic batch objects: `results_url` points at the gateway, so the SDK reads labelled results. */
export async function anthropicBatch(c: Context<AppEnv>, upstream: Response, route: string): Promise<Response> {
  const headers = incomingHeaders(upstream.headers)
  if (!upstream.ok) return new Response(upstream.body, { status: upstream.status, headers })
  if (!typeOf(upstream).includes('json')) return refuse(upstream, route, `"${typeOf(upstream) || 'no content type'}"`)
  const body = await readJsonObject(upstream, route)
  const origin = new URL(c.req.url).origin
  for (const batch of Array.isArray(body.data) ? body.data : [body]) if (isRecord(batch)) pointResultsAtGateway(batch, origin)
  return jsonResponse(body, upstream, headers)
}
