/**
 * Every upstream route the gateway serves under /v1, with the labeller its answer goes
 * through. Default deny: a method and path not named here is refused with a 501 and never
 * forwarded; a `passthrough` says why its answer carries no generated content. The path a
 * client sent is normalised (empty segments, percent-encoding, case of the fixed segments)
 * and matched exactly; the upstream is called with the table's canonical path, never with
 * the client's spelling, so an upstream that normalises paths differently cannot be reached
 * on a route the table did not pick.
 */
import { GatewayError } from '../errors'
import { anthropicMessages, chatCompletions, completions, responses, type TextProtocol } from '../protocols'
import type { UpstreamDialect } from '../upstream/client'
import type { StoredViewName } from './stored-views'

export type Labeller =
  /** A generation call: JSON or event stream, labelled by its protocol (routes/text.ts). */
  | { kind: 'text'; protocol: TextProtocol }
  /** Generated text read back later, labelled as its POST twin labels it (routes/stored.ts). */
  | { kind: 'stored'; view: StoredViewName }
  /** Images: every image marked and labelled (routes/images.ts). */
  | { kind: 'image' }
  /** Text to speech: the audio marked and labelled, files and SSE deltas (routes/audio.ts). */
  | { kind: 'speech' }
  /** Speech to text: json, verbose_json, text, srt, vtt (routes/stored.ts). */
  | { kind: 'transcript' }
  /** Anthropic batch results, JSON Lines: each line's message labelled (OpenAI's are files: `file`). */
  | { kind: 'jsonl'; lines: 'anthropic-batch' }
  /** A file download: labelled, passed or refused as the file's metadata says (routes/generated-files.ts). */
  | { kind: 'file'; source: FileSource }
  /** Anthropic batch objects: their `results_url` is pointed back at the gateway. */
  | { kind: 'anthropic-batch' }
  /** No generated content in the JSON answer; a streamed answer would carry some, so it is refused. */
  | { kind: 'json-only'; why: string }
  | { kind: 'refuse'; why: string }
  | { kind: 'passthrough'; why: string }

/** Where a downloaded file's metadata lives: the Files APIs, or an OpenAI container. */
export type FileSource = 'file' | 'container-file'

/** `client`: both APIs have this route; the client's headers say which one it speaks. */
export type RouteDialect = UpstreamDialect | 'client'

export interface Route {
  method: 'GET' | 'POST' | 'DELETE'
  /** Starts with /v1; `{name}` is one path segment. */
  path: string
  dialect: RouteDialect
  labeller: Labeller
}

const text = (protocol: TextProtocol): Labeller => ({ kind: 'text', protocol })
const stored = (view: StoredViewName): Labeller => ({ kind: 'stored', view })
const passthrough = (why: string): Labeller => ({ kind: 'passthrough', why })
const refuse = (why: string): Labeller => ({ kind: 'refuse', why })

const METADATA = 'object metadata (ids, status, timestamps), no generated content'
const DELETION = 'a deletion receipt'
const USER_FILES = 'files and chunks the client uploaded, not generated content'
const NOT_LABELLED_VIDEO = 'it returns generated video, which this gateway does not label yet'
const DIRECT_ACCESS = 'it hands the client credentials to talk to the model directly, around the labels'

const openai = (method: Route['method'], path: string, labeller: Labeller): Route => ({ method, path, dialect: 'openai', labeller })
const anthropic = (method: Route['method'], path: string, labeller: Labeller): Route => ({ method, path, dialect: 'anthropic', labeller })
const either = (method: Route['method'], path: string, labeller: Labeller): Route => ({ method, path, dialect: 'client', labeller })

