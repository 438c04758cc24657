/**
 * OpenAI Responses API: `output[].content[]` parts of type `output_text`, each labelled
 * on its own. In streams the deltas, the `*.done` events and the final response object
 * must agree, so an inserted end-label delta renumbers the `sequence_number` of
 * everything after it.
 */
import { labelText, type TextAffixes } from '../label/explicit-text'
import type { StreamLabeler } from '../stream/label-stream'
import type { SseEvent } from '../stream/sse-frames'
import { looksLikeJsonObject, parseEventData, shiftAnnotations, type Json } from './shared'

export function labelResponseBody(body: Json, affixes: TextAffixes): void {
  forEachTextPart(body, (part) => {
    if (typeof part.text !== 'string' || part.text === '') return
    part.text = labelText(part.text, affixes)
    shiftAnnotations(part.annotations, affixes.prefix.length)
  })
}

function forEachTextPart(response: Json, visit: (part: Json, key: string) => void): void {
  for (const item of Array.isArray(response?.output) ? response.output : []) forEachItemPart(item, visit)
}

function forEachItemPart(item: Json, visit: (part: Json, key: string) => void): void {
  if (item?.type !== 'message' || !Array.isArray(item.content)) return
  item.content.forEach((part: Json, i: number) => {
    if (part?.type === 'output_text') visit(part, partKey(item.id, i))
  })
}

const partKey = (itemId: unknown, contentIndex: unknown) => `${itemId}:${contentIndex}`

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error'])

export function responsesStreamLabeler(affixes: TextAffixes): StreamLabeler {
  /** Parts whose first delta went out and whose `.done` has not come yet. */
  const open = new Map<string, PartRef>()
  /** Final labelled text of every finished part, for the events that repeat it. */
  const labelled = new Map<string, string>()
  /** Events we added so far: everything after them moves up by this much. */
  let inserted = 0
  /** Upstream sequence number an inserted event takes (before the shift). */
  let cursor = 0
  let terminal = false

  function labelDelta(ref: PartRef, delta: string): SseEvent {
    const sequence_number = cursor + inserted++
    const { itemId: item_id, outputIndex: output_index, contentIndex: content_index } = ref
    const data = { type: 'response.output_text.delta', sequence_number, item_id, output_index, content_index, delta, logprobs: [] }
    return toEvent(data)
  }

  function applyLabelled(part: Json, key: string): void {
    const text = labelled.get(key)
    if (text === undefined || part.text === text) return
    part.text = text
    shiftAnnotations(part.annotations, affixes.prefix.length)
  }

  /** Unfinished parts get their end label before the stream closes. */
  function owedSuffixes(): SseEvent[] {
    const out = affixes.suffix ? [...open.values()].map((ref) => labelDelta(ref, affixes.suffix)) : []
    open.clear()
    return out
  }

  return {
    onEvent(event) {
      if (inserted === 0 && event.event === 'response.output_text.delta' && looksLikeJsonObject(event.data)) {
        const ref = readDeltaRef(event.data)
        if (ref && open.has(ref.key)) {
          cursor = ref.sequence + 1
          return undefined
        }
      }
      const e = parseEventData(event.data)
      if (typeof e.sequence_number === 'number') cursor = e.sequence_number
      const out: SseEvent[] = []
      switch (e.type) {
        case 'response.output_text.delta': {
          const key = partKey(e.item_id, e.content_index)
          if (!open.has(key) && !labelled.has(key)) {
            open.set(key, { outputIndex: e.output_index, itemId: e.item_id, contentIndex: e.content_index })
            if (typeof e.delta === 'string') e.delta = affixes.prefix + e.delta
          }
          break
        }
        case 'response.output_text.done': {
          const key = partKey(e.item_id, e.content_index)
          const text = typeof e.text === 'string' ? e.text : ''
          const wasOpen = open.delete(key)
          if (!wasOpen && text === '') break
          // A part that never streamed deltas gets its whole text as one delta.
          const owed = (wasOpen ? '' : affixes.prefix + text) + affixes.suffix
          if (owed) out.push(labelDelta({ outputIndex: e.output_index, itemId: e.item_id, contentIndex: e.content_index }, owed))
          labelled.set(key, labelText(text, affixes))
          e.text = labelled.get(key)
          break
        }
        case 'response.content_part.done':
          if (e.part?.type === 'output_text') applyLabelled(e.part, partKey(e.item_id, e.content_index))
          break
        case 'response.output_item.done':
          forEachItemPart(e.item, applyLabelled)
          break
        default:
          if (TERMINAL.has(e.type)) {
            terminal = true
            out.push(...owedSuffixes())
            forEachTextPart(e.response, applyLabelled)
          }
      }
      if (typeof e.sequence_number === 'number') e.sequence_number += inserted
      out.push(toEvent(e))
      cursor++
      return out
    },

    onEnd(failure) {
      const reason = failure ?? (terminal ? undefined : 'upstream closed the stream before it finished')
      const owed = owedSuffixes()
      if (!reason) return owed
      const error = { type: 'error', sequence_number: cursor + inserted++, code: 'upstream_stream_incomplete', message: reason, param: null }
      return [...owed, toEvent(error)]
    },
  }
}

interface PartRef {
  outputIndex: number
  itemId: string
  contentIndex: number
}

const toEvent = (data: Json): SseEvent => ({ event: data.type, data: JSON.stringify(data) })

/**
 * Reads the part key and sequence number of a delta without parsing it: the delta text
 * is a JSON string, so an unescaped `"item_id"` can only be the real key.
 */
function readDeltaRef(data: string): { key: string; sequence: number } | undefined {
  const item = /"item_id"\s*:\s*"([^"\\]*)"/.exec(data)
  const content = /"content_index"\s*:\s*(\d+)/.exec(data)
  const sequence = /"sequence_number"\s*:\s*(\d+)/.exec(data)
  if (!item || !content || !sequence) return undefined
  return { key: partKey(item[1], Number(content[1])), sequence: Number(sequence[1]) }
}
