/**
 * Structured output is trusted only when it is structured: the explicit label is left out
 * of an answer only when the answer is what the request asked for (JSON that parses, a
 * regex match, one of the choices). Anything else, an upstream that ignored JSON mode
 * included, is labelled like prose.
 */
import { LIMITS } from '../limits'
import { isRecord, jsonRecord } from '../guards'

/** True when this generated text is the structured output the request asked for. */
export type StructuredCheck = (text: string) => boolean

// Beyond the limit the answer is not held to be checked: it is labelled (see LIMITS).
const checkable = (text: string) => text.length <= LIMITS.structuredAnswerChars.max

function parsesAsJson(text: string): boolean {
  if (!checkable(text)) return false
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** JSON mode (`json_object`) promises an object. */
function parsesAsJsonObject(text: string): boolean {
  if (!checkable(text)) return false
  return jsonRecord(text) !== undefined
}

/** A client's regex that JavaScript cannot compile proves nothing: the answer is labelled. */
function matchesRegex(source: string): StructuredCheck {
  let pattern: RegExp
  try {
    pattern = new RegExp(`^(?:${source})$`, 'u')
  } catch {
    return () => false
  }
  return (text) => checkable(text) && pattern.test(text)
}

function isOneOf(choices: unknown[]): StructuredCheck {
  const allowed = new Set(choices.filter((c) => typeof c === 'string'))
  return (text) => allowed.has(text)
}

/** vLLM's guided decoding, top level, under `structured_outputs`, or as a literal `extra_body`. */
function guidedCheck(fields: Record<string, unknown>): StructuredCheck | undefined {
  const nested = isRecord(fields.structured_outputs) ? fields.structured_outputs : {}
  if (fields.guided_json !== undefined || nested.json !== undefined) return parsesAsJson
  if (nested.json_object === true) return parsesAsJsonObject
  const regex = fields.guided_regex ?? nested.regex
  if (typeof regex === 'string') return matchesRegex(regex)
  const choice = fields.guided_choice ?? nested.choice
  if (Array.isArray(choice)) return isOneOf(choice)
  return undefined
}

/** OpenAI `format` objects: `response_format` (Chat) and `text.format` (Responses). */
function formatCheck(format: unknown): StructuredCheck | undefined {
  if (!isRecord(format)) return undefined
  if (format.type === 'json_object') return parsesAsJsonObject
  if (format.type === 'json_schema') return parsesAsJson
  return undefined
}

/** The check for an OpenAI-style request, `extra_body` included; undefined when it asks for prose. */
export function openAiStructuredCheck(request: Record<string, unknown>, format: unknown): StructuredCheck | undefined {
  const extra = isRecord(request.extra_body) ? request.extra_body : {}
  return formatCheck(format) ?? guidedCheck(request) ?? guidedCheck(extra) ?? formatCheck(extra.response_format)
}

/**
 * Anthropic: structured outputs (`output_format`, `output_config.format`), or an assistant
 * turn prefilled with `{` or `[` that the model continues: the prefill and the
 * continuation together must parse.
 */
export function anthropicStructuredCheck(request: Record<string, unknown>): StructuredCheck | undefined {
  const prefill = assistantPrefill(request.messages)
  if (/^\s*[[{]/.test(prefill)) return (text) => parsesAsJson(prefill + text)
  const config = isRecord(request.output_config) ? request.output_config : {}
  return formatCheck(request.output_format) ?? formatCheck(config.format)
}

/** The text of a last message the assistant wrote, which the model continues. */
function assistantPrefill(messages: unknown): string {
  const last = Array.isArray(messages) ? messages[messages.length - 1] : undefined
  if (!isRecord(last) || last.role !== 'assistant') return ''
  if (typeof last.content === 'string') return last.content
  if (!Array.isArray(last.content)) return ''
  return last.content.map((b) => (isRecord(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('')
}
