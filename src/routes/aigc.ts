/** Gateway-specific tenant routes under /v1/aigc. */
import { Hono } from 'hono'
import { GatewayError } from '../errors'
import { detectFormat } from '../formats'
import { labelImage } from '../image/label-image'
import { markContext } from '../image/runtime'
import { createLabel } from '../label/annex-e'
import { applyForGrant } from '../unmark/grants'
import { setLabelHeaders } from './delivery'
import { MAX_IMAGE_BYTES, readCapped, uploadError } from './images'
import { jsonBody } from './json'
import { requestInfo, type AppEnv } from './types'

export const aigc = new Hono<AppEnv>()

aigc.post('/unmark-grants', async (c) => {
  const grant = await applyForGrant(c.env.DB, c.get('tenant').tenant, await jsonBody(c.req.raw), requestInfo(c), new Date())
  return c.json({ id: grant.id, status: grant.status, expiresAt: grant.expiresAt }, 201)
})

const MARKS = new Set(['explicit', 'implicit'])
const MIME_ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' }

/**
 * Labels an uploaded file (the raw body). `mark=explicit,implicit` (default) chooses the
 * marks; the implicit label is written whatever the query says.
 */
aigc.post('/label', async (c) => {
  const marks = (c.req.query('mark') ?? 'explicit,implicit').split(',').map((m) => m.trim())
  const unknown = marks.find((m) => !MARKS.has(m))
  if (unknown !== undefined) throw new GatewayError(400, 'invalid_request', `mark: unknown mark "${unknown}"; use explicit and/or implicit`, 'mark')
  const bytes = await readCapped(c.req.raw.body, MAX_IMAGE_BYTES, () => new GatewayError(413, 'invalid_request', 'the file is larger than 50 MiB'))
  const format = detectFormat(bytes)
  if (!format) throw new GatewayError(415, 'invalid_request', 'unsupported file type: send PNG, JPEG, WebP or GIF')
  const declared = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (declared.startsWith('image/') && (MIME_ALIASES[declared] ?? declared) !== format.mime) {
    throw new GatewayError(415, 'invalid_request', `Content-Type says ${declared} but the file is ${format.mime}`)
  }
  const tenant = c.get('tenant').tenant
  const label = createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  const explicit = marks.includes('explicit')
  const out = await labelImage(bytes, label, explicit ? markContext(tenant.labels.image) : undefined).catch((e) => {
    throw uploadError(e)
  })
  const headers = new Headers({ 'content-type': format.mime })
  setLabelHeaders(headers, [label], explicit ? undefined : 'not-requested')
  return new Response(out, { headers })
})

// The gateway's own namespace: nothing here is forwarded to the model API.
aigc.all('*', (c) => {
  throw new GatewayError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)
})
