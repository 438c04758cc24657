/**
 * The model API surface under /v1: text and image routes are labelled, generation routes
 * the gateway cannot label yet are refused, everything else passes through to the
 * tenant's upstream.
 */
import { Hono, type Context } from 'hono'
import { GatewayError } from '../errors'
import { anthropicMessages, chatCompletions, completions, responses } from '../protocols'
import { tenantForKey } from '../tenant/service'
import { callUpstream, incomingHeaders, outgoingHeaders, upstreamUrl } from '../upstream/client'
import { aigc } from './aigc'
import { images } from './images'
import { labelledText } from './text'
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

v1.post('/chat/completions', (c) => labelledText(c, chatCompletions))
v1.post('/completions', (c) => labelledText(c, completions))
v1.post('/responses', (c) => labelledText(c, responses))
v1.post('/messages', (c) => labelledText(c, anthropicMessages))
v1.route('/aigc', aigc)
v1.route('/images', images)

// Generated media must leave labelled; until the gateway labels these, it refuses them
// rather than pass unlabelled content through.
for (const path of ['/audio/speech', '/videos', '/videos/*']) {
  v1.all(path, (c) => {
    throw new GatewayError(501, 'label_failed', `${c.req.path} returns generated media this gateway does not label yet, so it is refused`)
  })
}

v1.all('*', async (c) => {
  const { search, pathname } = new URL(c.req.url)
  const method = c.req.method
  const upstream = await callUpstream(
    new Request(upstreamUrl(c.get('tenant'), 'openai', pathname.replace(/^\/v1/, '') + search), {
      method,
      headers: outgoingHeaders(c.req.raw.headers, 'openai', c.get('tenant').upstreamKey),
      body: method === 'GET' || method === 'HEAD' ? null : c.req.raw.body,
    }),
  )
  return new Response(upstream.body, { status: upstream.status, headers: incomingHeaders(upstream.headers) })
})

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i)
  return match?.[1]
}
