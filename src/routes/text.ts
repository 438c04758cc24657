/**
 * A text-generation call: the upstream answer (JSON or event stream) gets the explicit
 * label unless structured output or an unmark grant says otherwise, and always the signed
 * implicit label.
 */
import type { Context } from 'hono'
import { GatewayError } from '../errors'
import { createLabel } from '../label/annex-e'
import { affixesFor, continuedAffixes, endAffixes, type TextAffixes } from '../label/explicit-text'
import { signLabel } from '../label/signature'
import { markContext } from '../image/runtime'
import { watermarker } from './watermark'
import type { TextProtocol } from '../protocols'
import { imageLabeller } from '../protocols/media'
import { labelEventStream, StreamLabelError } from '../stream/label-stream'
import { callUpstream, incomingHeaders, outgoingHeaders, upstreamUrl } from '../upstream/client'
import { deliverUnmarked, requestedGrant, setC2paHeader, setLabelHeaders, type Omission } from './delivery'
import { requestModel, tenantSigning } from './tenant-signing'
import { parseJsonObject } from './json'
import { cappedText } from './body'
import type { AppEnv } from './types'
import { isRecord } from '../guards'

const NO_AFFIXES: TextAffixes = { prefix: '', suffix: '' }

export async function labelledText(c: Context<AppEnv>, protocol: TextProtocol): Promise<Response> {
  const { tenant, upstreamKey } = c.get('tenant')
  const raw = await cappedText(c.req.raw, 'modelRequestBytes', 'the model request body')
  const request = parseJsonObject(raw)
  const refusal = protocol.refusal(request)
  if (refusal) throw new GatewayError(501, 'label_failed', refusal)
  const structured = protocol.structuredCheck(request)
  const grant = await requestedGrant(c, request)
  // Text labels are signed over their fields only (a response may hold several choices, and
  // a stream's label leaves before its text exists), so signing overlaps the upstream call.
  const newLabel = () => createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  const label = newLabel()
  const signing = tenantSigning(c, tenant, 'producer', requestModel(request))
  const signed = signing.then((s) => signLabel(label, 'producer', s.signer))
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
  // Images the answer carries (Responses image_generation) are labelled like /v1/images output.
  // They keep the visible mark under a grant: its delivery row names the text's ProduceID only.
  const media = imageLabeller(markContext(tenant.labels.image, await watermarker(c)), await signing, newLabel)
  const type = upstream.headers.get('content-type') ?? ''
  const options = { structured: unmarked ? undefined : structured, media }

  if (type.startsWith('text/event-stream') && upstream.body) {
    // A stream's text is checked as it ends, so a structured request can only get the end label.
    const affixes = unmarked ? NO_AFFIXES : answerAffixes(protocol, request, structured ? endAffixes(tenant.labels.text) : affixesFor(tenant.labels.text))
    setLabelHeaders(headers, [signedLabel], unmarked ? 'unmark-grant' : structured ? 'structured-output-pending' : undefined)
    const body = labelEventStream(upstream.body, protocol.streamLabeler(affixes, request, options))
    return new Response(body, { status: upstream.status, headers })
  }
  if (type.includes('json')) {
    const body: unknown = await upstream.json().catch(() => undefined)
    if (!isRecord(body)) {
      throw new GatewayError(502, 'upstream_invalid_response', 'the upstream answered with invalid JSON, so nothing could be labelled')
    }
    const affixes = unmarked ? NO_AFFIXES : answerAffixes(protocol, request, affixesFor(tenant.labels.text))
    const outcome = await protocol.labelBody(body, affixes, options).catch((error: unknown) => {
      if (error instanceof StreamLabelError) throw new GatewayError(502, 'label_failed', error.message)
      throw error
    })
    const omission: Omission = unmarked ? 'unmark-grant' : outcome.labelled ? undefined : outcome.structured ? 'structured-output' : 'no-text'
    setLabelHeaders(headers, [signedLabel, ...outcome.media.map((m) => m.label)], omission)
    setC2paHeader(headers, outcome.media.map((m) => m.c2pa))
    body.aigc = signedLabel
    headers.set('content-type', 'application/json')
    return new Response(JSON.stringify(body), { status: upstream.status, headers })
  }
  await upstream.body?.cancel()
  throw new GatewayError(502, 'upstream_invalid_response', `the upstream answered with "${type || 'no content type'}", which the gateway cannot label`)
}

/** An answer that continues the client's text (a tool loop) opens with the label separator. */
function answerAffixes(protocol: TextProtocol, request: Record<string, unknown>, affixes: TextAffixes): TextAffixes {
  return protocol.continuesText(request) ? continuedAffixes(affixes) : affixes
}
