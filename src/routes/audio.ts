/**
 * Text to speech, `POST /v1/audio/speech` (OpenAI's shape): the audio answer leaves with the
 * rhythm mark (GB 45438 §5.3) where the codec takes it (mp3, wav, pcm) and the signed
 * implicit label in its own container (mp3, wav, flac, opus, aac); raw PCM has none, so its
 * label is in the headers only (`X-AIGC-Implicit: header-only`). `stream_format: "sse"`
 * streams take the mark as deltas of their own and the label in the headers.
 */
import type { Context } from 'hono'
import { markPcm, type AudioMarkPosition, type PcmLayout } from '../audio/rhythm-mark'
import { speechStreamReducer, speechStreamState } from '../audio/speech-stream'
import { GatewayError } from '../errors'
import { detectFormat, FormatError, type CarrierFormat } from '../formats'
import { concat } from '../formats/bytes'
import type { Signing } from '../image/label-image'
import { createLabel, type AigcLabel } from '../label/annex-e'
import { signLabel } from '../label/signature'
import { LimitError } from '../limits'
import { labelEventStream, reducerLabeler } from '../stream/label-stream'
import { tenantSigner } from '../tenant/signing'
import { callUpstream, incomingHeaders, outgoingHeaders, upstreamUrl } from '../upstream/client'
import { readBody, cappedText } from './body'
import { deliverUnmarked, requestedGrant, setLabelHeaders } from './delivery'
import { labelTypedFile, typedFile } from './file-label'
import { parseJsonObject } from './json'
import type { AppEnv } from './types'

/** OpenAI's `response_format` values, and the carrier each answer must sniff as (pcm has none). */
const SPEECH_FORMATS: Record<string, CarrierFormat['name'] | 'pcm'> = { mp3: 'mp3', wav: 'wav', flac: 'flac', opus: 'opus', aac: 'aac', pcm: 'pcm' }
/** The formats the rhythm mark can be joined to; a streamed answer takes it as PCM or MP3 deltas only. */
const MARKABLE = new Set(['mp3', 'wav', 'pcm'])
const STREAM_MARKABLE = new Set(['mp3', 'pcm'])
/** OpenAI's `pcm`: raw 24 kHz, 16-bit signed little-endian samples, mono, no header (API reference, audio/createSpeech). */
export const OPENAI_PCM: PcmLayout = { sampleRate: 24000, channels: 1, bitsPerSample: 16, float: false }

const invalid = (param: string, message: string) => new GatewayError(400, 'invalid_request', `${param}: ${message}`, param)

export async function speech(c: Context<AppEnv>): Promise<Response> {
  const raw = await cappedText(c.req.raw, 'modelRequestBytes', 'the model request body')
  const request = parseJsonObject(raw)
  const responseFormat = request.response_format ?? 'mp3'
  if (typeof responseFormat !== 'string' || !(responseFormat in SPEECH_FORMATS)) throw invalid('response_format', `must be one of ${Object.keys(SPEECH_FORMATS).join(', ')}`)
  const streamed = (request.stream_format ?? 'audio') === 'sse'
  if (!streamed && request.stream_format !== undefined && request.stream_format !== 'audio') throw invalid('stream_format', 'must be audio or sse')
  const resolved = c.get('tenant')
  const { tenant } = resolved
  const grant = await requestedGrant(c, request)
  const granted = grant !== undefined && !('refused' in grant)
  if (tenant.labels.audio.required && !granted && !(streamed ? STREAM_MARKABLE : MARKABLE).has(responseFormat)) {
    const markable = streamed ? 'mp3 or pcm when streamed' : 'mp3, wav or pcm'
    throw invalid('response_format', `this tenant requires the audible mark (GB 45438 5.3), which the gateway adds to ${markable} only; ${responseFormat} would need re-encoding`)
  }

  const upstream = await callUpstream(
    new Request(upstreamUrl(resolved, 'openai', '/audio/speech'), { method: 'POST', headers: outgoingHeaders(c.req.raw.headers, 'openai', resolved.upstreamKey), body: raw }),
  )
  const headers = incomingHeaders(upstream.headers)
  if (!upstream.ok) return new Response(upstream.body, { status: upstream.status, headers })
  const type = upstream.headers.get('content-type') ?? ''
  if (streamed !== type.startsWith('text/event-stream') || type.includes('json')) {
    await upstream.body?.cancel()
    throw new GatewayError(502, 'upstream_invalid_response', `the upstream answered the speech request with "${type || 'no content type'}", which the gateway cannot label`)
  }

  const label = createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  const unmarked = await deliverUnmarked(c, grant, { produceIds: [label.ProduceID], contentKind: 'audio' }, headers)
  const signing: Signing = { signer: await tenantSigner(c.env.DB, c.get('config'), tenant), role: 'producer' }
  const position = unmarked ? undefined : tenant.labels.audio.position

  if (streamed) {
    // The label is signed before the audio exists: it binds no content.
    const signed = await signLabel(label, signing.role, signing.signer)
    const marked = STREAM_MARKABLE.has(responseFormat)
    setLabelHeaders(headers, [signed], unmarked ? 'unmark-grant' : marked ? undefined : 'format-cannot-carry')
    headers.set('X-AIGC-Implicit', 'header-only')
    const state = speechStreamState(responseFormat === 'mp3' ? 'mp3' : { pcm: OPENAI_PCM }, marked ? position : undefined)
    return new Response(labelEventStream(upstream.body!, reducerLabeler(state, speechStreamReducer)), { status: upstream.status, headers })
  }

  const bytes = await readBody(upstream, 'audioAnswerBytes', 'the speech answer').catch((error: unknown) => {
    throw error instanceof LimitError ? new GatewayError(502, 'upstream_invalid_response', error.message) : error
  })
  try {
    if (responseFormat === 'pcm') return await pcmAnswer(bytes, label, position, signing, headers, upstream.status)
    const format = detectFormat(bytes)
    if (!format || format.name !== SPEECH_FORMATS[responseFormat]) throw new FormatError(`asked for ${responseFormat}, the upstream answered ${format?.name ?? 'an unknown format'}`)
    const file = typedFile(bytes, format, type)
    const out = await labelTypedFile(file, label, unmarked ? undefined : tenant.labels, signing)
    setLabelHeaders(headers, [out.label], unmarked ? 'unmark-grant' : out.omission)
    headers.set('X-AIGC-Implicit', 'file')
    headers.set('content-type', file.type)
    return new Response(out.bytes, { status: upstream.status, headers })
  } catch (error) {
    if (error instanceof FormatError) throw new GatewayError(502, 'upstream_invalid_response', `the upstream's speech audio cannot be labelled, so nothing was delivered: ${error.message}`)
    throw error
  }
}

/** Raw PCM: the mark in the samples, the label (bound to them) in the headers only. */
async function pcmAnswer(pcm: Uint8Array, label: AigcLabel, position: AudioMarkPosition | undefined, signing: Signing, headers: Headers, status: number): Promise<Response> {
  const out = position ? concat(markPcm(pcm, OPENAI_PCM, position)) : pcm
  const signed = await signLabel(label, signing.role, signing.signer, () => [out])
  setLabelHeaders(headers, [signed], position ? undefined : 'unmark-grant')
  headers.set('X-AIGC-Implicit', 'header-only')
  return new Response(out, { status, headers })
}
