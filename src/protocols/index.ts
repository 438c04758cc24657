/**
 * The text-generating APIs the gateway labels, each described once: where it goes
 * upstream, what in a request changes how its answer is labelled (structured output, a
 * tool loop, output the gateway cannot label), and how to label a body or a stream.
 */
import type { TextAffixes } from '../label/explicit-text'
import { reducerLabeler, type StreamLabeler } from '../stream/label-stream'
import type { UpstreamDialect } from '../upstream/client'
import { continuesMessageText, labelMessageBody, messagesReducer, messagesState } from './anthropic-messages'
import type { MediaLabeller } from './media'
import { chatShape, choicesReducer, choicesState, completionShape, continuesChatText, labelChoicesBody } from './openai-choices'
import { continuesResponseText, labelResponseBody, responsesReducer, responsesState, type BodyOutcome } from './openai-responses'
import { anthropicStructuredCheck, openAiStructuredCheck, type StructuredCheck } from './structured'
import { isRecord } from '../guards'

export type { BodyOutcome, MediaLabeller, StructuredCheck }

export interface LabelOptions {
  /** The request's structured-output check: a text that passes it keeps no explicit label. */
  structured?: StructuredCheck
  /** Labels generated media; without one, media in an answer is refused (StreamLabelError). */
  media?: MediaLabeller
}

type Request = Record<string, unknown>

export interface TextProtocol {
  /** Path under the upstream base URL. */
  path: string
  dialect: UpstreamDialect
  /** The check an answer must pass to count as the structured output the request asked for. */
  structuredCheck(request: Request): StructuredCheck | undefined
  /** Why the request is refused before the upstream is called: it asks for output the gateway cannot label. */
  refusal(request: Request): string | undefined
  /** The answer continues an assistant turn whose text the client already holds (a tool loop). */
  continuesText(request: Request): boolean
  /**
   * Labels a JSON answer in place. Throws StreamLabelError when it carries content that
   * cannot be labelled (audio; media without a labeller).
   */
  labelBody(body: Request, affixes: TextAffixes, options?: LabelOptions): Promise<BodyOutcome>
  streamLabeler(affixes: TextAffixes, request: Request, options?: LabelOptions): StreamLabeler
}

const textOnly = (outcome: { labelled: number; structured: number }): BodyOutcome => ({ ...outcome, media: [] })

export const chatCompletions: TextProtocol = {
  path: '/chat/completions',
  dialect: 'openai',
  structuredCheck: (r) => openAiStructuredCheck(r, r.response_format),
  refusal: (r) => {
    const modalities = r.modalities ?? (isRecord(r.extra_body) ? r.extra_body.modalities : undefined)
    if (Array.isArray(modalities) && modalities.includes('audio')) {
      return 'audio output (modalities: ["audio"]) is not labelled by this gateway yet, so it is refused; ask for text only'
    }
    return undefined
  },
  continuesText: continuesChatText,
  labelBody: async (body, affixes, o) => textOnly(labelChoicesBody(body, chatShape, affixes, o?.structured)),
  streamLabeler: (affixes, _r, o) => reducerLabeler(choicesState(chatShape, affixes, o?.structured), choicesReducer),
}

export const completions: TextProtocol = {
  path: '/completions',
  dialect: 'openai',
  structuredCheck: (r) => openAiStructuredCheck(r, undefined),
  refusal: () => undefined,
  continuesText: () => false,
  labelBody: async (body, affixes, o) => textOnly(labelChoicesBody(body, completionShape, affixes, o?.structured)),
  // `best_of` candidates are not returned, only the choices.
  streamLabeler: (affixes, _r, o) => reducerLabeler(choicesState(completionShape, affixes, o?.structured), choicesReducer),
}

export const responses: TextProtocol = {
  path: '/responses',
  dialect: 'openai',
  structuredCheck: (r) => openAiStructuredCheck(r, isRecord(r.text) ? r.text.format : undefined),
  refusal: () => undefined,
  continuesText: continuesResponseText,
  labelBody: (body, affixes, o) => labelResponseBody(body, affixes, o?.structured, o?.media),
  streamLabeler: (affixes, _r, o) => reducerLabeler(responsesState(affixes, o?.structured, o?.media), responsesReducer),
}

export const anthropicMessages: TextProtocol = {
  path: '/messages',
  dialect: 'anthropic',
  // Structured outputs (`output_format`, `output_config.format`) and a JSON prefill.
  structuredCheck: anthropicStructuredCheck,
  refusal: () => undefined,
  continuesText: continuesMessageText,
  labelBody: async (body, affixes, o) => textOnly(labelMessageBody(body, affixes, o?.structured)),
  streamLabeler: (affixes, _r, o) => reducerLabeler(messagesState(affixes, o?.structured), messagesReducer),
}
