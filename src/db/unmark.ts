/** D1 queries for unmark grants, the delivery log and its retention anchors. */
import type { SigningAlgorithm } from '../label/signature'
import type { ChainHead, LogEntry, LogRow } from '../unmark/chain'

export type GrantStatus = 'pending' | 'approved' | 'rejected' | 'revoked'

export interface Grant {
  id: string
  tenantId: string
  user: string
  purpose: string
  agreementVersion: string
  acceptedAt: string
  identity: Record<string, string>
  status: GrantStatus
  createdAt: string
  decidedAt: string | null
  expiresAt: string | null
  note: string | null
}

interface GrantRow {
  id: string
  tenant_id: string
  end_user: string
  purpose: string
  agreement_version: string
  accepted_at: string
  identity: string
  status: GrantStatus
  created_at: string
  decided_at: string | null
  expires_at: string | null
  note: string | null
}

const toGrant = (r: GrantRow): Grant => ({
  id: r.id,
  tenantId: r.tenant_id,
  user: r.end_user,
  purpose: r.purpose,
  agreementVersion: r.agreement_version,
  acceptedAt: r.accepted_at,
  identity: JSON.parse(r.identity),
  status: r.status,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
  expiresAt: r.expires_at,
  note: r.note,
})

export async function insertGrant(db: D1Database, g: Grant): Promise<void> {
  await db
    .prepare(
      `INSERT INTO unmark_grants (id, tenant_id, end_user, purpose, agreement_version, accepted_at, identity,
         status, created_at, decided_at, expires_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(g.id, g.tenantId, g.user, g.purpose, g.agreementVersion, g.acceptedAt, JSON.stringify(g.identity), g.status, g.createdAt, g.decidedAt, g.expiresAt, g.note)
    .run()
}

/** A grant of this tenant only: another tenant's grant id reads as unknown. */
export async function getGrant(db: D1Database, tenantId: string, id: string): Promise<Grant | undefined> {
  const row = await db.prepare('SELECT * FROM unmark_grants WHERE id = ? AND tenant_id = ?').bind(id, tenantId).first<GrantRow>()
  return row ? toGrant(row) : undefined
}

export async function listGrants(db: D1Database, tenantId: string, status?: GrantStatus): Promise<Grant[]> {
  const { results } = await db
    .prepare(`SELECT * FROM unmark_grants WHERE tenant_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY created_at DESC LIMIT 1000`)
    .bind(tenantId, status ?? null)
    .all<GrantRow>()
  return results.map(toGrant)
}

/** Moves a grant from one of `from` to `to`; false when it was not in such a state. */
export async function decideGrant(
  db: D1Database,
  g: Pick<Grant, 'id' | 'tenantId' | 'status' | 'decidedAt' | 'expiresAt' | 'note'>,
  from: GrantStatus[],
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE unmark_grants SET status = ?, decided_at = ?, expires_at = ?, note = ?
       WHERE id = ? AND tenant_id = ? AND status IN (SELECT value FROM json_each(?))`,
    )
    .bind(g.status, g.decidedAt, g.expiresAt, g.note, g.id, g.tenantId, JSON.stringify(from))
    .run()
  return result.meta.changes === 1
}

interface LogDbRow {
  tenant_id: string
  seq: number
  event: LogEntry['event']
  at: string
  grant_id: string | null
  end_user: string | null
  produce_ids: string
  content_kind: string | null
  route: string | null
  client_ip: string | null
  user_agent: string | null
  request_id: string | null
  details: string | null
  prev_hash: string
  hash: string
}

const toLogRow = (r: LogDbRow): LogRow => ({
  tenantId: r.tenant_id,
  seq: r.seq,
  event: r.event,
  at: r.at,
  grantId: r.grant_id,
  endUser: r.end_user,
  produceIds: JSON.parse(r.produce_ids),
  contentKind: r.content_kind,
  route: r.route,
  clientIp: r.client_ip,
  userAgent: r.user_agent,
  requestId: r.request_id,
  details: r.details === null ? null : JSON.parse(r.details),
  prevHash: r.prev_hash,
  hash: r.hash,
})

/** The last row of the chain, else the retention anchor, else undefined (empty chain). */
export async function chainHead(db: D1Database, tenantId: string): Promise<ChainHead | undefined> {
  const last = await db
    .prepare('SELECT seq, hash FROM unmark_log WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1')
    .bind(tenantId)
    .first<ChainHead>()
  return last ?? (await anchor(db, tenantId))
}

export async function anchor(db: D1Database, tenantId: string): Promise<ChainHead | undefined> {
  return (await db.prepare('SELECT seq, hash FROM unmark_log_anchor WHERE tenant_id = ?').bind(tenantId).first<ChainHead>()) ?? undefined
}

const insertRow = (db: D1Database, row: LogRow) =>
  db
    .prepare(
      `INSERT INTO unmark_log (tenant_id, seq, event, at, grant_id, end_user, produce_ids, content_kind, route,
         client_ip, user_agent, request_id, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      row.tenantId, row.seq, row.event, row.at, row.grantId, row.endUser, JSON.stringify(row.produceIds), row.contentKind,
      row.route, row.clientIp, row.userAgent, row.requestId, row.details === null ? null : JSON.stringify(row.details),
      row.prevHash, row.hash,
    )

/**
 * Inserts consecutive rows in one transaction. A taken (tenant, seq) is an error, not a
 * skip: the primary key stays the backstop should a second writer ever appear.
 */
export async function insertLogRows(db: D1Database, rows: LogRow[]): Promise<void> {
  await db.batch(rows.map((row) => insertRow(db, row)))
}

export interface LogQuery {
  tenantId: string
  afterSeq: number
  from?: string
  to?: string
  limit: number
}

/** Rows in sequence order after `afterSeq`, optionally within [from, to). */
export async function logPage(db: D1Database, q: LogQuery): Promise<LogRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM unmark_log WHERE tenant_id = ?1 AND seq > ?2 AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4)
       ORDER BY seq LIMIT ?5`,
    )
    .bind(q.tenantId, q.afterSeq, q.from ?? null, q.to ?? null, q.limit)
    .all<LogDbRow>()
  return results.map(toLogRow)
}

