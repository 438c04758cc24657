/**
 * The delivery log: appending to a tenant's hash chain (through its single writer),
 * verifying it against the signed anchors, exporting it as a stream of pages, and retention.
 */
import { env } from 'cloudflare:workers'
import { getTenant } from '../db/tenants'
import * as db from '../db/unmark'
import { latestSignedAnchor, type AnchorStores, type SignedAnchor } from './anchors'
import { MIN_RETENTION_DAYS } from '../label/rules'
import { GENESIS_HASH, verifyRows, type ChainHead, type LogEntry, type LogRow } from './chain'

const PAGE_ROWS = 5000

/**
 * Appends one entry through the tenant's Durable Object, which orders every append of
 * that tenant; resolves once the row is in D1. The namespace comes from the Worker's env
 * rather than a parameter: the grant functions are handed only the database by their
 * routes, and a log append must not depend on each caller passing the right binding.
 */
export function appendLog(tenantId: string, entry: LogEntry): Promise<LogRow> {
  const logs = env.UNMARK_LOG
  return logs.get(logs.idFromName(tenantId)).append(tenantId, entry)
}

export type Verification =
  | { valid: true; rows: number; head: ChainHead | null; anchor: ChainHead | null; signedAnchor: Pick<SignedAnchor, 'day' | 'seq' | 'hash' | 'signedAt' | 'keyId'> | null }
  | { valid: false; rows: number; firstBadSeq: number | null; reason: string }

/**
 * Walks the whole chain from its retention anchor (or genesis) page by page, and holds it
 * against the newest signed anchor: the signed head must still be in the chain with its
 * hash, and the chain must still start where it started when it was signed.
 */
export async function verifyLog(stores: AnchorStores, tenantId: string): Promise<Verification> {
  const anchor = (await db.anchor(stores.DB, tenantId)) ?? null
  const start: ChainHead = anchor ?? { seq: 0, hash: GENESIS_HASH }
  const check = await latestSignedAnchor(stores, tenantId)
  if ('problem' in check) return { valid: false, rows: 0, firstBadSeq: null, reason: check.problem }
  const signed = check.anchor
  // Only the daily job prunes, and it signs right after, so a live tenant's start never moves
  // past the signed one. A deleted tenant is still pruned but no longer signed.
  if (signed && (signed.startSeq !== start.seq || signed.startHash !== start.hash) && (await getTenant(stores.DB, tenantId))) {
    return {
      valid: false, rows: 0, firstBadSeq: Math.min(signed.startSeq, start.seq) + 1,
      reason: `the chain starts after seq ${start.seq}, but the head signed on ${signed.day} has it start after seq ${signed.startSeq}: rows were deleted or the start rewritten`,
    }
  }
  let head = start
  let rows = 0
  for (;;) {
    const page = await db.logPage(stores.DB, { tenantId, afterSeq: head.seq, limit: PAGE_ROWS })
    if (page.length === 0) break
    const finding = await verifyRows(head, page)
    if (!finding.ok) return { valid: false, rows, firstBadSeq: finding.seq, reason: finding.reason }
    const signedRow = signed && page.find((r) => r.seq === signed.seq)
    if (signedRow && signedRow.hash !== signed.hash) {
      return { valid: false, rows, firstBadSeq: signed.seq, reason: `row ${signed.seq} is not the head signed on ${signed.day}: the chain was rewritten at or before it` }
    }
    rows += page.length
    head = finding.head
  }
  if (signed && signed.seq > head.seq) {
    return { valid: false, rows, firstBadSeq: head.seq + 1, reason: `the chain ends at seq ${head.seq}, before the head seq ${signed.seq} signed on ${signed.day}: rows were deleted` }
  }
  if (signed && signed.seq === start.seq && signed.hash !== start.hash) {
    return { valid: false, rows, firstBadSeq: start.seq, reason: `the retention anchor is not the head signed on ${signed.day}` }
  }
  return {
    valid: true, rows, head: rows || anchor ? head : null, anchor,
    signedAnchor: signed && { day: signed.day, seq: signed.seq, hash: signed.hash, signedAt: signed.signedAt, keyId: signed.keyId },
  }
}

export interface ExportQuery {
  tenantId: string
  from?: string
  to?: string
  /** Rows after this sequence number (the previous response's X-Next-After). */
  after: number
  limit: number
}

/** Where the next export request starts when this one stops at `limit` rows. */
export async function nextAfter(database: D1Database, q: ExportQuery): Promise<number | undefined> {
  const [last, more] = await db.seqWindow(database, { ...q, afterSeq: q.after }, q.limit - 1, 2)
  return more === undefined ? undefined : last
}

/** Streams rows page by page: memory holds one page, never the export. */
export function exportRows(database: D1Database, q: ExportQuery, format: (row: LogRow) => string, header = ''): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let after = q.after
  let left = q.limit
  let started = false
  return new ReadableStream({
    async pull(controller) {
      const page = left > 0 ? await db.logPage(database, { ...q, afterSeq: after, limit: Math.min(PAGE_ROWS, left) }) : []
      const head = started ? '' : header
      started = true
      if (page.length === 0) {
        if (head) controller.enqueue(encoder.encode(head))
        controller.close()
        return
      }
      after = page[page.length - 1]!.seq
      left -= page.length
      controller.enqueue(encoder.encode(head + page.map(format).join('')))
    },
  })
}

export interface RetentionResult {
  tenantId: string
  deleted: number
}

/**
 * Deletes each tenant's rows older than its retention (never under 180 days), oldest
 * first and only as a prefix of the chain, then anchors the chain at the last deleted
 * row so it still verifies.
 */
export async function enforceRetention(
  database: D1Database,
  retentionDaysOf: (tenantId: string) => Promise<number>,
  now: Date,
): Promise<RetentionResult[]> {
  const results: RetentionResult[] = []
  for (const tenantId of await db.loggedTenants(database)) {
    const days = Math.max(MIN_RETENTION_DAYS, await retentionDaysOf(tenantId))
    const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString()
    const end = await db.expiredPrefixEnd(database, tenantId, cutoff)
    if (end) results.push({ tenantId, deleted: await db.pruneLog(database, tenantId, end, now.toISOString()) })
  }
  return results
}
