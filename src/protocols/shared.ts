/** Small helpers the protocol adapters share. */
import { StreamLabelError } from '../stream/label-stream'
import type { SseEvent } from '../stream/sse-frames'
import { isRecord } from '../guards'


/** Parses a data field the labeler must change; a malformed one stops the stream. */
export function parseEventData(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data)
    if (isRecord(value)) return value
  } catch {
    // fall through
  }
  throw new StreamLabelError('upstream sent an event that is not a JSON object')
}

/** Cheap shape check for frames forwarded without parsing. */
export function looksLikeJsonObject(data: string): boolean {
  return data.charCodeAt(0) === 123 && data.charCodeAt(data.length - 1) === 125
}

/** An event whose SSE name is its `type`, as Responses and Anthropic streams have it. */
export const typedEvent = <T extends { type: string }>(data: T): SseEvent => ({ event: data.type, data: JSON.stringify(data) })

/**
 * Citation annotations index into the text (`start_index`/`end_index`); a prefix
 * shifts them.
 */
export function shiftAnnotations(annotations: unknown, by: number): void {
  if (!by || !Array.isArray(annotations)) return
  for (const a of annotations) {
    if (!isRecord(a)) continue
    const target = isRecord(a.url_citation) ? a.url_citation : a
    if (typeof target.start_index === 'number') target.start_index += by
    if (typeof target.end_index === 'number') target.end_index += by
  }
}

/** A text part (`{type:"text", text}` and kin) read from untyped JSON. */
export interface TextPart {
  type: string
  text: string
}

export const isTextPart = (part: unknown, type = 'text'): part is TextPart =>
  isRecord(part) && part.type === type && typeof part.text === 'string'

/** What labelling one answer did: the route's `X-AIGC-Explicit` says it. */
export interface TextOutcome {
  /** Texts that got the explicit label. */
  labelled: number
  /** Texts left unlabelled because they are the structured output the request asked for. */
  structured: number
}

/** The final frame's word on a label decided at the end of a stream (see README). */
export function explicitVerdict({ labelled, structured }: TextOutcome): 'applied' | 'omitted' | 'none' {
  return labelled > 0 ? 'applied' : structured > 0 ? 'omitted' : 'none'
}
