/**
 * What the replaying upstream answers, and to which request. Each case's body is the file
 * `cases/<file>` served byte for byte (an `.sse` file is a recorded event stream). Bodies
 * follow the providers' documented wire formats; the comment above each case says where
 * the shape is documented. The only substitution is `{{UPSTREAM}}`, the replay server's own
 * origin, in image URLs.
 *
 * A request matches a case when method, path and `stream` agree, every field of `match` is
 * a subset of the JSON body, every key in `has` is present, and `lastRole` is the role of
 * the last message. The most specific matching case wins. The upstream answers 401 in the
 * provider's own format when the provider's credentials (`auth`) are missing.
 */

export type Auth = 'bearer' | 'x-api-key'

export interface ReplayCase {
  method: 'GET' | 'POST'
  /** Path on the replay server; the first segment names the provider's base URL. */
  path: string
  file: string
  auth: Auth
  stream?: boolean
  match?: Record<string, unknown>
  has?: string[]
  lastRole?: string
  headers?: Record<string, string>
}

/** The key every tenant stores for its upstream; the replay server requires it. */
export const UPSTREAM_KEY = 'sk-upstream-conformance-0123456789'

/** Base URLs as a tenant would configure them, relative to the replay server's origin. */
export const PROVIDER_BASES = {
  openai: '/openai/v1',
  anthropic: '/anthropic/v1',
  // https://help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope
  dashscope: '/dashscope/compatible-mode/v1',
  // https://api-docs.deepseek.com/ (base_url https://api.deepseek.com, no /v1)
  deepseek: '/deepseek',
  // https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
  vllm: '/vllm/v1',
  // https://docs.mistral.ai/api/
  mistral: '/mistral/v1',
} as const

/** The upstream's request id: an SDK reports it as `_request_id`. */
export const UPSTREAM_REQUEST_ID = 'req_8f3b2c9d4e5f6a7b8c9d0e1f2a3b4c5d'

