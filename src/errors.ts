/**
 * The one error type of the gateway. It carries an HTTP status and a stable code; its
 * message is safe to show to clients. Rendered in the OpenAI error shape that SDKs parse
 * (`{ error: { message, type, param, code } }`), or Anthropic's on /v1/messages.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'not_configured'
  | 'upstream_unreachable'
  | 'upstream_invalid_response'
  | 'label_failed'
  | 'internal_error'
  | 'unmark_not_allowed'
  | 'unsupported_format'
  | 'rate_limited'
  | 'agreement_version_mismatch'
  | 'limit_exceeded'
  | 'not_implemented'

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
}

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message)
    this.name = 'GatewayError'
  }

  get type(): string {
    return TYPES[this.status] ?? (this.status >= 500 ? 'api_error' : 'invalid_request_error')
  }

  toOpenAI() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } }
  }

  toAnthropic() {
    return { type: 'error', error: { type: this.type, message: this.message } }
  }
}
