/**
 * Anthropic Messages: `content[]` blocks. The start label opens the first text block and
 * the end label closes the last one; when the message ends on a non-text block (a tool
 * call), the end label gets a text block of its own, so a label never lands inside
 * tool input or thinking.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages'
import type { TextAffixes } from '../label/explicit-text'
import { LIMITS } from '../limits'
import type { LabelReducer } from '../stream/label-stream'
import type { SseEvent } from '../stream/sse-frames'
import { explicitVerdict, isTextPart, looksLikeJsonObject, parseEventData, typedEvent, type TextOutcome, type TextPart } from './shared'
import type { StructuredCheck } from './structured'
import { isRecord } from '../guards'

/** The text blocks of a message are one answer: checked together, labelled at its two ends. */
export function labelMessageBody(body: Record<string, unknown>, { prefix, suffix }: TextAffixes, structured?: StructuredCheck): TextOutcome {
  const blocks: unknown[] = Array.isArray(body.content) ? body.content : []
  const texts = blocks.filter((b): b is TextPart => isTextPart(b) && b.text !== '')
  const first = texts[0]
  if (!first) return { labelled: 0, structured: 0 }
  if (structured?.(texts.map((b) => b.text).join(''))) return { labelled: 0, structured: 1 }
  first.text = prefix + first.text
  if (suffix) {
    const last = blocks[blocks.length - 1]
    if (isTextPart(last)) last.text += suffix
    else blocks.push({ type: 'text', text: suffix })
  }
  return { labelled: 1, structured: 0 }
}

/** What a Messages stream labeler remembers between events. */
export interface MessagesState {
  readonly affixes: TextAffixes
  /** Set when structured output was asked for: the end label waits for the whole text. */
  readonly structured?: StructuredCheck
  sawText: boolean
  /** A text block opened and its first text has not come: that delta must be read. */
  awaitingText: boolean
  /** Index of the open text block; its stop is held back until we know it is the last. */
  textBlock?: number
  heldStop?: SseEvent
  lastIndex: number
  stopped: boolean
  /** The text so far, kept only while a structured decision is owed. */
  text: string
  outcome: TextOutcome
}

export function messagesState(affixes: TextAffixes, structured?: StructuredCheck): MessagesState {
  return { affixes, structured, sawText: false, awaitingText: false, lastIndex: -1, stopped: false, text: '', outcome: { labelled: 0, structured: 0 } }
}

const textDelta = (index: number, text: string) => typedEvent({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })

/** The end label this message is owed now that its text is complete (empty when none). */
function endLabel(state: MessagesState): string {
  if (!state.sawText) return ''
  if (state.structured?.(state.text)) {
    state.outcome.structured++
    return ''
  }
  state.outcome.labelled++
  return state.affixes.suffix
}

/** Events that put the end label in place before the message ends. */
function closeWithSuffix(state: MessagesState): SseEvent[] {
  const out: SseEvent[] = []
  const suffix = endLabel(state)
  if (suffix && state.textBlock !== undefined) out.push(textDelta(state.textBlock, suffix))
  if (state.heldStop) out.push(state.heldStop)
  if (suffix && state.textBlock === undefined) {
    const index = state.lastIndex + 1
    out.push(typedEvent({ type: 'content_block_start', index, content_block: { type: 'text', text: '', citations: null } }))
    out.push(textDelta(index, suffix), typedEvent({ type: 'content_block_stop', index }))
  }
  state.heldStop = undefined
  state.textBlock = undefined
  state.sawText = false
  return out
}

/** Marks the start of text: the first one gets the start label. */
function sawText(state: MessagesState, text: string): string {
  if (state.structured && state.text.length <= LIMITS.structuredAnswerChars.max) state.text += text
  const labelled = state.sawText ? text : state.affixes.prefix + text
  state.sawText = true
  return labelled
}

type Event = RawMessageStreamEvent | { type: 'ping' } | { type: 'error'; error?: unknown }

export const messagesReducer: LabelReducer<MessagesState> = {
  step(state, event) {
    if (event.event === 'content_block_delta' && !state.awaitingText && !state.structured && looksLikeJsonObject(event.data)) return undefined
    if (event.event === 'ping') return undefined
    const e = parseEventData(event.data) as Event & Record<string, unknown>
    const out: SseEvent[] = []
    // Another block after a held text-block stop: that text block was not the last.
    if (state.heldStop && e.type !== 'message_delta' && e.type !== 'message_stop') {
      out.push(state.heldStop)
      state.heldStop = undefined
      state.textBlock = undefined
    }
    switch (e.type) {
      case 'content_block_start': {
        state.lastIndex = Math.max(state.lastIndex, e.index)
        if (e.content_block?.type !== 'text') break
        state.textBlock = e.index
        const text = e.content_block.text
        if (typeof text === 'string' && text !== '') e.content_block.text = sawText(state, text)
        else state.awaitingText = true
        break
      }
      case 'content_block_delta':
        if (e.delta?.type === 'text_delta' && typeof e.delta.text === 'string' && e.delta.text !== '') {
          e.delta.text = sawText(state, e.delta.text)
          state.awaitingText = false
        }
        break
      case 'content_block_stop':
        if (e.index === state.textBlock && state.sawText) {
          state.heldStop = typedEvent(e)
          return out
        }
        if (e.index === state.textBlock) state.textBlock = undefined
        break
      case 'message_delta':
      case 'message_stop':
      case 'error':
        out.push(...closeWithSuffix(state))
        // A structured request's label was decided at the end: the message's last delta says how.
        if (state.structured && e.type === 'message_delta') e.aigc_explicit = explicitVerdict(state.outcome)
        if (e.type !== 'message_delta') state.stopped = true
        break
    }
    out.push(typedEvent(e))
    return out
  },

  end(state, failure) {
    const reason = failure ?? (state.stopped ? undefined : 'upstream closed the stream before it finished')
    const out = closeWithSuffix(state)
    if (reason) out.push(typedEvent({ type: 'error', error: { type: 'api_error', message: reason } }))
    return out
  },
}

/** A last user turn of tool results only, after an assistant turn with text (see continuesChatText). */
export function continuesMessageText(request: Record<string, unknown>): boolean {
  const messages = Array.isArray(request.messages) ? request.messages.filter(isRecord) : []
  const [turn, results] = messages.slice(-2)
  if (turn?.role !== 'assistant' || results?.role !== 'user' || !Array.isArray(results.content) || results.content.length === 0) return false
  if (!results.content.every((b) => isRecord(b) && b.type === 'tool_result')) return false
  if (typeof turn.content === 'string') return turn.content !== ''
  return Array.isArray(turn.content) && turn.content.some((b) => isTextPart(b) && b.text !== '')
}
