/**
 * What every generation route shares once the upstream answered: whether the explicit
 * label goes on (structured output, or an unmark grant whose delivery was logged first)
 * and the response headers that say so.
 */
import type { Context } from 'hono'
import { serializeLabel, type AigcLabel } from '../label/annex-e'
import { checkGrant, recordDelivery, type GrantCheck } from '../unmark/grants'
import { requestInfo, type AppEnv } from './types'
import { isRecord } from '../guards'
import type { C2paOutcome } from '../c2pa/outcome'

/**
 * Why the explicit label is not in the content, or undefined when it is applied: left out
 * (structured output, a grant, not asked for, audio whose codec cannot take the rhythm
 * mark), nothing to label (`no-text`), or decided only
 * at the end of a stream (`structured-output-pending`).
 */
export type Omission = 'structured-output' | 'unmark-grant' | 'not-requested' | 'tenant-option-off' | 'format-cannot-carry' | 'no-text' | 'structured-output-pending' | undefined

/** `X-AIGC-Explicit` and `X-AIGC-Explicit-Reason` for each omission. */
const EXPLICIT: Record<NonNullable<Omission>, [status: string, reason: string]> = {
  'structured-output': ['omitted', 'structured-output'],
  'unmark-grant': ['omitted', 'unmark-grant'],
  'not-requested': ['omitted', 'not-requested'],
  'tenant-option-off': ['omitted', 'tenant-option-off'],
  'format-cannot-carry': ['omitted', 'format-cannot-carry'],
  'no-text': ['none', 'no-text'],
  'structured-output-pending': ['deferred', 'structured-output'],
}

/** The grant a request asks to be served under, checked before the upstream is called. */
export async function requestedGrant(c: Context<AppEnv>, request: Record<string, unknown>): Promise<GrantCheck | undefined> {
  const grantId = c.req.header('x-aigc-unmark')
  if (!grantId) return undefined
  return checkGrant(c.env.DB, c.get('tenant').tenant, grantId, endUser(c, request), new Date())
}

/** The end user, as the client names them: header first, then the body's own field. */
function endUser(c: Context<AppEnv>, request: Record<string, unknown>): string | undefined {
  const user = c.req.header('x-aigc-user') ?? request.user ?? (isRecord(request.metadata) ? request.metadata.user_id : undefined)
  return typeof user === 'string' && user !== '' ? user : undefined
}

/**
 * Article 9: content goes out without the explicit label only under a valid grant and
 * only after its delivery row is written. Returns whether the label is omitted.
 */
export async function deliverUnmarked(
  c: Context<AppEnv>,
  grant: GrantCheck | undefined,
  delivery: { produceIds: string[]; contentKind: string },
  headers: Headers,
): Promise<boolean> {
  if (!grant) return false
  if ('refused' in grant) {
    headers.set('X-AIGC-Unmark-Refused', grant.refused)
    return false
  }
  try {
    await recordDelivery(c.get('tenant').tenant, grant.grant, delivery, requestInfo(c), new Date())
  } catch (error) {
    console.error('unmark log write failed; delivering labelled', error)
    headers.set('X-AIGC-Unmark-Refused', 'log-write-failed')
    return false
  }
  headers.set('X-AIGC-Unmark-Grant', grant.grant.id)
  return true
}

/** The implicit label headers (the first label's record; every ProduceID) and the explicit status. */
export function setLabelHeaders(headers: Headers, labels: AigcLabel[], omission: Omission): void {
  if (labels[0]) headers.set('X-AIGC-Label', serializeLabel(labels[0]))
  headers.set('X-AIGC-Produce-Id', labels.map((l) => l.ProduceID).join(', '))
  const [status, reason] = omission ? EXPLICIT[omission] : ['applied']
  headers.set('X-AIGC-Explicit', status)
  if (reason) headers.set('X-AIGC-Explicit-Reason', reason)
}

/** `X-AIGC-C2PA`: what became of each image's Content Credentials, in order (src/c2pa/outcome.ts). */
export function setC2paHeader(headers: Headers, outcomes: C2paOutcome[]): void {
  if (outcomes.length) headers.set('X-AIGC-C2PA', outcomes.map((o) => o.action).join(', '))
}
