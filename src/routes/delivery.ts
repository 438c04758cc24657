/**
 * What every generation route shares once the upstream answered: whether the explicit
 * label goes on (structured output, or an unmark grant whose delivery was logged first)
 * and the response headers that say so.
 */
import type { Context } from 'hono'
import { serializeLabel, type AigcLabel } from '../label/annex-e'
import { checkGrant, recordDelivery, type GrantCheck } from '../unmark/grants'
import { requestInfo, type AppEnv } from './types'

/** Why the explicit label is left out, or undefined when it is applied. */
export type Omission = 'structured-output' | 'unmark-grant' | 'not-requested' | undefined

/** The grant a request asks to be served under, checked before the upstream is called. */
export async function requestedGrant(c: Context<AppEnv>, request: Record<string, any>): Promise<GrantCheck | undefined> {
  const grantId = c.req.header('x-aigc-unmark')
  if (!grantId) return undefined
  return checkGrant(c.env.DB, c.get('tenant').tenant, grantId, endUser(c, request), new Date())
}

/** The end user, as the client names them: header first, then the body's own field. */
function endUser(c: Context<AppEnv>, request: Record<string, any>): string | undefined {
  const user = c.req.header('x-aigc-user') ?? request.user ?? request.metadata?.user_id
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
  headers.set('X-AIGC-Explicit', omission ? 'omitted' : 'applied')
  if (omission) headers.set('X-AIGC-Explicit-Reason', omission)
}
