/**
 * OpenAI Responses API: `output[].content[]` parts of type `output_text`, each labelled
 * on its own, and images of the `image_generation` tool (`image_generation_call.result`,
 * streamed `partial_image_b64`) labelled like /v1/images output. In streams the deltas,
 * the `*.done` events and the final response object must agree, so an inserted end-label
 * delta renumbers the `sequence_number` of everything after it.
 */
import type { ResponseOutputItem, ResponseStreamEvent } from 'openai/resources/responses/responses'
import type { C2paAction } from '../c2pa/outcome'
import type { AigcLabel } from '../label/annex-e'
import { labelText, type TextAffixes } from '../label/explicit-text'
import type { LabelReducer } from '../stream/label-stream'
import type { SseEvent } from '../stream/sse-frames'
import { requireMedia, type LabelledImage, type MediaLabeller } from './media'
import { explicitVerdict, isTextPart, looksLikeJsonObject, parseEventData, shiftAnnotations, typedEvent, type TextOutcome } from './shared'
import type { StructuredCheck } from './structured'
import { isRecord } from '../guards'

type ImageCall = ResponseOutputItem.ImageGenerationCall & { aigc?: AigcLabel; aigc_c2pa?: C2paAction }
type OutputText = { type: 'output_text'; text: string; annotations?: unknown }
type Visit = (part: OutputText, key: string) => void

export interface BodyOutcome extends TextOutcome {
  /** The media the answer carries: signed labels and what became of their Content Credentials, in order. */
  media: Pick<LabelledImage, 'label' | 'c2pa'>[]
}

const outputOf = (response: unknown): unknown[] => (isRecord(response) && Array.isArray(response.output) ? response.output : [])

function forEachTextPart(response: unknown, visit: Visit): void {
  for (const item of outputOf(response)) forEachItemPart(item, visit)
}

function forEachItemPart(item: unknown, visit: Visit): void {
  if (!isRecord(item) || item.type !== 'message' || !Array.isArray(item.content)) return
  item.content.forEach((part, i) => {
    if (isTextPart(part, 'output_text')) visit(part as OutputText, partKey(item.id, i))
  })
}

const isImageCall = (item: unknown): item is ImageCall => isRecord(item) && item.type === 'image_generation_call' && typeof item.result === 'string'

const partKey = (itemId: unknown, contentIndex: unknown) => `${itemId}:${contentIndex}`

export async function labelResponseBody(body: Record<string, unknown>, affixes: TextAffixes, structured?: StructuredCheck, media?: MediaLabeller): Promise<BodyOutcome> {
  const outcome: BodyOutcome = { labelled: 0, structured: 0, media: [] }
  for (const item of outputOf(body)) {
    if (!isImageCall(item)) continue
    const image = await requireMedia(media, 'a generated image').image(item.result!, String(item.id))
    putImage(item, image)
    outcome.media.push(image)
  }
  forEachTextPart(body, (part) => {
    if (part.text === '') return
    if (structured?.(part.text)) {
      outcome.structured++
      return
    }
    outcome.labelled++
    part.text = labelText(part.text, affixes)
    shiftAnnotations(part.annotations, affixes.prefix.length)
  })
  return outcome
}

