/** Small helpers the protocol adapters share. */
import { StreamLabelError } from '../stream/label-stream'

// Upstream JSON is untyped; adapters read it defensively through this alias.
export type Json = any

/** Parses a data field the labeler must change; a malformed one stops the stream. */
export function parseEventData(data: string): Json {
  try {
    const value = JSON.parse(data)
    if (typeof value === 'object' && value !== null) return value
  } catch {
    // fall through
  }
  throw new StreamLabelError('upstream sent an event that is not a JSON object')
}

/** Cheap shape check for frames forwarded without parsing. */
export function looksLikeJsonObject(data: string): boolean {
  return data.charCodeAt(0) === 123 && data.charCodeAt(data.length - 1) === 125
}

/**
 * Citation annotations index into the text (`start_index`/`end_index`); a prefix
 * shifts them.
 */
export function shiftAnnotations(annotations: unknown, by: number): void {
  if (!by || !Array.isArray(annotations)) return
  for (const a of annotations as Json[]) {
    const target = a?.url_citation ?? a
    if (typeof target?.start_index === 'number') target.start_index += by
    if (typeof target?.end_index === 'number') target.end_index += by
  }
}
