/**
 * Generated text read back after the call that made it (stored completions, background
 * responses, conversation items, assistants messages, batch results, transcripts), labelled
 * as the POST twin labels it: each view finds the objects of the twin's shape inside the
 * answer and hands them to the twin's `labelBody`. A view returns false when the answer does
 * not have the shape it knows, and the route refuses it (502). Pure: no Hono, no I/O.
 */
import { labelText, type TextAffixes, type TextLabel } from '../label/explicit-text'
import { anthropicMessages, chatCompletions, completions, responses, type TextProtocol } from '../protocols'
import { shiftAnnotations, type TextOutcome } from '../protocols/shared'
import { isRecord } from '../guards'

type Body = Record<string, unknown>

/** What a view did: texts labelled, texts left as the structured output they were asked to be. */
export type ViewOutcome = TextOutcome | false

export interface StoredView {
  /**
   * Labels the answer in place; false when it is not the shape this view reads. Throws
   * StreamLabelError when it holds content that cannot be labelled (e.g. an image).
   */
  label(body: Body, affixes: TextAffixes): Promise<ViewOutcome>
  /** The route can also answer as an event stream of its POST twin. */
  streams?: TextProtocol
}

const list = (body: Body): unknown[] | undefined => (Array.isArray(body.data) ? body.data : undefined)

const NOTHING: TextOutcome = { labelled: 0, structured: 0 }
const sum = (outcomes: ViewOutcome[]): ViewOutcome =>
  outcomes.includes(false) ? false : (outcomes as TextOutcome[]).reduce((a, b) => ({ labelled: a.labelled + b.labelled, structured: a.structured + b.structured }), NOTHING)

/** Every element is an object this view labels. */
async function eachOf(items: unknown[] | undefined, label: (item: Body) => Promise<ViewOutcome>): Promise<ViewOutcome> {
  if (!items?.every(isRecord)) return false
  const outcomes: ViewOutcome[] = []
  for (const item of items) outcomes.push(await label(item))
  return sum(outcomes)
}

const chatCompletion = async (b: Body, a: TextAffixes): Promise<ViewOutcome> => (Array.isArray(b.choices) ? chatCompletions.labelBody(b, a) : false)
const responseItems = (items: unknown[], a: TextAffixes) => responses.labelBody({ output: items }, a)

export const STORED_VIEWS = {
  'chat.completion': { label: chatCompletion },
  'chat.completion.list': { label: (b, a) => eachOf(list(b), (c) => chatCompletion(c, a)) },
  // Stored messages are `{ role, content }`: the assistant's are labelled as a choice's message.
  'chat.completion.messages': {
    label: async (b, a) => {
      const messages = list(b)
      if (!messages?.every(isRecord)) return false
      const choices = messages.filter((m) => m.role === 'assistant').map((message) => ({ message }))
      return chatCompletions.labelBody({ choices }, a)
    },
  },
  // A stored response keeps its request's `text.format`: its text stays unlabelled only when it is that structured output.
  response: {
    label: async (b, a) => (Array.isArray(b.output) ? responses.labelBody(b, a, { structured: responses.structuredCheck(b) }) : false),
    streams: responses,
  },
  // Conversation and input items: the `message` items of a response's `output`.
  'response.items': { label: async (b, a) => (list(b) ? responseItems(list(b)!, a) : false) },
  'response.item': { label: async (b, a) => (typeof b.type === 'string' ? responseItems([b], a) : false) },
  'thread.message': { label: async (b, a) => labelThreadMessage(b, a) },
  'thread.message.list': { label: (b, a) => eachOf(list(b), async (m) => labelThreadMessage(m, a)) },
} satisfies Record<string, StoredView>

export type StoredViewName = keyof typeof STORED_VIEWS

/**
 * An assistants message: `content[]` parts `{ type: "text", text: { value, annotations } }`.
 * The assistant's messages are labelled like one text, the client's are left alone.
 */
function labelThreadMessage(message: Body, { prefix, suffix }: TextAffixes): ViewOutcome {
  if (!Array.isArray(message.content)) return false
  if (message.role !== 'assistant') return NOTHING
  const texts = message.content.flatMap((p) => (isRecord(p) && p.type === 'text' && isRecord(p.text) && typeof p.text.value === 'string' ? [p.text] : []))
  if (texts.length === 0) return NOTHING
  texts[0]!.value = prefix + texts[0]!.value
  shiftAnnotations(texts[0]!.annotations, prefix.length)
  texts[texts.length - 1]!.value += suffix
  return { labelled: 1, structured: 0 }
}

