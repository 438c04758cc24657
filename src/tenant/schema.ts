/**
 * The tenant configuration accepted by the admin API, validated with zod. Every failure
 * names the field, so a bad config is a 400 the operator can act on.
 */
import { z } from 'zod'
import { isAnnexEValue, providerCodeProblem } from '../label/annex-e'
import { DEFAULT_TEXT_LABEL } from '../label/explicit-text'
import { explicitLabelProblem, MIN_IMAGE_MARK_HEIGHT_RATIO, MIN_RETENTION_DAYS } from '../label/rules'
import { DEFAULT_IMAGE_MARK, MARK_POSITIONS } from '../label/image-mark'
import { AUDIO_MARK_POSITIONS, DEFAULT_AUDIO_MARK } from '../audio/rhythm-mark'
import { GatewayError } from '../errors'
import { SIGNING_ALGORITHMS } from '../label/signature'

const explicitText = z
  .string()
  .min(1)
  .max(200)
  .superRefine((text, ctx) => {
    const problem = explicitLabelProblem(text)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

const textLabel = z
  .object({
    text: explicitText.default(DEFAULT_TEXT_LABEL.text),
    position: z.enum(['start', 'end', 'both']).default(DEFAULT_TEXT_LABEL.position),
    /**
     * The text label on a PDF's first page (downloads of generated content carry the explicit
     * label in the file). A tenant may turn it off: the CJK font it names is not embedded.
     */
    pdfPageText: z.boolean().default(true),
  })
  .strict()

const hexColour = z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'must be a #RRGGBB colour')
const unit = z.number().min(0).max(1)

const imageLabel = z
  .object({
    text: explicitText.default(DEFAULT_IMAGE_MARK.text),
    position: z.enum(MARK_POSITIONS).default(DEFAULT_IMAGE_MARK.position),
    heightRatio: z.number().min(MIN_IMAGE_MARK_HEIGHT_RATIO, `must be at least ${MIN_IMAGE_MARK_HEIGHT_RATIO} (GB 45438: 5% of the shortest side)`).max(0.5).default(DEFAULT_IMAGE_MARK.heightRatio),
    marginRatio: z.number().min(0).max(0.2).default(DEFAULT_IMAGE_MARK.marginRatio),
    color: hexColour.default(DEFAULT_IMAGE_MARK.color),
    opacity: unit.min(0.5, 'must be at least 0.5 to stay legible').default(DEFAULT_IMAGE_MARK.opacity),
    plateColor: hexColour.default(DEFAULT_IMAGE_MARK.plateColor),
    plateOpacity: unit.default(DEFAULT_IMAGE_MARK.plateOpacity),
    /** The invisible watermark (src/watermark) in the default marks of /v1/aigc/label, /v1/images and generated images. */
    watermark: z.boolean().default(true),
  })
  .strict()

/**
 * The rhythm mark (GB 45438 §5.3) on audio: `position` end (default), start or both;
 * `required` refuses audio the gateway cannot mark (FLAC, Opus, AAC…) instead of sending it
 * with the implicit label alone.
 */
const audioLabel = z
  .object({ position: z.enum(AUDIO_MARK_POSITIONS).default(DEFAULT_AUDIO_MARK.position), required: z.boolean().default(DEFAULT_AUDIO_MARK.required) })
  .strict()

/** The tenant's label signing key (ReservedCode1/2); changing the algorithm rotates the key. */
const signing = z.object({ algorithm: z.enum(SIGNING_ALGORITHMS).default('SM2') }).strict()
export const DEFAULT_SIGNING = { algorithm: 'SM2' } as const

const labels = z.object({ text: textLabel.prefault({}), image: imageLabel.prefault({}), audio: audioLabel.prefault({}), signing: signing.prefault({}) }).strict()

const unmarkPolicy = z
  .object({
    allowed: z.boolean().default(false),
    agreementVersion: z.string().min(1).max(100).optional(),
    autoApprove: z.boolean().default(false),
    grantTtlDays: z.number().int().min(1).max(3650).default(30),
    retentionDays: z
      .number()
      .int()
      .min(MIN_RETENTION_DAYS, `must be at least ${MIN_RETENTION_DAYS}: Article 9 requires six months`)
      .max(36500)
      .default(MIN_RETENTION_DAYS),
    /** Identity fields every grant application must carry, e.g. ["realName", "phone"]. */
    requiredIdentity: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/)).max(20).default([]),
  })
  .strict()

