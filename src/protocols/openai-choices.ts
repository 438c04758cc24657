/**
 * OpenAI Chat Completions (`choices[].message.content`, stream `choices[].delta.content`)
 * and legacy Completions (`choices[].text`). Labels only generated text: tool-call
 * arguments, reasoning_content, refusals and `thinking` content parts are never touched.
 * Content may be a string or, from compatible servers (Mistral's reasoning models), an
 * array of parts: only top-level `text` parts carry the label. Audio output is refused.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions'
import type { Completion, CompletionChoice } from 'openai/resources/completions'
import { labelText, type TextAffixes } from '../label/explicit-text'
import { LIMITS } from '../limits'
import { StreamLabelError, type LabelReducer } from '../stream/label-stream'
import type { SseEvent } from '../stream/sse-frames'
import type { StructuredCheck } from './structured'
import { explicitVerdict, isTextPart, looksLikeJsonObject, parseEventData, shiftAnnotations, type TextOutcome, type TextPart } from './shared'
import { isRecord } from '../guards'

/** Content as servers send it: the SDK's string, or parts. */
type Content = unknown

/** A stream choice the labeler writes: the SDKs' own, with content parts where the stream used them. */
type StreamChoice =
  | (Omit<ChatCompletionChunk.Choice, 'delta'> & { delta: { content: string | TextPart[] } })
  | (Omit<CompletionChoice, 'finish_reason'> & { finish_reason: null })
type Envelope = Pick<ChatCompletionChunk, 'id' | 'object' | 'created' | 'model'> | Pick<Completion, 'id' | 'object' | 'created' | 'model'>

/** Where the generated text of one choice lives, in a full body and in a stream chunk. */
export interface ChoiceShape {
  get(choice: Record<string, unknown>, full: boolean): Content
  set(choice: Record<string, unknown>, full: boolean, content: Content): void
  /** A stream choice carrying only `text`, as a string or as one text part. */
  deltaChoice(index: number, text: string, asPart: boolean): StreamChoice
}

const field = (choice: Record<string, unknown>, full: boolean) => {
  const holder = choice[full ? 'message' : 'delta']
  return isRecord(holder) ? holder : undefined
}

export const chatShape: ChoiceShape = {
  get: (c, full) => field(c, full)?.content,
  // In place: callers hand in choices that wrap objects of their own (stored messages).
  set: (c, full, content) => {
    const holder = field(c, full)
    if (holder) holder.content = content
    else c[full ? 'message' : 'delta'] = { content }
  },
  deltaChoice: (index, text, asPart) => ({
    index,
    delta: { content: asPart ? [{ type: 'text', text }] : text },
    logprobs: null,
    finish_reason: null,
  }),
}

export const completionShape: ChoiceShape = {
  get: (c) => c.text,
  set: (c, _full, content) => {
    c.text = content
  },
  deltaChoice: (index, text) => ({ index, text, logprobs: null, finish_reason: null }),
}

/** The generated text of some content: the string, or its top-level text parts joined. */
function textOf(content: Content): string {
  if (typeof content === 'string') return content
  return Array.isArray(content) ? content.filter((p) => isTextPart(p)).map((p) => p.text).join('') : ''
}

/** Adds the label around content: a string, or its first and last text parts. */
function withAffixes(content: Content, { prefix, suffix }: TextAffixes): Content {
  if (typeof content === 'string') return prefix + content + suffix
  if (!Array.isArray(content)) return content
  const texts = content.filter((p) => isTextPart(p) && p.text !== '')
  const first = texts[0]
  const last = texts[texts.length - 1]
  if (first && last) {
    first.text = prefix + first.text
    last.text += suffix
  }
  return content
}

function refuseAudio(choice: Record<string, unknown>, full: boolean): void {
  const audio = field(choice, full)?.audio
  if (audio !== undefined && audio !== null) {
    throw new StreamLabelError('the upstream answered with audio, which the gateway does not label yet, so it was not delivered')
  }
}

const choicesOf = (body: Record<string, unknown>): Record<string, unknown>[] => (Array.isArray(body.choices) ? body.choices.filter(isRecord) : [])

/**
 * Labels every choice's text in a non-stream body, in place; a choice that is the structured
 * output asked for keeps its text as it is.
 */
export function labelChoicesBody(body: Record<string, unknown>, shape: ChoiceShape, affixes: TextAffixes, structured?: StructuredCheck): TextOutcome {
  const outcome = { labelled: 0, structured: 0 }
  for (const choice of choicesOf(body)) {
    refuseAudio(choice, true)
    const content = shape.get(choice, true)
    const text = textOf(content)
    if (text === '') continue
    if (structured?.(text)) {
      outcome.structured++
      continue
    }
    outcome.labelled++
    if (typeof content === 'string') {
      shape.set(choice, true, labelText(content, affixes))
      shiftAnnotations(field(choice, true)?.annotations, affixes.prefix.length)
    } else {
      shape.set(choice, true, withAffixes(content, affixes))
    }
  }
  return outcome
}

/** What a choices stream labeler remembers between events. */
export interface ChoicesState {
  readonly shape: ChoiceShape
  readonly affixes: TextAffixes
  /** Set when structured output was asked for: each choice's end label waits for its whole text. */
  readonly structured?: StructuredCheck
  started: Set<number>
  finished: Set<number>
  /** Choices whose text came as content parts: their end label is a part too. */
  parts: Set<number>
  /** The text so far of each choice, kept only while a structured decision is owed. */
  texts: Map<number, string>
  outcome: TextOutcome
  envelope?: Envelope
  sawDone: boolean
  verdictSent: boolean
}