export const ROUTES: readonly Route[] = [
  // Chat Completions, and stored completions (`store: true`).
  openai('POST', '/v1/chat/completions', text(chatCompletions)),
  openai('GET', '/v1/chat/completions', stored('chat.completion.list')),
  openai('GET', '/v1/chat/completions/{id}', stored('chat.completion')),
  openai('POST', '/v1/chat/completions/{id}', stored('chat.completion')),
  openai('DELETE', '/v1/chat/completions/{id}', passthrough(DELETION)),
  openai('GET', '/v1/chat/completions/{id}/messages', stored('chat.completion.messages')),
  openai('POST', '/v1/completions', text(completions)),

  // Responses: stored and background responses are read back, polled or streamed again.
  openai('POST', '/v1/responses', text(responses)),
  openai('GET', '/v1/responses/{id}', stored('response')),
  openai('POST', '/v1/responses/{id}/cancel', stored('response')),
  openai('DELETE', '/v1/responses/{id}', passthrough(DELETION)),
  openai('GET', '/v1/responses/{id}/input_items', stored('response.items')),
  openai('POST', '/v1/responses/input_tokens', passthrough('a token count')),

  // Conversations: items include the assistant messages of earlier responses.
  openai('POST', '/v1/conversations', passthrough(METADATA)),
  openai('GET', '/v1/conversations/{id}', passthrough(METADATA)),
  openai('POST', '/v1/conversations/{id}', passthrough(METADATA)),
  openai('DELETE', '/v1/conversations/{id}', passthrough(DELETION)),
  openai('GET', '/v1/conversations/{id}/items', stored('response.items')),
  openai('POST', '/v1/conversations/{id}/items', stored('response.items')),
  openai('GET', '/v1/conversations/{id}/items/{item}', stored('response.item')),
  openai('DELETE', '/v1/conversations/{id}/items/{item}', passthrough(METADATA)),

  // Assistants (beta): messages carry the generated text; runs carry status and tool calls.
  openai('POST', '/v1/assistants', passthrough('assistant configuration written by the client')),
  openai('GET', '/v1/assistants', passthrough('assistant configuration written by the client')),
  openai('GET', '/v1/assistants/{id}', passthrough('assistant configuration written by the client')),
  openai('POST', '/v1/assistants/{id}', passthrough('assistant configuration written by the client')),
  openai('DELETE', '/v1/assistants/{id}', passthrough(DELETION)),
  openai('POST', '/v1/threads', passthrough(METADATA)),
  openai('GET', '/v1/threads/{id}', passthrough(METADATA)),
  openai('POST', '/v1/threads/{id}', passthrough(METADATA)),
  openai('DELETE', '/v1/threads/{id}', passthrough(DELETION)),
  openai('GET', '/v1/threads/{id}/messages', stored('thread.message.list')),
  openai('POST', '/v1/threads/{id}/messages', stored('thread.message')),
  openai('GET', '/v1/threads/{id}/messages/{message}', stored('thread.message')),
  openai('POST', '/v1/threads/{id}/messages/{message}', stored('thread.message')),
  openai('DELETE', '/v1/threads/{id}/messages/{message}', passthrough(DELETION)),
  ...['/v1/threads/runs', '/v1/threads/{id}/runs', '/v1/threads/{id}/runs/{run}/submit_tool_outputs'].map((path) =>
    openai('POST', path, { kind: 'json-only', why: 'a run object (status, tool calls); its streamed form carries message deltas the gateway does not label yet: poll the run and read /messages' }),
  ),
  openai('GET', '/v1/threads/{id}/runs', passthrough('run objects: status and tool calls, no message text')),
  openai('GET', '/v1/threads/{id}/runs/{run}', passthrough('a run object: status and tool calls, no message text')),
  openai('POST', '/v1/threads/{id}/runs/{run}', passthrough('a run object: status and tool calls, no message text')),
  openai('POST', '/v1/threads/{id}/runs/{run}/cancel', passthrough('a run object: status and tool calls, no message text')),
  openai('GET', '/v1/threads/{id}/runs/{run}/steps', passthrough('run steps name message ids and tool calls; message text is read from /messages')),
  openai('GET', '/v1/threads/{id}/runs/{run}/steps/{step}', passthrough('run steps name message ids and tool calls; message text is read from /messages')),

  // Images.
  openai('POST', '/v1/images/generations', { kind: 'image' }),
  openai('POST', '/v1/images/edits', { kind: 'image' }),
  openai('POST', '/v1/images/variations', { kind: 'image' }),

  // Audio and video.
  openai('POST', '/v1/audio/transcriptions', { kind: 'transcript' }),
  openai('POST', '/v1/audio/translations', { kind: 'transcript' }),
  openai('POST', '/v1/audio/speech', { kind: 'speech' }),
  openai('POST', '/v1/videos', refuse(NOT_LABELLED_VIDEO)),
  openai('GET', '/v1/videos', refuse(NOT_LABELLED_VIDEO)),
  openai('GET', '/v1/videos/{id}', refuse(NOT_LABELLED_VIDEO)),
  openai('GET', '/v1/videos/{id}/content', refuse(NOT_LABELLED_VIDEO)),
  openai('POST', '/v1/videos/{id}/remix', refuse(NOT_LABELLED_VIDEO)),
  openai('DELETE', '/v1/videos/{id}', refuse(NOT_LABELLED_VIDEO)),
  openai('POST', '/v1/realtime/sessions', refuse(DIRECT_ACCESS)),
  openai('POST', '/v1/realtime/client_secrets', refuse(DIRECT_ACCESS)),
  openai('POST', '/v1/realtime/transcription_sessions', refuse(DIRECT_ACCESS)),

  // Vectors, scores and metadata.
  openai('POST', '/v1/embeddings', passthrough('vectors, not content a person reads')),
  openai('POST', '/v1/moderations', passthrough('classification scores of the client input')),
  either('GET', '/v1/models', passthrough('the model list')),
  either('GET', '/v1/models/{model}', passthrough('a model description')),
  openai('DELETE', '/v1/models/{model}', passthrough(DELETION)),
  openai('GET', '/v1/organization/usage/{kind}', passthrough('usage counts')),
  openai('GET', '/v1/organization/costs', passthrough('usage costs')),

  // Files, uploads, batches, vector stores, fine-tuning.
  either('POST', '/v1/files', passthrough('the metadata of a file the client uploaded')),
  either('GET', '/v1/files', passthrough(METADATA)),
  either('GET', '/v1/files/{id}', passthrough(METADATA)),
  either('DELETE', '/v1/files/{id}', passthrough(DELETION)),
  // Batch results and assistant outputs are model answers; the file's metadata says which it is.
  either('GET', '/v1/files/{id}/content', { kind: 'file', source: 'file' }),
  // Containers (code interpreter, skills): files the model wrote there have source "assistant".
  openai('POST', '/v1/containers', passthrough(METADATA)),
  openai('GET', '/v1/containers', passthrough(METADATA)),
  openai('GET', '/v1/containers/{id}', passthrough(METADATA)),
  openai('DELETE', '/v1/containers/{id}', passthrough(DELETION)),
  openai('POST', '/v1/containers/{id}/files', passthrough('the metadata of a file the client uploaded')),
  openai('GET', '/v1/containers/{id}/files', passthrough(METADATA)),
  openai('GET', '/v1/containers/{id}/files/{file}', passthrough(METADATA)),
  openai('DELETE', '/v1/containers/{id}/files/{file}', passthrough(DELETION)),
  openai('GET', '/v1/containers/{id}/files/{file}/content', { kind: 'file', source: 'container-file' }),
  openai('POST', '/v1/uploads', passthrough(METADATA)),
  openai('POST', '/v1/uploads/{id}/parts', passthrough(METADATA)),
  openai('POST', '/v1/uploads/{id}/complete', passthrough(METADATA)),
  openai('POST', '/v1/uploads/{id}/cancel', passthrough(METADATA)),
  openai('POST', '/v1/batches', passthrough('a batch object; its results are read through /v1/files/{id}/content')),
  openai('GET', '/v1/batches', passthrough('batch objects; results are read through /v1/files/{id}/content')),
  openai('GET', '/v1/batches/{id}', passthrough('a batch object; its results are read through /v1/files/{id}/content')),
  openai('POST', '/v1/batches/{id}/cancel', passthrough('a batch object')),
  openai('POST', '/v1/vector_stores', passthrough(METADATA)),
  openai('GET', '/v1/vector_stores', passthrough(METADATA)),
  openai('GET', '/v1/vector_stores/{id}', passthrough(METADATA)),
  openai('POST', '/v1/vector_stores/{id}', passthrough(METADATA)),
  openai('DELETE', '/v1/vector_stores/{id}', passthrough(DELETION)),
  openai('POST', '/v1/vector_stores/{id}/search', passthrough(USER_FILES)),
  openai('POST', '/v1/vector_stores/{id}/files', passthrough(METADATA)),
  openai('GET', '/v1/vector_stores/{id}/files', passthrough(METADATA)),
  openai('GET', '/v1/vector_stores/{id}/files/{file}', passthrough(METADATA)),
  openai('DELETE', '/v1/vector_stores/{id}/files/{file}', passthrough(DELETION)),
  openai('POST', '/v1/fine_tuning/jobs', passthrough('a job object; training data is the client\'s')),
  openai('GET', '/v1/fine_tuning/jobs', passthrough(METADATA)),
  openai('GET', '/v1/fine_tuning/jobs/{id}', passthrough(METADATA)),
  openai('POST', '/v1/fine_tuning/jobs/{id}/cancel', passthrough(METADATA)),
  openai('GET', '/v1/fine_tuning/jobs/{id}/events', passthrough('training progress messages written by the provider')),
  openai('GET', '/v1/fine_tuning/jobs/{id}/checkpoints', passthrough(METADATA)),

  // Anthropic Messages and its side routes.
  anthropic('POST', '/v1/messages', text(anthropicMessages)),
  anthropic('POST', '/v1/messages/count_tokens', passthrough('a token count')),
  anthropic('POST', '/v1/messages/batches', { kind: 'anthropic-batch' }),
  anthropic('GET', '/v1/messages/batches', { kind: 'anthropic-batch' }),
  anthropic('GET', '/v1/messages/batches/{id}', { kind: 'anthropic-batch' }),
  anthropic('POST', '/v1/messages/batches/{id}/cancel', { kind: 'anthropic-batch' }),
  anthropic('DELETE', '/v1/messages/batches/{id}', passthrough(DELETION)),
  anthropic('GET', '/v1/messages/batches/{id}/results', { kind: 'jsonl', lines: 'anthropic-batch' }),
]

