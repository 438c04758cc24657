/**
 * Calls to the tenant's model API: which URL, which headers go out and come back, and the
 * built-in demo model behind `demo:` URLs.
 */
import { GatewayError } from '../errors'
import type { ResolvedTenant } from '../tenant/service'
import { demoModel } from './demo-model'

export type UpstreamDialect = 'openai' | 'anthropic'

// Hop-by-hop headers (RFC 9110 §7.6.1), the client's own credentials and anything the
// upstream must not see about the client or the gateway.
const DROP_OUTGOING = new Set([
  'authorization', 'x-api-key', 'cookie', 'host', 'content-length', 'accept-encoding', 'connection',
  'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'x-real-ip', 'true-client-ip',
])
const DROP_OUTGOING_PREFIXES = ['cf-', 'x-forwarded-', 'x-aigc-']

// The body may be rewritten or re-encoded on the way back.
const DROP_INCOMING = new Set([
  'content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'set-cookie',
])

export function upstreamUrl({ tenant }: ResolvedTenant, dialect: UpstreamDialect, path: string): string {
  const { baseUrl, anthropicBaseUrl } = tenant.upstream
  const base = dialect === 'anthropic' && anthropicBaseUrl ? anthropicBaseUrl : baseUrl
  return base.replace(/\/+$/, '') + path
}

export function outgoingHeaders(incoming: Headers, dialect: UpstreamDialect, upstreamKey: string): Headers {
  const headers = new Headers()
  for (const [name, value] of incoming) {
    if (DROP_OUTGOING.has(name) || DROP_OUTGOING_PREFIXES.some((p) => name.startsWith(p))) continue
    headers.set(name, value)
  }
  if (dialect === 'anthropic') {
    headers.set('x-api-key', upstreamKey)
    if (!headers.has('anthropic-version')) headers.set('anthropic-version', '2023-06-01')
  } else {
    headers.set('authorization', `Bearer ${upstreamKey}`)
  }
  return headers
}

/** The upstream's answer headers the client may see; the upstream's own `X-AIGC-*` never pass (only the gateway says what it labelled). */
export function incomingHeaders(upstream: Headers): Headers {
  const headers = new Headers()
  for (const [name, value] of upstream) if (!DROP_INCOMING.has(name) && !name.startsWith('x-aigc-')) headers.set(name, value)
  return headers
}

/** The client's request sent on to the tenant's upstream at `path` (query included) with the dialect's credentials. */
export function forwardToUpstream(
  resolved: ResolvedTenant,
  dialect: UpstreamDialect,
  request: { method: string; path: string; headers: Headers; body: BodyInit | null },
): Promise<Response> {
  const { method, path, headers, body } = request
  return callUpstream(
    new Request(upstreamUrl(resolved, dialect, path), {
      method,
      headers: outgoingHeaders(headers, dialect, resolved.upstreamKey),
      body: method === 'GET' || method === 'HEAD' ? null : body,
    }),
  )
}

export async function callUpstream(request: Request): Promise<Response> {
  if (request.url.startsWith('demo:')) return demoModel(request)
  try {
    return await fetch(request)
  } catch (error) {
    console.error('upstream fetch failed', request.url, error)
    throw new GatewayError(502, 'upstream_unreachable', 'the upstream model API could not be reached')
  }
}
