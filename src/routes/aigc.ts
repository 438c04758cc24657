/**
 * Gateway-specific routes under /v1/aigc: labelling an upload, detecting and verifying
 * labels, the propagation platform's label, and unmark grant applications.
 */
import { Hono, type Context } from 'hono'
import { GatewayError } from '../errors'
import { detectFormat, FormatError, markdown, readLabels, SUPPORTED_FORMATS, type CarrierFormat } from '../formats'
import type { Signing } from '../image/label-image'
import { createLabel, type AigcLabel } from '../label/annex-e'
import { checkLabelSignature } from '../label/signature'
import { publishedKey } from '../tenant/signing'
import { trustAnchors } from '../c2pa/trust'
import { LimitError } from '../limits'
import { aiSourceType, inspect } from '../verify/inspect'
import { PROPAGATION_MARK_TEXT, PROPAGATION_STATES, PropagationError, propagatedLabel, type PropagationState } from '../verify/propagate'
import { applyForGrant } from '../unmark/grants'
import { withWatermark } from '../verify/watermark-report'
import { readWatermark, watermarker } from './watermark'
import { setC2paHeader, setLabelHeaders, type Omission } from './delivery'
import type { C2paOutcome } from '../c2pa/outcome'
import { cannotCarryAudioMark, labelTypedFile, mediaType, takesVisibleMark, typedFile, type TypedFile } from './file-label'
import type { Labels } from '../tenant/schema'
import { cappedJson, readBody } from './body'
import { uploadError } from './images'
import { requestInfo, type AppEnv } from './types'
import { tenantSigning } from './tenant-signing'
import { isRecord } from '../guards'

export const aigc = new Hono<AppEnv>()

aigc.post('/unmark-grants', async (c) => {
  const grant = await applyForGrant(c.env.DB, c.get('tenant').tenant, await cappedJson(c.req.raw).catch(rethrowLimit), requestInfo(c), new Date())
  return c.json({ id: grant.id, status: grant.status, expiresAt: grant.expiresAt }, 201)
})

const MARKS = new Set(['explicit', 'implicit', 'watermark'])
const MIME_ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' }

/** The marks asked for; without `mark=`, the fallback plus the watermark when the tenant's image labels include it. */
function requestedMarks(c: Context<AppEnv>, fallback: string): { explicit: boolean; watermark: boolean } {
  const asked = c.req.query('mark')
  const marks = (asked ?? fallback).split(',').map((m) => m.trim())
  const unknown = marks.find((m) => !MARKS.has(m))
  if (unknown !== undefined) throw new GatewayError(400, 'invalid_request', `mark: unknown mark "${unknown}"; use explicit, implicit and/or watermark`, 'mark')
  const watermark = asked === undefined ? marks.includes('explicit') && c.get('tenant').tenant.labels.image.watermark : marks.includes('watermark')
  return { explicit: marks.includes('explicit'), watermark }
}

const declaredType = (c: Context<AppEnv>) => mediaType(c.req.header('content-type'))

/** The uploaded file (the raw body) and its format: sniffed, and checked against the declared type. */
async function upload(c: Context<AppEnv>): Promise<TypedFile> {
  const bytes = await readBody(c.req.raw, 'uploadBytes', 'the file').catch(rethrowLimit)
  return typedFile(bytes, fileFormat(bytes, declaredType(c)), c.req.header('content-type') ?? '')
}

function fileFormat(bytes: Uint8Array, declared: string): CarrierFormat {
  let format
  try {
    format = detectFormat(bytes, declared)
  } catch (error) {
    throw uploadError(error)
  }
  if (!format) throw new GatewayError(415, 'unsupported_format', `unsupported file type: send ${SUPPORTED_FORMATS}`)
  if (declared.startsWith('image/') && (MIME_ALIASES[declared] ?? declared) !== format.mime) {
    throw new GatewayError(415, 'invalid_request', `Content-Type says ${declared} but the file is ${format.mime}`)
  }
  return format
}

/**
 * Labels an uploaded file. `mark=explicit,implicit` (default) chooses the marks; the
 * implicit label, signed with the tenant's key, is written whatever the query says.
 */
aigc.post('/label', async (c) => {
  const { explicit, watermark } = requestedMarks(c, 'explicit,implicit')
  const file = await upload(c)
  const tenant = c.get('tenant').tenant
  refuseUnmarkable(file.format, explicit, tenant.labels)
  const label = createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  const marker = watermark ? await watermarker(c, true) : undefined
  const out = await labelTypedFile(file, label, explicit ? tenant.labels : undefined, await signing(c, 'producer'), marker).catch(rethrowUpload)
  return fileResponse(out.bytes, file.type, [out.label], explicit ? out.omission : 'not-requested', out.c2pa)
})

/**
 * The propagation platform's step: keep the producer's fields and ReservedCode1, add this
 * tenant as propagator with its own signature in ReservedCode2. Without a label, `state`
 * says what the platform knows (declared → Label 2, suspected → Label 3).
 */
