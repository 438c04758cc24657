/**
 * Unmark grants (Measures Art. 9): a user whose agreement moved the labelling duty to
 * them may receive content without the explicit label. Applications, decisions and every
 * unlabelled delivery go into the tenant's delivery log.
 */
import { randomToken } from '../crypto'
import * as db from '../db/unmark'
import type { Grant, GrantStatus } from '../db/unmark'
import { GatewayError } from '../errors'
import type { Tenant } from '../tenant/service'
import { parseWith } from '../tenant/schema'
import { requestEntry, type LogEvent, type RequestInfo } from './chain'
import { actorRecord, type Actor } from './audit'
import { appendLog } from './log'
import { grantApplicationSchema } from './schemas'

export type { Grant }



const DAY_MS = 86_400_000
/** Clock skew tolerated on `acceptedAt`. */
const SKEW_MS = 5 * 60_000

const entry = (event: LogEvent, grant: Grant, info: RequestInfo, now: Date, details: Record<string, unknown>) =>
  requestEntry(event, info, now, { grantId: grant.id, endUser: grant.user, details })

export async function applyForGrant(database: D1Database, tenant: Tenant, input: unknown, info: RequestInfo, now: Date): Promise<Grant> {
  const policy = tenant.unmark
  if (!policy.allowed) throw new GatewayError(403, 'unmark_not_allowed', 'this service does not allow content without the explicit label')
  const spec = parseWith(grantApplicationSchema, input)
  if (spec.agreementVersion !== policy.agreementVersion) {
    throw new GatewayError(422, 'agreement_version_mismatch', `agreementVersion must be "${policy.agreementVersion}", the version users must accept`, 'agreementVersion')
  }
  if (Date.parse(spec.acceptedAt) > now.getTime() + SKEW_MS) {
    throw new GatewayError(400, 'invalid_request', 'acceptedAt: is in the future', 'acceptedAt')
  }
  for (const field of policy.requiredIdentity) {
    if (!spec.identity[field]) throw new GatewayError(400, 'invalid_request', `identity.${field}: is required by this service`, `identity.${field}`)
  }
  const approved = policy.autoApprove
  const grant: Grant = {
    id: `grant_${randomToken(20)}`,
    tenantId: tenant.id,
    user: spec.user,
    purpose: spec.purpose,
    agreementVersion: spec.agreementVersion,
    acceptedAt: new Date(spec.acceptedAt).toISOString(),
    identity: spec.identity,
    status: approved ? 'approved' : 'pending',
    createdAt: now.toISOString(),
    decidedAt: approved ? now.toISOString() : null,
    expiresAt: approved ? new Date(now.getTime() + policy.grantTtlDays * DAY_MS).toISOString() : null,
    note: approved ? 'auto-approved' : null,
  }
  // The log is written first: no grant exists that the log does not know of.
  const { purpose, agreementVersion, acceptedAt, identity } = grant
  await appendLog(tenant.id, entry('grant_applied', grant, info, now, { purpose, agreementVersion, acceptedAt, identity }))
  if (approved) await appendLog(tenant.id, entry('grant_approved', grant, info, now, { auto: true, expiresAt: grant.expiresAt }))
  await db.insertGrant(database, grant)
  return grant
}

export type GrantAction = 'approve' | 'reject' | 'revoke'

const TRANSITIONS: Record<GrantAction, { from: GrantStatus[]; to: GrantStatus; event: LogEvent }> = {
  approve: { from: ['pending'], to: 'approved', event: 'grant_approved' },
  reject: { from: ['pending'], to: 'rejected', event: 'grant_rejected' },
  revoke: { from: ['pending', 'approved'], to: 'revoked', event: 'grant_revoked' },
}

export async function decide(
  database: D1Database,
  tenant: Tenant,
  grantId: string,
  action: GrantAction,
  note: string | null,
  actor: Actor,
  info: RequestInfo,
  now: Date,
): Promise<Grant> {
  const current = await db.getGrant(database, tenant.id, grantId)
  if (!current) throw new GatewayError(404, 'not_found', `tenant "${tenant.id}" has no unmark grant "${grantId}"`)
  const { from, to, event } = TRANSITIONS[action]
  const next: Grant = {
    ...current,
    status: to,
    decidedAt: now.toISOString(),
    expiresAt: to === 'approved' ? new Date(now.getTime() + tenant.unmark.grantTtlDays * DAY_MS).toISOString() : current.expiresAt,
    note,
  }
  if (!(await db.decideGrant(database, next, from))) {
    throw new GatewayError(409, 'conflict', `grant "${grantId}" is ${current.status}; only a ${from.join(' or ')} grant can be ${to}`)
  }
  try {
    await appendLog(tenant.id, entry(event, next, info, now, { from: current.status, note, expiresAt: next.expiresAt, actor: actorRecord(actor) }))
  } catch (error) {
    // An unlogged decision must not stand.
    await db.decideGrant(database, current, [to])
    throw error
  }
  return next
}

export type GrantCheck = { grant: Grant } | { refused: string }

/** Whether this request may receive content without the explicit label, and why not. */
export async function checkGrant(database: D1Database, tenant: Tenant, grantId: string, user: string | undefined, now: Date): Promise<GrantCheck> {
  if (!tenant.unmark.allowed) return { refused: 'unmark-not-allowed' }
  const grant = await db.getGrant(database, tenant.id, grantId)
  if (!grant) return { refused: 'unknown-grant' }
  if (!user) return { refused: 'user-missing' }
  if (grant.user !== user) return { refused: 'wrong-user' }
  if (grant.status !== 'approved') return { refused: `grant-${grant.status}` }
  if (!grant.expiresAt || Date.parse(grant.expiresAt) <= now.getTime()) return { refused: 'grant-expired' }
  return { grant }
}

/** Logs an unlabelled delivery; the caller sends nothing unlabelled unless this resolves. */
export async function recordDelivery(
  tenant: Tenant,
  grant: Grant,
  delivery: { produceIds: string[]; contentKind: string },
  info: RequestInfo,
  now: Date,
): Promise<void> {
  const row = entry('delivery', grant, info, now, {})
  await appendLog(tenant.id, { ...row, ...delivery, details: null })
}