/** Speech-to-text JSON (`json`, `verbose_json`, `diarized_json`): the text and its segments. */
export function labelTranscriptJson(body: Body, affixes: TextAffixes): boolean {
  if (typeof body.text !== 'string') return false
  body.text = labelText(body.text, affixes)
  const segments = Array.isArray(body.segments) ? body.segments.filter((s) => isRecord(s) && typeof s.text === 'string') : []
  const first = segments[0] as Body | undefined
  const last = segments[segments.length - 1] as Body | undefined
  if (first) first.text = affixes.prefix + first.text
  if (last) last.text += affixes.suffix
  return true
}

/**
 * A speech-to-text answer in plain text, SubRip or WebVTT. Subtitle cues end at a blank
 * line, so there the label is a line of its own in the first and last cue.
 */
export function labelTranscriptText(text: string, label: TextLabel, affixes: TextAffixes): string {
  if (!/^(WEBVTT|\d+\r?\n)/.test(text.replace(/^\uFEFF/, '')) || !text.includes('-->')) return labelText(text, affixes)
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const blocks = text.split(eol + eol)
  const cues = blocks.flatMap((block, i) => (block.split(eol).some((line) => line.includes('-->')) ? [i] : []))
  if (cues.length === 0) return labelText(text, affixes)
  if (label.position !== 'end') {
    const lines = blocks[cues[0]!]!.split(eol)
    const timing = lines.findIndex((line) => line.includes('-->'))
    lines.splice(timing + 1, 0, label.text)
    blocks[cues[0]!] = lines.join(eol)
  }
  if (label.position !== 'start') {
    const i = cues[cues.length - 1]!
    const block = blocks[i]!
    const trailing = block.endsWith(eol) ? eol : ''
    blocks[i] = block.slice(0, block.length - trailing.length) + eol + label.text + trailing
  }
  return blocks.join(eol + eol)
}

/** One JSONL line of batch results: the answer body it labelled, or why it did not. */
export type BatchLine = { labelled: Body } | 'unchanged' | 'unknown'

/**
 * One line of an OpenAI batch file: an output line's response body is labelled by the
 * protocol of the route it answers (told by its `object`); input lines (the client's
 * requests), error lines and non-text answers (embeddings, moderations) stay as they are.
 */
export async function labelOpenAiBatchLine(line: Body, affixes: TextAffixes): Promise<BatchLine> {
  if (typeof line.custom_id !== 'string') return 'unknown'
  if ('method' in line && 'url' in line && !('response' in line)) return 'unchanged'
  const response = line.response
  if (response === null || response === undefined) return 'error' in line ? 'unchanged' : 'unknown'
  if (!isRecord(response) || !isRecord(response.body)) return 'unknown'
  const status = Number(response.status_code)
  if (!(status >= 200 && status < 300)) return 'unchanged'
  const body = response.body
  // Moderations answer without `object`: scores, no generated text.
  const protocol = body.object === undefined && Array.isArray(body.results) ? null : BATCH_PROTOCOLS[String(body.object)]
  if (protocol === null) return 'unchanged'
  if (!protocol) return 'unknown'
  // A Responses answer names the format it was asked for; its text passes as structured only when it is that.
  await protocol.labelBody(body, affixes, { structured: protocol.structuredCheck(body) })
  return { labelled: body }
}

// `object` of a batch answer → its labeller; null: no generated text.
const BATCH_PROTOCOLS: Record<string, TextProtocol | null | undefined> = {
  'chat.completion': chatCompletions,
  text_completion: completions,
  response: responses,
  list: null, // embeddings
}

/** One line of Anthropic Message Batch results: a succeeded result's message is labelled. */
export async function labelAnthropicBatchLine(line: Body, affixes: TextAffixes): Promise<BatchLine> {
  if (typeof line.custom_id !== 'string' || !isRecord(line.result)) return 'unknown'
  const { result } = line
  if (result.type !== 'succeeded') return ['errored', 'canceled', 'expired'].includes(String(result.type)) ? 'unchanged' : 'unknown'
  if (!isRecord(result.message) || !Array.isArray(result.message.content)) return 'unknown'
  await anthropicMessages.labelBody(result.message, affixes)
  return { labelled: result.message }
}

export function pointResultsAtGateway(batch: Body, origin: string): void {
  if (typeof batch.id === 'string' && typeof batch.results_url === 'string') {
    batch.results_url = `${origin}/v1/messages/batches/${encodeURIComponent(batch.id)}/results`
  }
}