export function choicesState(shape: ChoiceShape, affixes: TextAffixes, structured?: StructuredCheck): ChoicesState {
  return {
    shape,
    affixes,
    structured,
    started: new Set(),
    finished: new Set(),
    parts: new Set(),
    texts: new Map(),
    outcome: { labelled: 0, structured: 0 },
    sawDone: false,
    verdictSent: false,
  }
}

// Frames that must be read even once every choice has started: a finish, an error, audio.
const MUST_READ = /"finish_reason"\s*:\s*"|"error"\s*:|"audio"\s*:/
// Unescaped, `"index"` can only be a key: a choice's, or a tool call's (read to be safe).
const INDEX = /"index"\s*:\s*(\d+)/g

/** A frame whose every choice has started its text and which finishes none: forwarded as is. */
function isQuiet(state: ChoicesState, data: string): boolean {
  if (state.structured || state.started.size === 0 || !looksLikeJsonObject(data) || MUST_READ.test(data)) return false
  for (const match of data.matchAll(INDEX)) if (!state.started.has(Number(match[1]))) return false
  return true
}

/** The end label choice `index` is owed now that its text is complete (empty when none). */
function endLabel(state: ChoicesState, index: number): string {
  const { structured, affixes, outcome } = state
  if (structured?.(state.texts.get(index) ?? '')) {
    outcome.structured++
    return ''
  }
  outcome.labelled++
  return affixes.suffix
}

function chunkOf(state: ChoicesState, choices: StreamChoice[], extra: Record<string, unknown> = {}): SseEvent {
  return { data: JSON.stringify({ ...state.envelope, choices, ...extra }) }
}

/** End labels for choices that started but never finished, then the verdict when one is owed. */
function closing(state: ChoicesState): SseEvent[] {
  const open = [...state.started].filter((i) => !state.finished.has(i))
  const owed: StreamChoice[] = []
  for (const i of open) {
    state.finished.add(i)
    const suffix = endLabel(state, i)
    if (suffix) owed.push(state.shape.deltaChoice(i, suffix, state.parts.has(i)))
  }
  const out = owed.length ? [chunkOf(state, owed)] : []
  // A structured request's label was decided at the end: a last chunk with no choices says how.
  if (state.structured && !state.verdictSent) {
    state.verdictSent = true
    out.push(chunkOf(state, [], { aigc_explicit: explicitVerdict(state.outcome) }))
  }
  return out
}

export const choicesReducer: LabelReducer<ChoicesState> = {
  step(state, event) {
    const { data } = event
    if (data === '[DONE]') {
      state.sawDone = true
      const owed = closing(state)
      return owed.length ? [...owed, event] : undefined
    }
    if (isQuiet(state, data)) return undefined

    const chunk = parseEventData(data)
    if (chunk.error) return [...closing(state), event]
    state.envelope ??= { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model } as Envelope
    const { shape, affixes } = state
    let changed = false
    const labelOnly: StreamChoice[] = []
    for (const choice of choicesOf(chunk)) {
      refuseAudio(choice, false)
      const index = typeof choice.index === 'number' ? choice.index : 0
      let content = shape.get(choice, false)
      const text = textOf(content)
      if (text !== '') {
        if (Array.isArray(content)) state.parts.add(index)
        if (state.structured) keepText(state, index, text)
        else if (!state.started.has(index) && affixes.prefix) {
          content = withAffixes(content, { prefix: affixes.prefix, suffix: '' })
          shape.set(choice, false, content)
          changed = true
        }
        state.started.add(index)
      }
      if (!choice.finish_reason || state.finished.has(index)) continue
      state.finished.add(index)
      if (!state.started.has(index)) continue
      const suffix = endLabel(state, index)
      if (!suffix) continue
      if (text !== '') {
        shape.set(choice, false, withAffixes(content, { prefix: '', suffix }))
        changed = true
      } else {
        labelOnly.push(shape.deltaChoice(index, suffix, state.parts.has(index)))
      }
    }
    if (!changed && labelOnly.length === 0) return undefined
    const out: SseEvent[] = []
    if (labelOnly.length) out.push(chunkOf(state, labelOnly))
    out.push(changed ? { ...event, data: JSON.stringify(chunk) } : event)
    return out
  },

  end(state, failure) {
    const complete = state.sawDone || (state.finished.size > 0 && [...state.started].every((i) => state.finished.has(i)))
    const reason = failure ?? (complete ? undefined : 'upstream closed the stream before it finished')
    const owed = closing(state)
    if (!reason) return owed
    return [...owed, { data: JSON.stringify({ error: openAiStreamError(reason) }) }]
  },
}

/** Holds a choice's text for the structured check, no further than the check would read. */
function keepText(state: ChoicesState, index: number, text: string): void {
  const sofar = state.texts.get(index) ?? ''
  if (sofar.length <= LIMITS.structuredAnswerChars.max) state.texts.set(index, sofar + text)
}

export function openAiStreamError(message: string) {
  return { message, type: 'upstream_error', param: null, code: 'upstream_stream_incomplete' }
}

/**
 * A Chat request whose last messages are tool results after an assistant message with text:
 * the answer continues that turn (a tool loop), and the client appends it to that text.
 */
export function continuesChatText(request: Record<string, unknown>): boolean {
  const messages = Array.isArray(request.messages) ? request.messages.filter(isRecord) : []
  let i = messages.length - 1
  while (i >= 0 && (messages[i]!.role === 'tool' || messages[i]!.role === 'function')) i--
  const turn = messages[i]
  return i < messages.length - 1 && turn?.role === 'assistant' && textOf(turn.content) !== ''
}
