/** D1 queries for label signing keys. */
import type { SigningAlgorithm } from '../label/signature'

export interface SigningKeyRecord {
  id: string
  tenantId: string
  providerCode: string
  algorithm: SigningAlgorithm
  publicKey: string
  validFrom: string
  validUntil: string | null
}

interface SigningKeyRow {
  id: string
  tenant_id: string
  provider_code: string
  algorithm: SigningAlgorithm
  public_key: string
  private_key_sealed: string | null
  valid_from: string
  valid_until: string | null
}

const toRecord = (row: SigningKeyRow): SigningKeyRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  providerCode: row.provider_code,
  algorithm: row.algorithm,
  publicKey: row.public_key,
  validFrom: row.valid_from,
  validUntil: row.valid_until,
})

export async function activeKey(db: D1Database, tenantId: string): Promise<(SigningKeyRecord & { privateKeySealed: string }) | undefined> {
  const row = await db
    .prepare('SELECT * FROM signing_keys WHERE tenant_id = ? AND valid_until IS NULL AND private_key_sealed IS NOT NULL')
    .bind(tenantId)
    .first<SigningKeyRow>()
  return row ? { ...toRecord(row), privateKeySealed: row.private_key_sealed! } : undefined
}

type NewKey = Omit<SigningKeyRecord, 'validUntil'> & { privateKeySealed: string }

const insert = (db: D1Database, key: NewKey) =>
  db
    .prepare(
      `INSERT INTO signing_keys (id, tenant_id, provider_code, algorithm, public_key, private_key_sealed, valid_from)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    )
    .bind(key.id, key.tenantId, key.providerCode, key.algorithm, key.publicKey, key.privateKeySealed, key.validFrom)

const retire = (db: D1Database, tenantId: string, at: string) =>
  db.prepare('UPDATE signing_keys SET valid_until = ?, private_key_sealed = NULL WHERE tenant_id = ? AND valid_until IS NULL').bind(at, tenantId)

/** Adds the tenant's first active key; false when another writer got there first. */
export async function insertFirstKey(db: D1Database, key: NewKey): Promise<boolean> {
  return (await insert(db, key).run()).meta.changes === 1
}

/** Retires the active key and activates `key`, in one transaction. */
export async function replaceActiveKey(db: D1Database, key: NewKey): Promise<void> {
  await db.batch([retire(db, key.tenantId, key.validFrom), insert(db, key)])
}

/** A deleted tenant signs nothing more; its public keys stay published. */
export async function retireKeys(db: D1Database, tenantId: string, at: string): Promise<void> {
  await retire(db, tenantId, at).run()
}

export async function listKeys(db: D1Database, tenantId?: string): Promise<SigningKeyRecord[]> {
  const query = tenantId
    ? db.prepare('SELECT * FROM signing_keys WHERE tenant_id = ? ORDER BY valid_from').bind(tenantId)
    : db.prepare('SELECT * FROM signing_keys ORDER BY tenant_id, valid_from')
  return (await query.all<SigningKeyRow>()).results.map(toRecord)
}

export async function findKeyByPublicKey(db: D1Database, publicKey: string): Promise<SigningKeyRecord | undefined> {
  const row = await db.prepare('SELECT * FROM signing_keys WHERE public_key = ?').bind(publicKey.toLowerCase()).first<SigningKeyRow>()
  return row ? toRecord(row) : undefined
}