export const CASES: ReplayCase[] = [
  // OpenAI Chat Completions object and chunk object:
  // https://platform.openai.com/docs/api-reference/chat/object
  // https://platform.openai.com/docs/api-reference/chat-streaming/streaming
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4.1' }, stream: false, file: 'openai-chat.json', headers: { 'x-request-id': UPSTREAM_REQUEST_ID } },
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4o-mini' }, stream: true, file: 'openai-chat-stream.sse', headers: { 'x-request-id': UPSTREAM_REQUEST_ID } },
  // n > 1: choices interleave by `index` (chat-streaming/streaming, `choices[].index`).
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4o', n: 2 }, stream: true, file: 'openai-chat-n2-stream.sse' },
  // `"n": "2"`, a string, which compatible servers coerce.
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4o', n: '2' }, stream: true, file: 'openai-chat-n2-stream.sse' },
  // Function calling, a tool-only reply (`content: null`, `finish_reason: "tool_calls"`):
  // https://platform.openai.com/docs/guides/function-calling
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4.1' }, has: ['tools'], stream: false, file: 'openai-chat-tools.json' },
  // A tool loop in a stream: text, then streamed `tool_calls`; the next turn answers the tool.
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4.1-mini' }, stream: true, lastRole: 'user', file: 'openai-chat-tool-step1-stream.sse' },
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4.1-mini' }, stream: true, lastRole: 'tool', file: 'openai-chat-tool-step2-stream.sse' },
  // Audio output, `message.audio.{data,transcript}`: https://platform.openai.com/docs/guides/audio
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4o-audio-preview' }, stream: false, file: 'openai-chat-audio.json' },
  // Structured Outputs (`response_format` json_schema / json_object) and a forced tool, as
  // LangChain's withStructuredOutput sends them: https://platform.openai.com/docs/guides/structured-outputs
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4o-mini', response_format: { type: 'json_schema' } }, stream: false, file: 'openai-chat-json-schema.json' },
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4o-mini', response_format: { type: 'json_object' } }, stream: false, file: 'openai-chat-json-schema.json' },
  { method: 'POST', path: '/openai/v1/chat/completions', auth: 'bearer', match: { model: 'gpt-4o-mini' }, has: ['tools'], stream: false, file: 'openai-chat-extract-tool.json' },
  // Stored completions: https://platform.openai.com/docs/api-reference/chat/get
  { method: 'GET', path: '/openai/v1/chat/completions/chatcmpl-abc123', auth: 'bearer', file: 'openai-chat-stored.json' },
  // Legacy Completions: https://platform.openai.com/docs/api-reference/completions/object
  { method: 'POST', path: '/openai/v1/completions', auth: 'bearer', match: { model: 'gpt-3.5-turbo-instruct' }, stream: false, file: 'openai-completions.json' },

  // Responses: object and streaming events (every event has `sequence_number`):
  // https://platform.openai.com/docs/api-reference/responses/object
  // https://platform.openai.com/docs/api-reference/responses-streaming
  { method: 'POST', path: '/openai/v1/responses', auth: 'bearer', match: { model: 'gpt-4.1' }, stream: true, file: 'openai-responses-stream.sse' },
  { method: 'POST', path: '/openai/v1/responses', auth: 'bearer', match: { model: 'gpt-4.1' }, stream: false, file: 'openai-responses.json' },
  // The image_generation tool: `image_generation_call` items with `result`, and
  // `response.image_generation_call.partial_image` events with `partial_image_b64`:
  // https://platform.openai.com/docs/guides/tools-image-generation
  { method: 'POST', path: '/openai/v1/responses', auth: 'bearer', match: { model: 'gpt-4.1-mini' }, stream: true, file: 'openai-responses-image-stream.sse' },
  // Background mode: POST answers `queued`, the client polls GET /responses/{id}:
  // https://platform.openai.com/docs/guides/background
  { method: 'POST', path: '/openai/v1/responses', auth: 'bearer', match: { model: 'o3-pro', background: true }, stream: false, file: 'openai-responses-background-queued.json' },
  { method: 'GET', path: '/openai/v1/responses/resp_68a1c0ffee0081909ad8b0c3f1f7e2ab0f6a1c2b3d4e5f60', auth: 'bearer', file: 'openai-responses-background-done.json' },
  // Conversation items: https://platform.openai.com/docs/api-reference/conversations/list-items
  { method: 'GET', path: '/openai/v1/conversations/conv_123/items', auth: 'bearer', file: 'openai-conversation-items.json' },
  // Batch output file, one response per line: https://platform.openai.com/docs/guides/batch
  // Its metadata (https://platform.openai.com/docs/api-reference/files/object) is read first: purpose batch_output.
  { method: 'GET', path: '/openai/v1/files/file-batch-output-1', auth: 'bearer', file: 'openai-file-batch-output.json' },
  { method: 'GET', path: '/openai/v1/files/file-batch-output-1/content', auth: 'bearer', file: 'openai-batch-output.jsonl' },
  // Transcription (json): https://platform.openai.com/docs/api-reference/audio/json-object
  { method: 'POST', path: '/openai/v1/audio/transcriptions', auth: 'bearer', file: 'openai-transcription.json' },
  // Images: https://platform.openai.com/docs/api-reference/images/object
  { method: 'POST', path: '/openai/v1/images/generations', auth: 'bearer', match: { model: 'gpt-image-1' }, file: 'openai-images-b64.json' },
  { method: 'POST', path: '/openai/v1/images/generations', auth: 'bearer', match: { model: 'dall-e-2' }, file: 'openai-images-b64-and-url.json' },

  // Anthropic Messages, streaming with extended thinking, text and tool use:
  // https://docs.anthropic.com/en/docs/build-with-claude/streaming
  // https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
  { method: 'POST', path: '/anthropic/v1/messages', auth: 'x-api-key', match: { model: 'claude-sonnet-4-6' }, stream: true, file: 'anthropic-messages-stream.sse' },
  { method: 'POST', path: '/anthropic/v1/messages', auth: 'x-api-key', match: { model: 'claude-sonnet-4-6' }, stream: false, file: 'anthropic-messages.json' },
  // Prefilling the assistant turn with `{`: the model continues the JSON.
  // https://docs.anthropic.com/en/docs/build-with-claude/prompt-engineering/prefill-claudes-response
  { method: 'POST', path: '/anthropic/v1/messages', auth: 'x-api-key', match: { model: 'claude-haiku-4-5' }, stream: false, lastRole: 'assistant', file: 'anthropic-messages-prefill.json' },
  // https://docs.anthropic.com/en/api/messages-count-tokens
  { method: 'POST', path: '/anthropic/v1/messages/count_tokens', auth: 'x-api-key', file: 'anthropic-count-tokens.json' },
  // https://docs.anthropic.com/en/api/models-list
  { method: 'GET', path: '/anthropic/v1/models', auth: 'x-api-key', file: 'anthropic-models.json' },

  // DashScope OpenAI-compatible mode; with `stream_options.include_usage` the last chunk has
  // `choices: []` and the usage: https://help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope
  { method: 'POST', path: '/dashscope/compatible-mode/v1/chat/completions', auth: 'bearer', match: { model: 'qwen-plus' }, stream: true, file: 'dashscope-chat-stream.sse' },
  { method: 'POST', path: '/dashscope/compatible-mode/v1/chat/completions', auth: 'bearer', match: { model: 'qwen-plus' }, stream: false, file: 'dashscope-chat.json' },
  // A compatible server that ignores `response_format` and answers in prose.
  { method: 'POST', path: '/dashscope/compatible-mode/v1/chat/completions', auth: 'bearer', match: { model: 'qwen-turbo' }, stream: false, file: 'dashscope-chat-prose.json' },

  // DeepSeek reasoner: `reasoning_content` beside `content`, `: keep-alive` comments while
  // queued: https://api-docs.deepseek.com/guides/reasoning_model, https://api-docs.deepseek.com/faq
  { method: 'POST', path: '/deepseek/chat/completions', auth: 'bearer', match: { model: 'deepseek-reasoner' }, stream: true, file: 'deepseek-reasoner-stream.sse' },
  { method: 'POST', path: '/deepseek/chat/completions', auth: 'bearer', match: { model: 'deepseek-reasoner' }, stream: false, file: 'deepseek-reasoner.json' },

  // vLLM guided decoding (`guided_json` extra parameter), vLLM's response fields:
  // https://docs.vllm.ai/en/latest/features/structured_outputs.html
  { method: 'POST', path: '/vllm/v1/chat/completions', auth: 'bearer', match: { model: 'Qwen/Qwen2.5-3B-Instruct' }, has: ['guided_json'], stream: false, file: 'vllm-guided-json.json' },

  // Mistral reasoning (Magistral): `content` is an array of `thinking` and `text` chunks, in
  // deltas too: https://docs.mistral.ai/capabilities/reasoning/
  { method: 'POST', path: '/mistral/v1/chat/completions', auth: 'bearer', match: { model: 'magistral-medium-latest' }, stream: true, file: 'mistral-magistral-stream.sse' },
  { method: 'POST', path: '/mistral/v1/chat/completions', auth: 'bearer', match: { model: 'magistral-medium-latest' }, stream: false, file: 'mistral-magistral.json' },
]