function checkUnmarkPolicy(policy: { allowed: boolean; agreementVersion?: string }, ctx: z.RefinementCtx): void {
  if (policy.allowed && !policy.agreementVersion) {
    ctx.addIssue({ code: 'custom', path: ['agreementVersion'], message: 'is required when unmarking is allowed' })
  }
}

const providerCode = z.string().superRefine((code, ctx) => {
  const problem = providerCodeProblem(code) ?? (isAnnexEValue(code) ? undefined : 'has characters outside the Annex E set')
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

const url = z.string().max(2048).url()

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
/** A host name, or `*.domain` for the domain and all its subdomains (safe-fetch.ts). */
const hostPattern = z
  .string()
  .max(253)
  .regex(new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})+$`, 'i'), 'must be a host name with a dot, or *.domain for a domain and its subdomains')
  .transform((host) => host.toLowerCase())

const upstream = z
  .object({
    baseUrl: url,
    apiKey: z.string().min(1).max(4096),
    anthropicBaseUrl: url.optional(),
    /** Hosts media URLs in upstream answers may be fetched from; default: the base URLs' domains. */
    fetchHosts: z.array(hostPattern).max(50).optional(),
  })
  .strict()

/** Browser origins allowed to call /v1 with this tenant's keys; none by default. */
const corsOrigins = z
  .array(
    z
      .string()
      .max(2048)
      .refine((o) => isOrigin(o), 'must be an origin: http(s)://host[:port], with nothing after it'),
  )
  .max(50)

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value
  } catch {
    return false
  }
}

export const tenantCreateSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 chars of a-z, 0-9 and "-"'),
    name: z.string().min(1).max(200),
    providerCode,
    upstream,
    labels: labels.prefault({}),
    unmark: unmarkPolicy.superRefine(checkUnmarkPolicy).prefault({}),
    corsOrigins: corsOrigins.default([]),
  })
  .strict()

/** A change of label settings: each part partial, merged over the stored settings. */
export const labelsPatchSchema = z.object({ text: textLabel.partial(), image: imageLabel.partial(), audio: audioLabel.partial(), signing: signing.partial() }).partial().strict()

export const tenantPatchSchema = z
  .object({
    name: z.string().min(1).max(200),
    providerCode,
    upstream: upstream.partial(),
    labels: labelsPatchSchema,
    unmark: unmarkPolicy.partial(),
    corsOrigins,
  })
  .partial()
  .strict()

export type Labels = z.infer<typeof labels>
export type LabelsPatch = z.infer<typeof labelsPatchSchema>
export type UnmarkPolicy = z.infer<typeof unmarkPolicy>

const mergedUnmark = z.object({ unmark: unmarkPolicy.superRefine(checkUnmarkPolicy) })

/** Validates a policy after a patch was merged into it (a patch may complete or break it). */
export function parseUnmarkPolicy(policy: unknown): UnmarkPolicy {
  return parseWith(mergedUnmark, { unmark: policy }).unmark
}

export function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field = issue.path.join('.') || null
  throw new GatewayError(400, 'invalid_request', field ? `${field}: ${issue.message}` : issue.message, field)
}

/** Upstream URL rules that depend on where the gateway runs. */
export function checkUpstreamUrl(field: string, value: string, opts: { development: boolean; demo: boolean }): void {
  const { protocol } = new URL(value)
  if (protocol === 'https:') return
  if (protocol === 'http:' && opts.development) return
  if (protocol === 'demo:' && opts.demo) return
  const allowed = opts.development ? 'https or http' : 'https'
  throw new GatewayError(400, 'invalid_request', `${field}: must use ${allowed}`, field)
}
