/**
 * The text-generating APIs the gateway labels, each described once: where it goes
 * upstream, how to tell the client asked for structured output, and how to label a body
 * or a stream.
 */
import type { TextAffixes } from '../label/explicit-text'
import type { StreamLabeler } from '../stream/label-stream'
import type { UpstreamDialect } from '../upstream/client'
import { labelMessageBody, messagesStreamLabeler } from './anthropic-messages'
import { chatShape, choicesStreamLabeler, completionShape, labelChoicesBody } from './openai-choices'
import { labelResponseBody, responsesStreamLabeler } from './openai-responses'
import type { Json } from './shared'

export interface TextProtocol {
  /** Path under the upstream base URL. */
  path: string
  dialect: UpstreamDialect
  /** The client asked for machine-readable output (JSON mode / schema). */
  wantsStructuredOutput(request: Json): boolean
  labelBody(body: Json, affixes: TextAffixes): void
  streamLabeler(affixes: TextAffixes, request: Json): StreamLabeler
}

const STRUCTURED = new Set(['json_object', 'json_schema'])

const choiceCount = (request: Json) => (Number.isInteger(request.n) && request.n > 0 ? request.n : 1)

export const chatCompletions: TextProtocol = {
  path: '/chat/completions',
  dialect: 'openai',
  wantsStructuredOutput: (r) => STRUCTURED.has(r.response_format?.type),
  labelBody: (body, affixes) => labelChoicesBody(body, chatShape, affixes),
  streamLabeler: (affixes, r) => choicesStreamLabeler(chatShape, affixes, choiceCount(r)),
}

export const completions: TextProtocol = {
  path: '/completions',
  dialect: 'openai',
  wantsStructuredOutput: () => false,
  labelBody: (body, affixes) => labelChoicesBody(body, completionShape, affixes),
  // `best_of` candidates are not returned, only `n` choices.
  streamLabeler: (affixes, r) => choicesStreamLabeler(completionShape, affixes, choiceCount(r)),
}

export const responses: TextProtocol = {
  path: '/responses',
  dialect: 'openai',
  wantsStructuredOutput: (r) => STRUCTURED.has(r.text?.format?.type),
  labelBody: labelResponseBody,
  streamLabeler: (affixes) => responsesStreamLabeler(affixes),
}

export const anthropicMessages: TextProtocol = {
  path: '/messages',
  dialect: 'anthropic',
  // Structured outputs: `output_format` (beta) and `output_config.format`.
  wantsStructuredOutput: (r) => r.output_format?.type === 'json_schema' || r.output_config?.format?.type === 'json_schema',
  labelBody: labelMessageBody,
  streamLabeler: (affixes) => messagesStreamLabeler(affixes),
}
