/**
 * Anthropic Messages: `content[]` blocks. The start label opens the first text block and
 * the end label closes the last one; when the message ends on a non-text block (a tool
 * call), the end label gets a text block of its own, so a label never lands inside
 * tool input or thinking.
 */
import type { TextAffixes } from '../label/explicit-text'
import type { StreamLabeler } from '../stream/label-stream'
import type { SseEvent } from '../stream/sse-frames'
import { looksLikeJsonObject, parseEventData, type Json } from './shared'

export function labelMessageBody(body: Json, { prefix, suffix }: TextAffixes): void {
  const blocks: Json[] = Array.isArray(body?.content) ? body.content : []
  const texts = blocks.filter((b) => b?.type === 'text' && typeof b.text === 'string' && b.text !== '')
  if (texts.length === 0) return
  texts[0].text = prefix + texts[0].text
  if (!suffix) return
  const last = blocks[blocks.length - 1]
  if (last?.type === 'text') last.text += suffix
  else blocks.push({ type: 'text', text: suffix })
}

export function messagesStreamLabeler({ prefix, suffix }: TextAffixes): StreamLabeler {
  let sawText = false
  /** A text block opened and its first text has not come: that delta must be read. */
  let awaitingText = false
  /** Index of the open text block; its stop is held back until we know it is the last. */
  let textBlock: number | undefined
  let heldStop: SseEvent | undefined
  let lastIndex = -1
  let stopped = false

  const toEvent = (data: Json): SseEvent => ({ event: data.type, data: JSON.stringify(data) })
  const textDelta = (index: number, text: string) =>
    toEvent({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })

  /** Events that put the end label in place before the message ends. */
  function closeWithSuffix(): SseEvent[] {
    const out: SseEvent[] = []
    if (sawText && suffix && textBlock !== undefined) out.push(textDelta(textBlock, suffix))
    if (heldStop) out.push(heldStop)
    if (sawText && suffix && textBlock === undefined) {
      const index = lastIndex + 1
      out.push(toEvent({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }))
      out.push(textDelta(index, suffix), toEvent({ type: 'content_block_stop', index }))
    }
    heldStop = undefined
    textBlock = undefined
    sawText = false
    return out
  }

  return {
    onEvent(event) {
      if (event.event === 'content_block_delta' && !awaitingText && looksLikeJsonObject(event.data)) return undefined
      if (event.event === 'ping') return undefined
      const e = parseEventData(event.data)
      const out: SseEvent[] = []
      // Another block after a held text-block stop: that text block was not the last.
      if (heldStop && e.type !== 'message_delta' && e.type !== 'message_stop') {
        out.push(heldStop)
        heldStop = undefined
        textBlock = undefined
      }
      switch (e.type) {
        case 'content_block_start': {
          lastIndex = Math.max(lastIndex, e.index)
          if (e.content_block?.type !== 'text') break
          textBlock = e.index
          const text = e.content_block.text
          if (typeof text === 'string' && text !== '') {
            if (!sawText) e.content_block.text = prefix + text
            sawText = true
          } else {
            awaitingText = true
          }
          break
        }
        case 'content_block_delta':
          if (e.delta?.type === 'text_delta' && typeof e.delta.text === 'string' && e.delta.text !== '') {
            if (!sawText) e.delta.text = prefix + e.delta.text
            awaitingText = false
            sawText = true
          }
          break
        case 'content_block_stop':
          if (e.index === textBlock && sawText) {
            heldStop = toEvent(e)
            return out
          }
          if (e.index === textBlock) textBlock = undefined
          break
        case 'message_delta':
        case 'message_stop':
          out.push(...closeWithSuffix())
          if (e.type === 'message_stop') stopped = true
          break
        case 'error':
          out.push(...closeWithSuffix())
          stopped = true
          break
      }
      out.push(toEvent(e))
      return out
    },

    onEnd(failure) {
      const reason = failure ?? (stopped ? undefined : 'upstream closed the stream before it finished')
      const out = closeWithSuffix()
      if (reason) out.push(toEvent({ type: 'error', error: { type: 'api_error', message: reason } }))
      return out
    },
  }
}
