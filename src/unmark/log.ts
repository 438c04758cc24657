/**
 * The delivery log: appending to a tenant's hash chain (safe under concurrent writers),
 * verifying it, exporting it as a stream of pages, and retention.
 */
import * as db from '../db/unmark'
import { GENESIS_HASH, rowHash, verifyRows, type ChainHead, type LogEntry, type LogRow } from './chain'

/** Six months, Measures Art. 9: no configuration may keep logs for less. */
export const MIN_RETENTION_DAYS = 180
const APPEND_ATTEMPTS = 20
const PAGE_ROWS = 5000

/**
 * Appends one entry. Writers race on (tenant, seq): the loser re-reads the head and
 * tries again, so the chain stays linear however many isolates write at once.
 */
export async function appendLog(database: D1Database, tenantId: string, entry: LogEntry): Promise<LogRow> {
  for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
    const head = (await db.chainHead(database, tenantId)) ?? { seq: 0, hash: GENESIS_HASH }
    const seq = head.seq + 1
    const row: LogRow = { ...entry, tenantId, seq, prevHash: head.hash, hash: await rowHash(head.hash, tenantId, seq, entry) }
    if (await db.insertLogRow(database, row)) return row
    await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)))
  }
  throw new Error(`could not append to the unmark log of ${tenantId} after ${APPEND_ATTEMPTS} attempts`)
}

export type Verification =
  | { valid: true; rows: number; head: ChainHead | null; anchor: ChainHead | null }
  | { valid: false; rows: number; firstBadSeq: number; reason: string }

/** Walks the whole chain from its anchor (or genesis) page by page. */
export async function verifyLog(database: D1Database, tenantId: string): Promise<Verification> {
  const anchor = (await db.anchor(database, tenantId)) ?? null
  let head: ChainHead = anchor ?? { seq: 0, hash: GENESIS_HASH }
  let rows = 0
  for (;;) {
    const page = await db.logPage(database, { tenantId, afterSeq: head.seq, limit: PAGE_ROWS })
    if (page.length === 0) break
    const finding = await verifyRows(head, page)
    if (!finding.ok) return { valid: false, rows, firstBadSeq: finding.seq, reason: finding.reason }
    rows += page.length
    head = finding.head
  }
  return { valid: true, rows, head: rows || anchor ? head : null, anchor }
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