/** Sequence numbers of up to `count` matching rows, skipping the first `offset`. */
export async function seqWindow(db: D1Database, q: Omit<LogQuery, 'limit'>, offset: number, count: number): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT seq FROM unmark_log WHERE tenant_id = ?1 AND seq > ?2 AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4)
       ORDER BY seq LIMIT ?6 OFFSET ?5`,
    )
    .bind(q.tenantId, q.afterSeq, q.from ?? null, q.to ?? null, offset, count)
    .all<{ seq: number }>()
  return results.map((r) => r.seq)
}

export async function loggedTenants(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare('SELECT DISTINCT tenant_id FROM unmark_log').all<{ tenant_id: string }>()
  return results.map((r) => r.tenant_id)
}

/**
 * The longest prefix of the chain whose rows are all older than `cutoff`: its last row,
 * or undefined when the first row is already young enough to keep.
 */
export async function expiredPrefixEnd(db: D1Database, tenantId: string, cutoff: string): Promise<ChainHead | undefined> {
  const row = await db
    .prepare(
      `SELECT seq, hash FROM unmark_log WHERE tenant_id = ?1 AND at < ?2
         AND seq < COALESCE((SELECT MIN(seq) FROM unmark_log WHERE tenant_id = ?1 AND at >= ?2), 9223372036854775807)
       ORDER BY seq DESC LIMIT 1`,
    )
    .bind(tenantId, cutoff)
    .first<ChainHead>()
  return row ?? undefined
}

/** Deletes rows up to `end.seq` and records `end` as the new anchor, in one transaction. */
export async function pruneLog(db: D1Database, tenantId: string, end: ChainHead, now: string): Promise<number> {
  const [deleted] = await db.batch([
    db.prepare('DELETE FROM unmark_log WHERE tenant_id = ? AND seq <= ?').bind(tenantId, end.seq),
    db
      .prepare(
        `INSERT INTO unmark_log_anchor (tenant_id, seq, hash, pruned_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at`,
      )
      .bind(tenantId, end.seq, end.hash, now),
  ])
  return deleted!.meta.changes
}

/** A chain head signed with the tenant's key by the daily job (see src/unmark/anchors.ts). */
export interface SignedAnchor {
  tenantId: string
  /** UTC day of the run, YYYY-MM-DD: one anchor per tenant and day. */
  day: string
  seq: number
  hash: string
  /** Where the chain started (the retention anchor, or seq 0 and the genesis hash). */
  startSeq: number
  startHash: string
  signedAt: string
  keyId: string
  algorithm: SigningAlgorithm
  publicKey: string
  signature: string
}

interface SignedAnchorRow {
  tenant_id: string
  day: string
  seq: number
  hash: string
  start_seq: number
  start_hash: string
  signed_at: string
  key_id: string
  algorithm: SigningAlgorithm
  public_key: string
  signature: string
}

const toSignedAnchor = (r: SignedAnchorRow): SignedAnchor => ({
  tenantId: r.tenant_id,
  day: r.day,
  seq: r.seq,
  hash: r.hash,
  startSeq: r.start_seq,
  startHash: r.start_hash,
  signedAt: r.signed_at,
  keyId: r.key_id,
  algorithm: r.algorithm,
  publicKey: r.public_key,
  signature: r.signature,
})

/** Existing tenants that have a chain (rows, or a retention anchor after pruning). */
export async function chainedTenants(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare('SELECT id FROM tenants WHERE id IN (SELECT tenant_id FROM unmark_log UNION SELECT tenant_id FROM unmark_log_anchor) ORDER BY id')
    .all<{ id: string }>()
  return results.map((r) => r.id)
}

/** A second run on the same day replaces that day's anchor with the later head. */
export async function putSignedAnchor(db: D1Database, a: SignedAnchor): Promise<void> {
  await db
    .prepare(
      `INSERT INTO unmark_log_signed_anchors (tenant_id, day, seq, hash, start_seq, start_hash, signed_at, key_id, algorithm, public_key, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, day) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, start_seq = excluded.start_seq,
         start_hash = excluded.start_hash, signed_at = excluded.signed_at, key_id = excluded.key_id,
         algorithm = excluded.algorithm, public_key = excluded.public_key, signature = excluded.signature`,
    )
    .bind(a.tenantId, a.day, a.seq, a.hash, a.startSeq, a.startHash, a.signedAt, a.keyId, a.algorithm, a.publicKey, a.signature)
    .run()
}

/** Newest first. */
export async function signedAnchors(db: D1Database, tenantId: string, limit: number): Promise<SignedAnchor[]> {
  const { results } = await db
    .prepare('SELECT * FROM unmark_log_signed_anchors WHERE tenant_id = ? ORDER BY day DESC LIMIT ?')
    .bind(tenantId, limit)
    .all<SignedAnchorRow>()
  return results.map(toSignedAnchor)
}