aigc.post('/propagate', async (c) => {
  const state = c.req.query('state') as PropagationState | undefined
  if (!state || !PROPAGATION_STATES.includes(state)) {
    throw new GatewayError(400, 'invalid_request', `state: must be one of ${PROPAGATION_STATES.join(', ')}`, 'state')
  }
  const { explicit } = requestedMarks(c, 'implicit')
  const file = await upload(c)
  const { bytes, format } = file
  const tenant = c.get('tenant').tenant
  refuseUnmarkable(format, explicit, tenant.labels)
  const read = readOrReject(bytes, format)
  const found = read.filter((f) => f.label)
  // Without a label in the metadata, a verified watermark gives the producer's record; a trace alone says suspected.
  const watermarkSeen = found.length ? undefined : await readWatermark(c, bytes, format).catch(rethrowUpload)
  const existing = found[0]?.label ?? watermarkSeen?.record
  const repeat = existing?.ContentPropagator === tenant.providerCode
  // Idempotent: this platform's intact propagation on this content, written the guide's way, is returned as it is.
  if (repeat && read.length === 1 && !read[0]!.variant) {
    const own = await checkLabelSignature(existing!, 'propagator', {
      content: (binding) => format.content(bytes, binding),
      isKnownKey: async (key) => (await publishedKey(c.env.DB, key))?.tenantId === tenant.id,
    })
    if (own.status === 'valid') {
      const response = fileResponse(bytes, file.type, [existing!], explicit ? undefined : 'not-requested')
      response.headers.set('X-AIGC-Propagation', 'unchanged')
      return response
    }
  }
  let label
  try {
    label = propagatedLabel(existing, state, tenant.providerCode, repeat ? existing!.PropagateID : crypto.randomUUID())
  } catch (error) {
    if (error instanceof PropagationError) {
      const sourceType = aiSourceType(format.read(bytes))
      const hint = sourceType
        ? `; its IPTC DigitalSourceType is ${sourceType}, so state=suspected applies`
        : watermarkSeen?.present
          ? '; its pixels carry a watermark trace, so state=suspected applies'
          : ''
      throw new GatewayError(422, 'invalid_request', error.message + hint, 'state')
    }
    throw error
  }
  const text = PROPAGATION_MARK_TEXT[label.Label]
  const marks = explicit ? (text ? { ...tenant.labels, text: { ...tenant.labels.text, text }, image: { ...tenant.labels.image, text } } : tenant.labels) : undefined
  const out = await labelTypedFile(file, label, marks, await signing(c, 'propagator')).catch(rethrowUpload)
  return fileResponse(out.bytes, file.type, [out.label], explicit ? out.omission : 'not-requested', out.c2pa)
})

/**
 * Fail closed on a visible mark the gateway cannot make: video needs its opening frames
 * re-encoded (GB 45438 5.4), not built yet, and audio in a codec the rhythm mark (5.3)
 * cannot be joined to is refused when the tenant requires the mark (else it goes out with
 * the implicit label, and the headers say the mark was omitted). The implicit label alone
 * is offered instead of a file that claims a mark it lacks.
 */
function refuseUnmarkable(format: CarrierFormat, explicit: boolean, labels: Labels): void {
  if (!explicit || takesVisibleMark(format)) return
  if (cannotCarryAudioMark(format)) {
    if (!labels.audio.required) return
    throw new GatewayError(400, 'invalid_request', `mark: this tenant requires the audible mark, which ${format.name.toUpperCase()} audio cannot carry without re-encoding; send WAV or MP3`, 'mark')
  }
  throw new GatewayError(422, 'unsupported_format', `mark: the gateway cannot add a visible mark to ${format.name.toUpperCase()} files yet; send mark=implicit for the implicit label alone`, 'mark')
}

const signing = (c: Context<AppEnv>, role: Signing['role']) => tenantSigning(c, c.get('tenant').tenant, role)

function readOrReject(bytes: Uint8Array, format: CarrierFormat) {
  try {
    return readLabels(bytes, format)
  } catch (error) {
    throw uploadError(error)
  }
}

function rethrowUpload(error: unknown): never {
  throw uploadError(error)
}

/** A failed budget is a 413/422 naming the limit; anything else goes on as it was. */
function rethrowLimit(error: unknown): never {
  throw error instanceof LimitError ? uploadError(error) : error
}

function fileResponse(bytes: Uint8Array, type: string, labels: AigcLabel[], omission: Omission, c2pa?: C2paOutcome): Response {
  const headers = new Headers({ 'content-type': type })
  setLabelHeaders(headers, labels, omission)
  if (type.startsWith('image/')) setC2paHeader(headers, c2pa ? [c2pa] : [])
  return new Response(bytes, { headers })
}

/**
 * Detection and verification: every label found, conformance findings, and each
 * signature's status. Served to tenants and, rate-limited per IP, to anyone.
 */
export async function detect(c: Context<AppEnv>): Promise<Response> {
  let bytes: Uint8Array
  let format: CarrierFormat
  if (declaredType(c) === 'application/json') {
    const body = await cappedJson(c.req.raw).catch(rethrowLimit)
    if (!isRecord(body) || typeof body.text !== 'string') throw new GatewayError(400, 'invalid_request', 'text: send {"text": "..."} or the raw file', 'text')
    bytes = new TextEncoder().encode(body.text)
    format = markdown
  } else {
    ;({ bytes, format } = await upload(c))
  }
  let report
  try {
    report = withWatermark(await inspect(bytes, format, { isKnownKey: async (key) => (await publishedKey(c.env.DB, key)) !== undefined }, trustAnchors(c.get('config').c2paTrustAnchors)), await readWatermark(c, bytes, format))
  } catch (error) {
    if (error instanceof LimitError) throw uploadError(error)
    if (error instanceof FormatError) throw new GatewayError(422, 'invalid_request', `the ${format.name} file cannot be read: ${error.message}`)
    throw error
  }
  return c.json(report)
}

// The gateway's own namespace: nothing here is forwarded to the model API.
aigc.all('*', (c) => {
  throw new GatewayError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)
})
