/**
 * OpenAI Chat Completions (`choices[].message.content`, stream `choices[].delta.content`)
 * and legacy Completions (`choices[].text`). Labels only generated text: tool-call
 * arguments, reasoning_content and refusals are never touched.
 */
import { labelText, type TextAffixes } from '../label/explicit-text'
import type { SseEvent } from '../stream/sse-frames'
import type { StreamLabeler } from '../stream/label-stream'
import { looksLikeJsonObject, parseEventData, shiftAnnotations, type Json } from './shared'

/** Where the generated text of one choice lives, in a full body and in a stream chunk. */
interface ChoiceShape {
  getFull(choice: Json): unknown
  setFull(choice: Json, text: string): void
  getDelta(choice: Json): unknown
  setDelta(choice: Json, text: string): void
  /** A stream choice carrying only `text`. */
  deltaChoice(index: number, text: string): Json
}

export const chatShape: ChoiceShape = {
  getFull: (c) => c?.message?.content,
  setFull: (c, text) => {
    c.message.content = text
  },
  getDelta: (c) => c?.delta?.content,
  setDelta: (c, text) => {
    c.delta = { ...c.delta, content: text }
  },
  deltaChoice: (index, text) => ({ index, delta: { content: text }, logprobs: null, finish_reason: null }),
}

export const completionShape: ChoiceShape = {
  getFull: (c) => c?.text,
  setFull: (c, text) => {
    c.text = text
  },
  getDelta: (c) => c?.text,
  setDelta: (c, text) => {
    c.text = text
  },
  deltaChoice: (index, text) => ({ index, text, logprobs: null, finish_reason: null }),
}

/** Labels every choice's text in a non-stream body, in place. */
export function labelChoicesBody(body: Json, shape: ChoiceShape, affixes: TextAffixes): void {
  for (const choice of Array.isArray(body?.choices) ? body.choices : []) {
    const text = shape.getFull(choice)
    if (typeof text === 'string' && text !== '') {
      shape.setFull(choice, labelText(text, affixes))
      shiftAnnotations(choice.message?.annotations, affixes.prefix.length)
    } else if (Array.isArray(text)) {
      labelContentParts(text, affixes)
    }
  }
}

/** Some compatible servers return content as `[{type:"text", text}]` parts. */
function labelContentParts(parts: Json[], { prefix, suffix }: TextAffixes): void {
  const texts = parts.filter((p) => p?.type === 'text' && typeof p.text === 'string' && p.text !== '')
  if (texts.length === 0) return
  texts[0].text = prefix + texts[0].text
  texts[texts.length - 1].text += suffix
}

// A finishing choice has a string finish_reason; every other chunk says `null`.
const FINISH_OR_ERROR = /"finish_reason"\s*:\s*"|"error"\s*:/

/**
 * Stream labeler. `choiceCount` is the request's `n`: once every choice has started
 * its text, frames without a finish reason are forwarded without parsing.
 */
export function choicesStreamLabeler(shape: ChoiceShape, affixes: TextAffixes, choiceCount: number): StreamLabeler {
  const started = new Set<number>()
  const finished = new Set<number>()
  let envelope: Json
  let sawDone = false

  /** End labels for choices that started but never finished. */
  function owedSuffixes(): SseEvent[] {
    const open = [...started].filter((i) => !finished.has(i))
    for (const i of open) finished.add(i)
    if (affixes.suffix === '' || open.length === 0) return []
    const chunk = { ...envelope, choices: open.map((i) => shape.deltaChoice(i, affixes.suffix)) }
    return [{ data: JSON.stringify(chunk) }]
  }

  return {
    onEvent(event) {
      const { data } = event
      if (data === '[DONE]') {
        sawDone = true
        const owed = owedSuffixes()
        return owed.length ? [...owed, event] : undefined
      }
      const quiet = started.size >= choiceCount && looksLikeJsonObject(data) && !FINISH_OR_ERROR.test(data)
      if (quiet) return undefined

      const chunk = parseEventData(data)
      if (chunk.error) return [...owedSuffixes(), event]
      const choices: Json[] = Array.isArray(chunk.choices) ? chunk.choices : []
      envelope ??= { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model }
      let changed = false
      const labelOnly: Json[] = []
      for (const choice of choices) {
        const index = typeof choice?.index === 'number' ? choice.index : 0
        const text = shape.getDelta(choice)
        const hasText = typeof text === 'string' && text !== ''
        if (hasText && !started.has(index)) {
          started.add(index)
          if (affixes.prefix) {
            shape.setDelta(choice, affixes.prefix + text)
            changed = true
          }
        }
        if (choice?.finish_reason && !finished.has(index)) {
          finished.add(index)
          if (!started.has(index) || !affixes.suffix) continue
          if (hasText) {
            shape.setDelta(choice, shape.getDelta(choice) + affixes.suffix)
            changed = true
          } else {
            labelOnly.push(shape.deltaChoice(index, affixes.suffix))
          }
        }
      }
      if (!changed && labelOnly.length === 0) return undefined
      const out: SseEvent[] = []
      if (labelOnly.length) out.push({ data: JSON.stringify({ ...envelope, choices: labelOnly }) })
      out.push(changed ? { ...event, data: JSON.stringify(chunk) } : event)
      return out
    },

    onEnd(failure) {
      const complete = sawDone || (finished.size > 0 && [...started].every((i) => finished.has(i)))
      const reason = failure ?? (complete ? undefined : 'upstream closed the stream before it finished')
      const owed = owedSuffixes()
      if (!reason) return owed
      return [...owed, { data: JSON.stringify({ error: openAiStreamError(reason) }) }]
    },
  }
}

export function openAiStreamError(message: string) {
  return { message, type: 'upstream_error', param: null, code: 'upstream_stream_incomplete' }
}
