/**
 * One JSON object per request on the Worker's log (Workers Logs and Logpush index JSON
 * fields): who was served, which route, what it cost and what the gateway decided about the
 * label. It never holds content, keys, tokens or the identity fields of the unmark log: those
 * live in the tenant's delivery log, which the law makes us keep, and nowhere else.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { GatewayError } from '../errors'
import { LimitError } from '../limits'
import type { AppEnv } from './types'

export interface RequestLogLine {
  event: 'request'
  requestId: string
  method: string
  /** The route's pattern (`POST /v1/chat/completions`, `GET /v1/files/{id}/content`), not the path with its ids. */
  route: string
  status: number
  tenant: string | null
  ms: number
  requestBytes: number | null
  /** Known when the answer has a length; a streamed answer is counted by nobody. */
  responseBytes: number | null
  label: LabelDecision
  error?: string
}

/** What the answer's X-AIGC-* headers say was done. */
export interface LabelDecision {
  labelled: boolean
  produceId?: string
  explicit?: string
  explicitReason?: string
  unmarkGrant?: string
  unmarkRefused?: string
}

const DECISION_HEADERS = {
  produceId: 'x-aigc-produce-id',
  explicit: 'x-aigc-explicit',
  explicitReason: 'x-aigc-explicit-reason',
  unmarkGrant: 'x-aigc-unmark-grant',
  unmarkRefused: 'x-aigc-unmark-refused',
} as const

export const requestLog: MiddlewareHandler<AppEnv> = async function requestLog(c, next) {
  const started = Date.now()
  await next()
  console.log(JSON.stringify(logLine(c, Date.now() - started)))
}

function logLine(c: Context<AppEnv>, ms: number): RequestLogLine {
  const headers = c.res.headers
  const label: LabelDecision = { labelled: headers.has('x-aigc-label') }
  for (const [field, header] of Object.entries(DECISION_HEADERS) as [keyof typeof DECISION_HEADERS, string][]) {
    const value = headers.get(header)
    if (value !== null) label[field] = value
  }
  const line: RequestLogLine = {
    event: 'request',
    requestId: c.get('requestId'),
    method: c.req.method,
    // Hono's `:id` spelled as the route table spells it.
    route: c.get('route') ?? `${c.req.method} ${routePath(c).replace(/:(\w+)/g, '{$1}')}`,
    status: c.res.status,
    tenant: c.get('tenant')?.tenant.id ?? null,
    ms,
    requestBytes: length(c.req.header('content-length')),
    responseBytes: length(headers.get('content-length') ?? undefined),
    label,
  }
  if (c.error) line.error = c.error instanceof GatewayError ? c.error.code : c.error instanceof LimitError ? 'limit_exceeded' : 'internal_error'
  return line
}

function length(header: string | undefined | null): number | null {
  if (header == null || !/^\d+$/.test(header)) return null
  return Number(header)
}
