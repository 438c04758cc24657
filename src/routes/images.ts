/**
 * Image generation (/v1/images/generations, /edits, /variations, declared in
 * route-table.ts): every image in the answer is labelled before it
 * leaves: `b64_json` in place, `url` images fetched, labelled, kept in R2 and replaced by a
 * signed gateway URL; streamed partial and final images event by event.
 */
import { Buffer } from 'node:buffer'
import type { Context } from 'hono'
import { GatewayError } from '../errors'
import { LimitError } from '../limits'
import { signFileUrl } from '../files/signed-url'
import { detectFormat, imageFormat, FormatError } from '../formats'
import { concat } from '../formats/bytes'
import { labelFile, type Signing } from '../image/label-image'
import type { MarkContext } from '../image/mark-image'
import { markContext } from '../image/runtime'
import { watermarker } from './watermark'
import { createLabel, type AigcLabel } from '../label/annex-e'
import { MarkError } from '../label/image-mark'
import { labelEventStream, reducerLabeler, StreamLabelError } from '../stream/label-stream'
import { callUpstream, incomingHeaders, outgoingHeaders, upstreamUrl } from '../upstream/client'
import { allowedFetchHosts, safeFetch } from '../upstream/safe-fetch'
import { deliverUnmarked, requestedGrant, setC2paHeader, setLabelHeaders } from './delivery'
import { requestModel, tenantSigning } from './tenant-signing'
import type { C2paOutcome } from '../c2pa/outcome'
import { imageLabeller, splitDataUrl } from '../protocols/media'
import { answerStream, decodeBase64, embeddedImages, imageStreamReducer, liftImages, placeholder, type EmbeddedImage } from '../protocols/openai-images'
import { parseJsonObject } from './json'
import { cappedText } from './body'
import type { AppEnv } from './types'
import { isRecord } from '../guards'

/** Upstream image URLs: at most this many bytes, fetched within this time. */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024
/** A JSON answer from the images API, base64 images included. */
const MAX_ANSWER_BYTES = 200 * 1024 * 1024
const FETCH_TIMEOUT_MS = 30_000
const URL_TTL_SECONDS = 3600

/** `path` is under /images: the route table's canonical path, with the client's query. */
export async function imageCall(c: Context<AppEnv>, path: string): Promise<Response> {
  const resolved = c.get('tenant')
  const { tenant } = resolved
  const contentType = c.req.header('content-type') ?? ''
  // JSON bodies are read for `user`; multipart uploads stream through untouched.
  let body: BodyInit | null = c.req.raw.body
  let request: Record<string, unknown> = {}
  if (contentType.includes('json')) {
    const raw = await cappedText(c.req.raw, 'modelRequestBytes', 'the model request body')
    request = parseJsonObject(raw)
    body = raw
  }
  const grant = await requestedGrant(c, request)
  const upstream = await callUpstream(
    new Request(upstreamUrl(resolved, 'openai', `/images${path}`), {
      method: 'POST',
      headers: outgoingHeaders(c.req.raw.headers, 'openai', resolved.upstreamKey),
      body,
    }),
  )
  const headers = incomingHeaders(upstream.headers)
  if (!upstream.ok) return new Response(upstream.body, { status: upstream.status, headers })

  const newLabel = () => createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  const type = upstream.headers.get('content-type') ?? ''
  // A multipart upload streams through unread, so its model is not known here.
  const signing = await tenantSigning(c, tenant, 'producer', requestModel(request))

  if (type.startsWith('text/event-stream') && upstream.body) {
    const label = newLabel()
    const unmarked = await deliverUnmarked(c, grant, { produceIds: [label.ProduceID], contentKind: 'image' }, headers)
    setLabelHeaders(headers, [label], unmarked ? 'unmark-grant' : undefined)
    const explicit = unmarked ? undefined : markContext(tenant.labels.image, await watermarker(c))
    const state = { media: imageLabeller(explicit, signing, () => label), completed: false }
    return new Response(labelEventStream(upstream.body, reducerLabeler(state, imageStreamReducer)), { status: upstream.status, headers })
  }
  if (!type.includes('json')) {
    await upstream.body?.cancel()
    throw new GatewayError(502, 'upstream_invalid_response', `the upstream answered with "${type || 'no content type'}", which the gateway cannot label`)
  }
  const { answer, images } = await readAnswer(upstream)
  const items = isRecord(answer) && Array.isArray(answer.data) ? (answer.data as Record<string, unknown>[]) : undefined
  if (!items) throw new GatewayError(502, 'upstream_invalid_response', 'the upstream answered without a data array, so nothing could be labelled')
  const labels = items.map(newLabel)
  const unmarked = await deliverUnmarked(c, grant, { produceIds: labels.map((l) => l.ProduceID), contentKind: 'image' }, headers)
  const explicit = unmarked ? undefined : markContext(tenant.labels.image, await watermarker(c))
  const origin = new URL(c.req.url).origin
  // One image at a time, each released once labelled: a Worker holds 128 MB in all.
  const outputs: Uint8Array[] = []
  const signed: LabelledItem[] = []
  for (const [i, item] of items.entries()) {
    const source = takeImage(item, images)
    signed.push(await labelItem(c, item, source, labels[i]!, explicit, signing, origin, outputs))
  }
  setLabelHeaders(headers, signed.map((s) => s.label), unmarked ? 'unmark-grant' : undefined)
  setC2paHeader(headers, signed.flatMap((s) => s.c2pa ?? []))
  headers.set('content-type', 'application/json')
  return new Response(answerStream(answer, outputs), { status: upstream.status, headers })
}

