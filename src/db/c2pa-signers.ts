/** D1 queries for tenants' C2PA signers (migrations/0007_c2pa_signers.sql). */

export type C2paSignerState = 'pending' | 'active'

export interface C2paSignerRow {
  id: string
  tenant_id: string
  state: C2paSignerState
  namespace: string
  private_key_sealed: string
  csr: string | null
  certificate_chain: string | null
  created_at: string
  activated_at: string | null
}

export async function signerRows(db: D1Database, tenantId: string): Promise<C2paSignerRow[]> {
  return (await db.prepare('SELECT * FROM c2pa_signers WHERE tenant_id = ?').bind(tenantId).all<C2paSignerRow>()).results
}

export async function activeSignerRow(db: D1Database, tenantId: string): Promise<C2paSignerRow | undefined> {
  return (await db.prepare("SELECT * FROM c2pa_signers WHERE tenant_id = ? AND state = 'active'").bind(tenantId).first<C2paSignerRow>()) ?? undefined
}

const insert = (db: D1Database, row: C2paSignerRow, conflict = '') =>
  db
    .prepare(
      `INSERT INTO c2pa_signers (id, tenant_id, state, namespace, private_key_sealed, csr, certificate_chain, created_at, activated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ${conflict}`,
    )
    .bind(row.id, row.tenant_id, row.state, row.namespace, row.private_key_sealed, row.csr, row.certificate_chain, row.created_at, row.activated_at)

const removeState = (db: D1Database, tenantId: string, state: C2paSignerState) =>
  db.prepare('DELETE FROM c2pa_signers WHERE tenant_id = ? AND state = ?').bind(tenantId, state)

/** A new pending key replaces an earlier pending one; the active signer keeps signing. */
export async function putPending(db: D1Database, row: C2paSignerRow): Promise<void> {
  await db.batch([removeState(db, row.tenant_id, 'pending'), insert(db, row)])
}

/** An imported signer replaces the active one at once. */
export async function putActive(db: D1Database, row: C2paSignerRow): Promise<void> {
  await db.batch([removeState(db, row.tenant_id, 'active'), insert(db, row)])
}

/** The pending key becomes the active signer with its chain, in one transaction. */
export async function activatePending(db: D1Database, tenantId: string, id: string, chain: string, at: string): Promise<void> {
  await db.batch([
    removeState(db, tenantId, 'active'),
    db
      .prepare("UPDATE c2pa_signers SET state = 'active', certificate_chain = ?, activated_at = ? WHERE id = ? AND tenant_id = ? AND state = 'pending'")
      .bind(chain, at, id, tenantId),
  ])
}

/** Inserts an active signer only when the tenant has none (the demo seed); false when one exists. */
export async function insertFirstActive(db: D1Database, row: C2paSignerRow): Promise<boolean> {
  return (await insert(db, row, 'ON CONFLICT DO NOTHING').run()).meta.changes === 1
}

export async function removeSigners(db: D1Database, tenantId: string): Promise<number> {
  return (await db.prepare('DELETE FROM c2pa_signers WHERE tenant_id = ?').bind(tenantId).run()).meta.changes
}