function putImage(item: ImageCall, { base64, label, c2pa }: LabelledImage): void {
  item.result = base64
  item.aigc = label
  item.aigc_c2pa = c2pa.action
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error'])

interface PartRef {
  outputIndex: number
  itemId: string
  contentIndex: number
}

/** What a Responses stream labeler remembers between events. */
export interface ResponsesState {
  readonly affixes: TextAffixes
  /** Set when structured output was asked for: each part's end label waits for its `.done`. */
  readonly structured?: StructuredCheck
  readonly media?: MediaLabeller
  /** Parts whose first delta went out and whose `.done` has not come yet. */
  open: Map<string, PartRef>
  /** Final labelled text of every finished part, for the events that repeat it. */
  labelled: Map<string, string>
  /** Labelled final image of every image call, for the response that repeats it. */
  images: Map<string, LabelledImage>
  /** Events we added so far: everything after them moves up by this much. */
  inserted: number
  /** Upstream sequence number an inserted event takes (before the shift). */
  cursor: number
  terminal: boolean
  outcome: TextOutcome
}

export function responsesState(affixes: TextAffixes, structured?: StructuredCheck, media?: MediaLabeller): ResponsesState {
  return { affixes, structured, media, open: new Map(), labelled: new Map(), images: new Map(), inserted: 0, cursor: 0, terminal: false, outcome: { labelled: 0, structured: 0 } }
}

function labelDelta(state: ResponsesState, ref: PartRef, delta: string): SseEvent {
  const sequence_number = state.cursor + state.inserted++
  const { itemId: item_id, outputIndex: output_index, contentIndex: content_index } = ref
  return typedEvent({ type: 'response.output_text.delta', sequence_number, item_id, output_index, content_index, delta, logprobs: [] })
}

function applyLabelled(state: ResponsesState): Visit {
  return (part, key) => {
    const text = state.labelled.get(key)
    if (text === undefined || part.text === text) return
    part.text = text
    shiftAnnotations(part.annotations, state.affixes.prefix.length)
  }
}

/** Unfinished parts get their end label before the stream closes (unchecked, so labelled). */
function owedSuffixes(state: ResponsesState): SseEvent[] {
  const { suffix } = state.affixes
  const out = suffix ? [...state.open.values()].map((ref) => labelDelta(state, ref, suffix)) : []
  state.outcome.labelled += state.open.size
  state.open.clear()
  return out
}

/** Events that carry an image: labelled before they go on (pixels are re-encoded, so async). */
async function imageStep(state: ResponsesState, e: ResponseStreamEvent & Record<string, unknown>): Promise<SseEvent[]> {
  const media = requireMedia(state.media, 'a generated image')
  if (e.type === 'response.image_generation_call.partial_image') {
    const image = await media.image(e.partial_image_b64, e.item_id)
    e.partial_image_b64 = image.base64
    e.aigc = image.label
    e.aigc_c2pa = image.c2pa.action
  } else if (e.type === 'response.output_item.done' && isImageCall(e.item)) {
    const image = await media.image(e.item.result!, e.item.id)
    state.images.set(e.item.id, image)
    putImage(e.item, image)
  } else {
    for (const item of outputOf(isRecord(e.response) ? e.response : undefined)) {
      if (!isImageCall(item)) continue
      const image = state.images.get(item.id) ?? (await media.image(item.result!, item.id))
      putImage(item, image)
    }
  }
  return textStep(state, e)
}

const carriesImage = (e: Record<string, unknown>) =>
  typeof e.partial_image_b64 === 'string' || isImageCall(e.item) || outputOf(e.response).some(isImageCall)

function textStep(state: ResponsesState, e: ResponseStreamEvent & Record<string, unknown>): SseEvent[] {
  const { affixes, structured, outcome } = state
  const out: SseEvent[] = []
  switch (e.type) {
    case 'response.output_text.delta': {
      const key = partKey(e.item_id, e.content_index)
      if (!state.open.has(key) && !state.labelled.has(key)) {
        state.open.set(key, { outputIndex: e.output_index, itemId: e.item_id, contentIndex: e.content_index })
        if (typeof e.delta === 'string') e.delta = affixes.prefix + e.delta
      }
      break
    }
    case 'response.output_text.done': {
      const key = partKey(e.item_id, e.content_index)
      const text = typeof e.text === 'string' ? e.text : ''
      const wasOpen = state.open.delete(key)
      if (!wasOpen && text === '') break
      const isStructured = structured?.(text) === true
      const { prefix, suffix } = isStructured ? { prefix: '', suffix: '' } : affixes
      if (isStructured) outcome.structured++
      else outcome.labelled++
      // A part that never streamed deltas gets its whole text as one delta.
      const owed = (wasOpen ? '' : prefix + text) + suffix
      if (owed) out.push(labelDelta(state, { outputIndex: e.output_index, itemId: e.item_id, contentIndex: e.content_index }, owed))
      state.labelled.set(key, isStructured ? text : labelText(text, affixes))
      e.text = state.labelled.get(key)!
      break
    }
    case 'response.content_part.done':
      if (isTextPart(e.part, 'output_text')) applyLabelled(state)(e.part as OutputText, partKey(e.item_id, e.content_index))
      break
    case 'response.output_item.done':
      forEachItemPart(e.item, applyLabelled(state))
      break
    default:
      if (TERMINAL.has(e.type)) {
        state.terminal = true
        out.push(...owedSuffixes(state))
        forEachTextPart(e.response, applyLabelled(state))
        // A structured request's label was decided part by part: the last event says how.
        if (structured) e.aigc_explicit = explicitVerdict(outcome)
      }
  }
  if (typeof e.sequence_number === 'number') e.sequence_number += state.inserted
  out.push(typedEvent(e))
  state.cursor++
  return out
}

export const responsesReducer: LabelReducer<ResponsesState> = {
  step(state, event) {
    if (state.inserted === 0 && event.event === 'response.output_text.delta' && looksLikeJsonObject(event.data)) {
      const ref = readDeltaRef(event.data)
      if (ref && state.open.has(ref.key)) {
        state.cursor = ref.sequence + 1
        return undefined
      }
    }
    const e = parseEventData(event.data) as ResponseStreamEvent & Record<string, unknown>
    if (typeof e.sequence_number === 'number') state.cursor = e.sequence_number
    return carriesImage(e) ? imageStep(state, e) : textStep(state, e)
  },

  end(state, failure) {
    const reason = failure ?? (state.terminal ? undefined : 'upstream closed the stream before it finished')
    const owed = owedSuffixes(state)
    if (!reason) return owed
    const error = { type: 'error', sequence_number: state.cursor + state.inserted++, code: 'upstream_stream_incomplete', message: reason, param: null }
    return [...owed, typedEvent(error)]
  },
}

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

/** Input items between an assistant message and the answer in a tool loop. */
const TOOL_ITEM = /_call$|_call_output$|^reasoning$/

/** Responses input ending in tool outputs after an assistant message with text (see continuesChatText). */
export function continuesResponseText(request: Record<string, unknown>): boolean {
  const input = Array.isArray(request.input) ? request.input.filter(isRecord) : []
  let i = input.length - 1
  while (i >= 0 && typeof input[i]!.type === 'string' && TOOL_ITEM.test(input[i]!.type as string)) i--
  const turn = input[i]
  if (i === input.length - 1 || turn?.role !== 'assistant') return false
  if (typeof turn.content === 'string') return turn.content !== ''
  return Array.isArray(turn.content) && turn.content.some((p) => (isTextPart(p, 'output_text') || isTextPart(p)) && p.text !== '')
}