/** The upstream answer with its base64 images lifted out of the JSON (see openai-images.ts). */
async function readAnswer(upstream: Response): Promise<{ answer: unknown; images: (Uint8Array | undefined)[] }> {
  const body = await readCapped(upstream.body, MAX_ANSWER_BYTES, () => new GatewayError(502, 'upstream_invalid_response', 'the upstream answer is larger than 200 MiB'))
  const lifted = liftImages(body)
  if (lifted) return lifted
  try {
    return { answer: JSON.parse(new TextDecoder().decode(body)), images: [] }
  } catch {
    throw new GatewayError(502, 'upstream_invalid_response', 'the upstream answered with invalid JSON, so nothing could be labelled')
  }
}

/** The item's image bytes when it carries base64 (lifted or inline); the lifted text is let go. */
function takeImage(item: Record<string, unknown>, images: (Uint8Array | undefined)[]): Uint8Array | undefined {
  const value = item.b64_json
  if (typeof value !== 'string') return undefined
  const lifted = images.findIndex((_, i) => value === placeholder(i))
  if (lifted < 0) return Buffer.from(value, 'base64')
  const bytes = decodeBase64(images[lifted]!)
  images[lifted] = undefined
  return bytes
}

/** An item's label as signed, and what became of its image's Content Credentials (none for an item without an image). */
interface LabelledItem {
  label: AigcLabel
  c2pa?: C2paOutcome
}

/**
 * Labels one answer item in place. A base64 image's output goes to `outputs` and the item
 * gets its placeholder, for answerStream to write.
 */
async function labelItem(
  c: Context<AppEnv>,
  item: Record<string, unknown>,
  source: Uint8Array | undefined,
  label: AigcLabel,
  explicit: MarkContext | undefined,
  signing: Signing,
  origin: string,
  outputs: Uint8Array[],
): Promise<LabelledItem> {
  const unsigned = label
  // The item's first image speaks for it in X-AIGC-C2PA, as its label does in X-AIGC-Produce-Id.
  let c2pa: C2paOutcome | undefined
  // Images under other keys first: a refused one stops the answer before any work is done.
  const embedded = otherImages(item)
  if (source) {
    const out = await labelUpstreamImage(source, label, explicit, signing)
    item.b64_json = placeholder(outputs.length)
    outputs.push(out.bytes)
    ;({ label, c2pa } = out)
    // Both forms: the url then points at the same labelled image, kept by the gateway.
    if (typeof item.url === 'string') item.url = await keepLabelled(c, out.bytes, label, origin)
  } else if (typeof item.url === 'string' && item.url.startsWith('data:')) {
    embedded.push({ holder: item, key: 'url', ...splitDataUrl(item.url) })
  } else if (typeof item.url === 'string') {
    const out = await labelUpstreamImage(await fetchImage(c, item.url), label, explicit, signing)
    ;({ label, c2pa } = out)
    item.url = await keepLabelled(c, out.bytes, label, origin)
  }
  for (const image of embedded) {
    const out = await labelUpstreamImage(Buffer.from(image.base64, 'base64'), unsigned, explicit, signing)
    image.holder[image.key] = image.prefix + Buffer.from(out.bytes).toString('base64')
    label = out.label
    c2pa ??= out.c2pa
  }
  item.aigc = label
  return { label, ...(c2pa ? { c2pa } : {}) }
}

