/**
 * The request shapes of the unmark API (Article 9), in one module free of storage so the
 * routes validate with them and the OpenAPI document (routes/openapi.ts) describes them.
 */
import { z } from 'zod'

/** An end user's application for unlabelled delivery (also the OpenAPI request body). */
export const grantApplicationSchema = z
  .object({
    user: z.string().min(1).max(256),
    purpose: z.string().min(1).max(2000),
    agreementVersion: z.string().min(1).max(100),
    acceptedAt: z.iso.datetime({ offset: true }),
    identity: z.record(z.string(), z.string().min(1).max(512)).default({}),
  })
  .strict()

/** An operator's note on approving, rejecting or revoking a grant. */
export const grantDecisionSchema = z.object({ note: z.string().max(2000).optional() }).strict()

const MAX_EXPORT_ROWS = 1_000_000
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString())
/** The delivery log export's query (GET /admin/tenants/{id}/unmark-log). */
export const unmarkLogQuerySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    format: z.enum(['jsonl', 'csv']).default('jsonl'),
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(MAX_EXPORT_ROWS).default(MAX_EXPORT_ROWS),
  })
  .strict()

/** A new operator token: who will hold it, as the audit log will name them. */
export const operatorTokenSchema = z.object({ name: z.string().trim().min(1).max(200) }).strict()