/** The labellers of routes that are served (a `refuse` route never gets past resolveRoute). */
export type ServedLabeller = Exclude<Labeller, { kind: 'refuse' }>

export interface ResolvedRoute {
  route: Route
  labeller: ServedLabeller
  /** The canonical path under the upstream base URL (no /v1), parameters re-encoded. */
  upstreamPath: string
}

interface Compiled {
  route: Route
  segments: { fixed?: string; param?: string }[]
  /** How many segments are fixed. */
  fixed: number
}

const COMPILED: Compiled[] = ROUTES.map((route) => {
  const segments = route.path.split('/').filter(Boolean).map((s) => (s.startsWith('{') ? { param: s.slice(1, -1) } : { fixed: s }))
  return { route, segments, fixed: segments.filter((s) => s.fixed).length }
})

// Ids and model names as providers issue them; no slash, no percent sign, no dot segment.
const PARAM = /^[A-Za-z0-9_][A-Za-z0-9_.:@+=~-]{0,255}$/

/**
 * The path's segments as the client meant them: empty segments dropped (`//`, a trailing
 * slash), each percent-decoded once. A segment that decodes to a slash, backslash, control
 * character or percent sign is refused: an upstream that decodes again would see another path.
 */
export function normalisePath(rawPath: string): string[] {
  return rawPath.split('/').filter(Boolean).map((segment) => {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      throw new GatewayError(400, 'invalid_request', `the path segment "${segment}" is not valid percent-encoding`)
    }
    if (/[/\\%\u0000-\u001f\u007f]/.test(decoded) || decoded === '.' || decoded === '..') {
      throw new GatewayError(400, 'invalid_request', `the path segment "${segment}" is not allowed`)
    }
    return decoded
  })
}