/** Images an item holds beside `b64_json` and `url` (see embeddedImages); one it cannot label is a 502. */
function otherImages(item: Record<string, unknown>): EmbeddedImage[] {
  try {
    return embeddedImages(item, ['b64_json', 'url'])
  } catch (error) {
    if (error instanceof StreamLabelError) throw new GatewayError(502, 'label_failed', `${error.message}, so none was delivered`)
    throw error
  }
}

/** Stores a labelled image in R2; returns the signed gateway URL that serves it. */
async function keepLabelled(c: Context<AppEnv>, bytes: Uint8Array, label: AigcLabel, origin: string): Promise<string> {
  const format = detectFormat(bytes)!
  const key = `${c.get('tenant').tenant.id}/${label.ProduceID}.${format.name === 'jpeg' ? 'jpg' : format.name}`
  await c.env.FILES.put(key, bytes, { httpMetadata: { contentType: format.mime } })
  const expires = Math.floor(Date.now() / 1000) + URL_TTL_SECONDS
  return signFileUrl(origin, key, c.get('config').masterKey!, expires)
}

/** Upstream content the gateway cannot label is an upstream failure: nothing goes out. */
async function labelUpstreamImage(bytes: Uint8Array, label: AigcLabel, explicit: MarkContext | undefined, signing: Signing) {
  try {
    return await labelFile(bytes, imageFormat(bytes), label, explicit, signing)
  } catch (error) {
    if (error instanceof FormatError || error instanceof MarkError) {
      throw new GatewayError(502, 'label_failed', `an upstream image could not be labelled, so none was delivered: ${error.message}`)
    }
    throw error
  }
}

/** An image URL the upstream answered with, fetched under the tenant's outbound policy (safe-fetch.ts). */
async function fetchImage(c: Context<AppEnv>, url: string): Promise<Uint8Array> {
  const policy = { httpsOnly: !c.get('config').development, allowedHosts: allowedFetchHosts(c.get('tenant').tenant.upstream) }
  const response = await safeFetch(url, policy, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  if (!response.ok) throw new GatewayError(502, 'upstream_invalid_response', `an upstream image URL answered ${response.status}`)
  if (!(response.headers.get('content-type') ?? 'image/').startsWith('image/')) {
    await response.body?.cancel()
    throw new GatewayError(502, 'upstream_invalid_response', 'an upstream image URL did not return an image')
  }
  return readCapped(response.body, MAX_IMAGE_BYTES, () => new GatewayError(502, 'upstream_invalid_response', 'an upstream image is larger than 50 MiB'))
}

/** Reads a body into one buffer, refusing to go past `max` bytes. */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number, tooLarge: () => Error): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let size = 0
  if (body) {
    for await (const part of body as unknown as AsyncIterable<Uint8Array>) {
      size += part.length
      if (size > max) throw tooLarge()
      parts.push(part)
    }
  }
  return concat(parts)
}

/** Maps image errors of a client upload to HTTP answers. */
export function uploadError(error: unknown): unknown {
  if (error instanceof LimitError) return new GatewayError(error.limit.status, 'limit_exceeded', error.message, error.limit.name)
  if (error instanceof FormatError) return new GatewayError(422, 'invalid_request', error.message)
  if (error instanceof MarkError) return new GatewayError(500, 'label_failed', error.message)
  return error
}
