/** Operator tokens: per-tenant credentials of the admin API, stored as hashes. */

export interface OperatorToken {
  id: string
  tenantId: string
  prefix: string
  name: string
  createdAt: string
}

interface OperatorRow {
  id: string
  tenant_id: string
  token_prefix: string
  name: string
  created_at: string
}

const COLUMNS = 'id, tenant_id, token_prefix, name, created_at'
const toToken = (r: OperatorRow): OperatorToken => ({ id: r.id, tenantId: r.tenant_id, prefix: r.token_prefix, name: r.name, createdAt: r.created_at })

export async function insertOperatorToken(db: D1Database, token: OperatorToken & { hash: string }): Promise<void> {
  await db
    .prepare('INSERT INTO operator_tokens (id, tenant_id, token_hash, token_prefix, name, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(token.id, token.tenantId, token.hash, token.prefix, token.name, token.createdAt)
    .run()
}

export async function findOperatorByHash(db: D1Database, hash: string): Promise<OperatorToken | undefined> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM operator_tokens WHERE token_hash = ?`).bind(hash).first<OperatorRow>()
  return row ? toToken(row) : undefined
}

export async function listOperatorTokens(db: D1Database, tenantId: string): Promise<OperatorToken[]> {
  const { results } = await db.prepare(`SELECT ${COLUMNS} FROM operator_tokens WHERE tenant_id = ? ORDER BY created_at`).bind(tenantId).all<OperatorRow>()
  return results.map(toToken)
}

/** Returns false when no such token belongs to the tenant. */
export async function deleteOperatorToken(db: D1Database, tenantId: string, id: string): Promise<boolean> {
  const result = await db.prepare('DELETE FROM operator_tokens WHERE id = ? AND tenant_id = ?').bind(id, tenantId).run()
  return result.meta.changes === 1
}
