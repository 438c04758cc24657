/**
 * The model API surface under /v1: the gateway's own /v1/aigc routes, then every request
 * resolved through the route table (route-table.ts) and handed to its labeller. Nothing the
 * table does not name reaches the upstream.
 */
import { Hono, type Context } from 'hono'
import { GatewayError } from '../errors'
import { tenantForKey } from '../tenant/service'
import { forwardToUpstream, incomingHeaders, type UpstreamDialect } from '../upstream/client'
import { aigc } from './aigc'
import { speech } from './audio'
import { fileContent } from './generated-files'
import { imageCall } from './images'
import { parseJsonObject } from './json'
import { dialectOf, resolveRoute, type ResolvedRoute } from './route-table'
import { anthropicBatch, batchResults, storedText, transcript } from './stored'
import { labelledText } from './text'
import { cappedText } from './body'
import type { AppEnv } from './types'

export const v1 = new Hono<AppEnv>()

const apiKey = (c: Context<AppEnv>) => bearerToken(c.req.header('authorization')) ?? c.req.header('x-api-key')

export const hasCredentials = (c: Context<AppEnv>) => apiKey(c) !== undefined

/** Resolves the tenant from the request's key, or answers 401. */
export async function authenticate(c: Context<AppEnv>): Promise<void> {
  const key = apiKey(c)
  if (!key) throw new GatewayError(401, 'unauthorized', 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"')
  const tenant = await tenantForKey(c.env.DB, c.get('config'), key)
  if (!tenant) throw new GatewayError(401, 'unauthorized', 'invalid API key')
  c.set('tenant', tenant)
}

v1.use('*', async function tenantAuth(c, next) {
  await authenticate(c)
  await next()
})

v1.route('/aigc', aigc)

v1.all('*', async (c) => {
  const url = new URL(c.req.url)
  const resolved = resolveRoute(c.req.method, url.pathname)
  const { labeller } = resolved
  const { method, path } = resolved.route
  const route = `${method} ${path}`
  c.set('route', route)
  const upstreamPath = resolved.upstreamPath + url.search
  switch (labeller.kind) {
    case 'text':
      return labelledText(c, { ...labeller.protocol, path: upstreamPath })
    case 'image':
      return imageCall(c, upstreamPath.replace(/^\/images/, ''))
    case 'speech':
      return speech(c)
    case 'json-only':
      return jsonOnly(c, resolved, upstreamPath, labeller.why)
    case 'file':
      return fileContent(c, dialectOf(resolved.route, c.req.raw.headers), resolved.upstreamPath, route, labeller.source)
  }
  const upstream = await forward(c, resolved, upstreamPath, c.req.raw.body)
  switch (labeller.kind) {
    case 'stored':
      return storedText(c, upstream, route, labeller.view)
    case 'transcript':
      return transcript(c, upstream, route)
    case 'jsonl':
      return batchResults(c, upstream, route, labeller.lines)
    case 'anthropic-batch':
      return anthropicBatch(c, upstream, route)
    case 'passthrough':
      return passthrough(upstream, route)
  }
})

function forward(c: Context<AppEnv>, { route }: ResolvedRoute, path: string, body: BodyInit | null): Promise<Response> {
  const dialect: UpstreamDialect = dialectOf(route, c.req.raw.headers)
  return forwardToUpstream(c.get('tenant'), dialect, { method: route.method, path, headers: c.req.raw.headers, body })
}

/**
 * Every pass-through route answers JSON (or nothing); any other answer (an event stream, a
 * file) would be content nobody checked. Errors go back as they are.
 */
async function passthrough(upstream: Response, route: string): Promise<Response> {
  const type = upstream.headers.get('content-type') ?? ''
  if (upstream.ok && upstream.status !== 204 && !type.includes('json')) {
    await upstream.body?.cancel()
    throw new GatewayError(502, 'upstream_invalid_response', `${route}: the upstream answered with "${type || 'no content type'}", which this pass-through route does not carry, so nothing was delivered`)
  }
  return new Response(upstream.body, { status: upstream.status, headers: incomingHeaders(upstream.headers) })
}

/** Runs: the JSON answer carries no generated text, the streamed one would; streams are refused before the call. */
async function jsonOnly(c: Context<AppEnv>, resolved: ResolvedRoute, path: string, why: string): Promise<Response> {
  const raw = await cappedText(c.req.raw, 'modelRequestBytes', 'the model request body')
  const request = raw === '' ? {} : parseJsonObject(raw)
  const route = `${resolved.route.method} ${resolved.route.path}`
  if (request.stream === true) throw new GatewayError(501, 'not_implemented', `${route} with "stream": true is refused: ${why}`)
  return passthrough(await forward(c, resolved, path, raw), route)
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i)
  return match?.[1]
}
