/**
 * Who changed what in a tenant's responsibility (label settings, unmark policy and
 * retention, keys, C2PA signers, operators, grant decisions), written into the tenant's hash-chained log
 * beside the deliveries, so the trail an auditor reads is as tamper-evident as they are.
 */
import { requestEntry, type RequestInfo } from './chain'
import { appendLog } from './log'

/** The platform admin (ADMIN_TOKEN), or one of the tenant's operators by token id and name. */
export type Actor = { kind: 'platform' } | { kind: 'operator'; tokenId: string; name: string; tenantId: string }

export type AdminAction =
  | 'tenant.created'
  | 'tenant.changed'
  | 'tenant.deleted'
  | 'key.issued'
  | 'key.revoked'
  | 'signing-key.rotated'
  | 'c2pa-signer.requested'
  | 'c2pa-signer.set'
  | 'c2pa-signer.removed'
  | 'operator-token.issued'
  | 'operator-token.revoked'

/** The actor as the log records it: never a token, only its id and holder. */
export function actorRecord(actor: Actor): Record<string, string> {
  return actor.kind === 'platform' ? { kind: 'platform' } : { kind: 'operator', tokenId: actor.tokenId, name: actor.name }
}

export async function recordAdminAction(
  tenantId: string,
  actor: Actor,
  action: AdminAction,
  details: Record<string, unknown>,
  info: RequestInfo,
  now: Date,
): Promise<void> {
  const entry = requestEntry('admin_action', info, now, { details: { action, actor: actorRecord(actor), ...details } })
  await appendLog(tenantId, entry)
}

type Plain = Record<string, unknown>
const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Every leaf that differs, by dotted path: `{ "labels.image.position": { from, to } }`. */
export function changedFields(before: Plain, after: Plain, prefix = ''): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [from, to] = [before[key], after[key]]
    const path = prefix + key
    if (isPlain(from) && isPlain(to)) Object.assign(changes, changedFields(from, to, `${path}.`))
    else if (JSON.stringify(from) !== JSON.stringify(to)) changes[path] = { from: from ?? null, to: to ?? null }
  }
  return changes
}
