/**
 * A text-generation call: the upstream answer (JSON or event stream) gets the explicit
 * label unless structured output or an unmark grant says otherwise, and always the signed
 * implicit label.
 */
import type { Context } from 'hono'
import { GatewayError } from '../errors'
import { createLabel } from '../label/annex-e'
import { affixesFor, type TextAffixes } from '../label/explicit-text'
import { signLabel } from '../label/signature'
import type { TextProtocol } from '../protocols'
import { labelEventStream } from '../stream/label-stream'
import { tenantSigner } from '../tenant/signing'
import { callUpstream, incomingHeaders, outgoingHeaders, upstreamUrl } from '../upstream/client'
import { deliverUnmarked, requestedGrant, setLabelHeaders, type Omission } from './delivery'
import { isObject, parseJsonObject } from './json'
import type { AppEnv } from './types'

const NO_AFFIXES: TextAffixes = { prefix: '', suffix: '' }

export async function labelledText(c: Context<AppEnv>, protocol: TextProtocol): Promise<Response> {
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
