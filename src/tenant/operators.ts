/** Operator tokens: a tenant's own admin credential, issued by the platform admin, shown once. */
import { randomToken, sha256Hex } from '../crypto'
import * as db from '../db/operators'
import { GatewayError } from '../errors'
import type { Actor } from '../unmark/audit'

const TOKEN_PREFIX = 'op-aigc-'

export async function issueOperatorToken(database: D1Database, tenantId: string, name: string, now: Date) {
  const token = TOKEN_PREFIX + randomToken(40)
  const record = { id: `op_${randomToken(16)}`, tenantId, prefix: token.slice(0, 12), name, createdAt: now.toISOString() }
  await db.insertOperatorToken(database, { ...record, hash: await sha256Hex(token) })
  return { ...record, token }
}

export async function revokeOperatorToken(database: D1Database, tenantId: string, id: string): Promise<void> {
  if (!(await db.deleteOperatorToken(database, tenantId, id))) throw new GatewayError(404, 'not_found', `tenant "${tenantId}" has no operator token "${id}"`)
}

/** The operator a bearer token belongs to; looked up on every call, so a revoked token stops at once. */
export async function operatorForToken(database: D1Database, token: string): Promise<Actor | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined
  const found = await db.findOperatorByHash(database, await sha256Hex(token))
  return found && { kind: 'operator', tokenId: found.id, name: found.name, tenantId: found.tenantId }
}

export { listOperatorTokens } from '../db/operators'
