/**
 * The model API surface under /v1: text and image routes are labelled, generation routes
 * the gateway cannot label yet are refused, everything else passes through to the
 * tenant's upstream.
 */
import { Hono, type Context } from 'hono'
import { createLabel } from '../label/annex-e'
import { affixesFor, type TextAffixes } from '../label/explicit-text'
import { anthropicMessages, chatCompletions, completions, responses, type TextProtocol } from '../protocols'
import { labelEventStream } from '../stream/label-stream'
import { GatewayError } from '../errors'
import { tenantForKey } from '../tenant/service'
import { tenantSigner } from '../tenant/signing'
import { signLabel } from '../label/signature'
import { callUpstream, incomingHeaders, outgoingHeaders, upstreamUrl } from '../upstream/client'
import { aigc } from './aigc'
import { images } from './images'
import { isObject, parseJsonObject } from './json'
import { deliverUnmarked, requestedGrant, setLabelHeaders, type Omission } from './delivery'
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

v1.post('/chat/completions', (c) => labelled(c, chatCompletions))
v1.post('/completions', (c) => labelled(c, completions))
v1.post('/responses', (c) => labelled(c, responses))
v1.post('/messages', (c) => labelled(c, anthropicMessages))
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

const NO_AFFIXES: TextAffixes = { prefix: '', suffix: '' }

async function labelled(c: Context<AppEnv>, protocol: TextProtocol): Promise<Response> {
  const { tenant, upstreamKey } = c.get('tenant')
  const raw = await c.req.text()
  const request = parseJsonObject(raw)
  const structured = protocol.wantsStructuredOutput(request)
  const grant = structured ? undefined : await requestedGrant(c, request)
  // Text labels are signed over their fields only (a response may hold several choices, and
  // a stream's label leaves before its text exists), so signing overlaps the upstream call.
  const label = createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  const signed = tenantSigner(c.env.DB, c.get('config'), tenant).then((signer) => signLabel(label, 'producer', signer))
  signed.catch(() => {}) // awaited below unless the upstream fails first

  const upstream = await callUpstream(
    new Request(upstreamUrl(c.get('tenant'), protocol.dialect, protocol.path), {
      method: 'POST',
      headers: outgoingHeaders(c.req.raw.headers, protocol.dialect, upstreamKey),
      body: raw,
    }),
  )
  const headers = incomingHeaders(upstream.headers)
  // Upstream errors carry no generated content: status and body go back as they are.
  if (!upstream.ok) return new Response(upstream.body, { status: upstream.status, headers })

  const signedLabel = await signed
  const unmarked = await deliverUnmarked(c, grant, { produceIds: [label.ProduceID], contentKind: 'text' }, headers)
  const omission: Omission = structured ? 'structured-output' : unmarked ? 'unmark-grant' : undefined
  setLabelHeaders(headers, [signedLabel], omission)
  const affixes = omission ? NO_AFFIXES : affixesFor(tenant.labels.text)
  const type = upstream.headers.get('content-type') ?? ''

  if (type.startsWith('text/event-stream') && upstream.body) {
    const body = omission ? upstream.body : labelEventStream(upstream.body, protocol.streamLabeler(affixes, request))
    return new Response(body, { status: upstream.status, headers })
  }
  if (type.includes('json')) {
    const body: unknown = await upstream.json().catch(() => undefined)
    if (!isObject(body)) {
      throw new GatewayError(502, 'upstream_invalid_response', 'the upstream answered with invalid JSON, so nothing could be labelled')
    }
    protocol.labelBody(body, affixes)
    body.aigc = signedLabel
    headers.set('content-type', 'application/json')
    return new Response(JSON.stringify(body), { status: upstream.status, headers })
  }
  await upstream.body?.cancel()
  throw new GatewayError(502, 'upstream_invalid_response', `the upstream answered with "${type || 'no content type'}", which the gateway cannot label`)
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i)
  return match?.[1]
}
