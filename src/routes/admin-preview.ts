/**
 * POST /admin/tenants/{id}/preview: the marks the gateway will stamp, rendered by the gateway
 * itself with the label settings being edited (not yet saved), on the operator's image or a
 * sample. The answer is the very file a client would get (signed, watermarked as configured,
 * its C2PA manifest as the tenant's signer makes it)
 * and the measured glyph height held against GB 45438's 5 % rule.
 */
import type { Context } from 'hono'
import { z } from 'zod'
import { GatewayError } from '../errors'
import { detectFormat, FormatError } from '../formats'
import { toBase64 } from '../formats/bytes'
import { markContext } from '../image/runtime'
import { imageSize } from '../image/mark-image'
import { gradientPng } from '../image/sample'
import { createLabel } from '../label/annex-e'
import { affixesFor, labelText } from '../label/explicit-text'
import { placeMark } from '../label/image-mark'
import { MIN_IMAGE_MARK_HEIGHT_RATIO } from '../label/rules'
import { labelsPatchSchema, parseWith } from '../tenant/schema'
import { mergeLabels, requireTenant } from '../tenant/service'
import { tenantSigning } from './tenant-signing'
import { readBody } from './body'
import { labelTypedFile, typedFile } from './file-label'
import { uploadError } from './images'
import type { AppEnv } from './types'

const SAMPLE_ANSWER = '这是一段示例回答：明天北京晴，最高气温 12 °C。'
const settingsSchema = z.object({ labels: labelsPatchSchema.default({}) }).strict()

export async function labelPreview(c: Context<AppEnv>): Promise<Response> {
  const tenant = await requireTenant(c.env.DB, c.req.param('id')!)
  const type = c.req.header('content-type') ?? ''
  if (!type.startsWith('multipart/form-data')) throw new GatewayError(400, 'invalid_request', 'send multipart/form-data: a "labels" field (JSON) and an optional "image" file')
  const form = await new Response(await readBody(c.req.raw, 'uploadBytes', 'the preview upload'), { headers: { 'content-type': type } }).formData()
  const field = form.get('labels')
  let settings: unknown = {}
  try {
    settings = typeof field === 'string' && field.trim() ? { labels: JSON.parse(field) } : {}
  } catch {
    throw new GatewayError(400, 'invalid_json', 'labels: is not valid JSON', 'labels')
  }
  const labels = mergeLabels(tenant.labels, parseWith(settingsSchema, settings).labels)
  // The types name string only: they predate formdata_parser_supports_files, on at our compatibility date.
  const image = form.get('image') as File | string | null
  const upload = image !== null && typeof image === 'object' ? image : undefined
  const bytes = upload ? new Uint8Array(await upload.arrayBuffer()) : await gradientPng(960, 540)
  const format = detectFormat(bytes)
  if (!format?.mime.startsWith('image/')) throw new GatewayError(415, 'unsupported_format', `image: the preview takes PNG, JPEG, WebP or GIF, not ${format?.name ?? 'this file'}`, 'image')
  const label = createLabel({ producer: tenant.providerCode, produceId: crypto.randomUUID() })
  const signing = await tenantSigning(c, tenant, 'producer')
  const file = typedFile(bytes, format, format.mime)
  const out = await labelTypedFile(file, label, labels, signing).catch((error: unknown) => {
    throw error instanceof FormatError ? uploadError(error) : error
  })
  const { width, height } = imageSize(out.bytes, format.name)
  const { overlay } = placeMark(markContext(labels.image).font, labels.image, width, height)
  const inkHeight = overlay.inkBottom - overlay.inkTop
  const shortestSide = Math.min(width, height)
  return c.json({
    type: file.type,
    image: toBase64(out.bytes),
    width,
    height,
    c2pa: out.c2pa.action,
    mark: { inkHeight, shortestSide, ratio: inkHeight / shortestSide, minimumRatio: MIN_IMAGE_MARK_HEIGHT_RATIO, meetsRule: inkHeight / shortestSide >= MIN_IMAGE_MARK_HEIGHT_RATIO },
    text: { position: labels.text.position, sample: labelText(SAMPLE_ANSWER, affixesFor(labels.text)) },
  })
}