/** The table's route for a request, or the GatewayError that refuses it (never forwarded). */
export function resolveRoute(method: string, rawPath: string): ResolvedRoute {
  const segments = normalisePath(rawPath)
  const shown = '/' + segments.join('/')
  const matching = COMPILED.filter((c) => matches(c, segments))
  // A fixed segment wins over a parameter: `/v1/threads/runs` is not thread "runs".
  const route = matching.filter((c) => c.route.method === method.toUpperCase()).sort((a, b) => b.fixed - a.fixed)[0]
  if (!route) {
    const allowed = matching.map((c) => c.route.method).join(', ')
    const why = allowed ? `only ${allowed} is` : 'the route is not'
    throw new GatewayError(501, 'not_implemented', `${method.toUpperCase()} ${shown} is not served: ${why} in the gateway's route table, and nothing outside it is forwarded`)
  }
  const { labeller } = route.route
  if (labeller.kind === 'refuse') {
    throw new GatewayError(501, 'not_implemented', `${method.toUpperCase()} ${route.route.path} is refused: ${labeller.why}`)
  }
  const upstreamPath = route.segments
    .slice(1) // the base URL ends at the API version
    .map((s, i) => s.fixed ?? encodeURIComponent(segments[i + 1]!))
    .join('/')
  return { route: route.route, labeller, upstreamPath: '/' + upstreamPath }
}

function matches({ segments: pattern }: Compiled, segments: string[]): boolean {
  if (pattern.length !== segments.length) return false
  return pattern.every((p, i) => (p.fixed ? p.fixed === segments[i]!.toLowerCase() : PARAM.test(segments[i]!)))
}

/** The dialect of a request: the Anthropic SDK sends `anthropic-version` and `x-api-key`. */
export function dialectOf(route: Route, headers: Headers): UpstreamDialect {
  if (route.dialect !== 'client') return route.dialect
  const anthropicClient = headers.has('anthropic-version') || (headers.has('x-api-key') && !headers.has('authorization'))
  return anthropicClient ? 'anthropic' : 'openai'
}
