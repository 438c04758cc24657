/**
 * The hash chain that makes each tenant's delivery log tamper-evident. Pure: rows in,
 * hashes and findings out. A row's hash covers the previous row's hash and every field
 * of its own, so editing, deleting or reordering a row breaks every hash after it.
 */
import { sha256Hex } from '../crypto'

export interface LogEntry {
  event: LogEvent
  at: string
  grantId: string | null
  endUser: string | null
  produceIds: string[]
  contentKind: string | null
  route: string | null
  clientIp: string | null
  userAgent: string | null
  requestId: string | null
  details: Record<string, unknown> | null
}

/** Who asked, as the delivery log records it. */
export interface RequestInfo {
  route: string
  clientIp: string | null
  userAgent: string | null
  requestId: string
}

/** An entry about one request: who asked (route, address, agent, request id) and when; what it concerns in `fields`. */
export function requestEntry(event: LogEvent, info: RequestInfo, now: Date, fields: Partial<Pick<LogEntry, 'grantId' | 'endUser' | 'produceIds' | 'contentKind' | 'details'>>): LogEntry {
  return {
    event, at: now.toISOString(), grantId: null, endUser: null, produceIds: [], contentKind: null,
    route: info.route, clientIp: info.clientIp, userAgent: info.userAgent, requestId: info.requestId, details: null,
    ...fields,
  }
}

/** `admin_action`: a change of label settings, policy, keys or operators (unmark/audit.ts). */
export type LogEvent = 'delivery' | 'grant_applied' | 'grant_approved' | 'grant_rejected' | 'grant_revoked' | 'admin_action'

export interface LogRow extends LogEntry {
  tenantId: string
  seq: number
  prevHash: string
  hash: string
}

/** The hash before the first row of a chain. */
export const GENESIS_HASH = '0'.repeat(64)

/** Hash input: a JSON array in fixed field order, so no field can bleed into the next. */
export function rowHash(prevHash: string, tenantId: string, seq: number, e: LogEntry): Promise<string> {
  return sha256Hex(
    JSON.stringify([
      prevHash, tenantId, seq, e.event, e.at, e.grantId, e.endUser, e.produceIds, e.contentKind,
      e.route, e.clientIp, e.userAgent, e.requestId, e.details,
    ]),
  )
}

export interface ChainHead {
  seq: number
  hash: string
}

export type ChainFinding = { ok: true; head: ChainHead } | { ok: false; seq: number; reason: string }

/**
 * Checks consecutive rows against the head that precedes them. Call it page by page,
 * passing on the head it returns.
 */
export async function verifyRows(head: ChainHead, rows: LogRow[]): Promise<ChainFinding> {
  let { seq, hash } = head
  for (const row of rows) {
    if (row.seq !== seq + 1) return { ok: false, seq: seq + 1, reason: `row ${seq + 1} is missing` }
    if (row.prevHash !== hash) return { ok: false, seq: row.seq, reason: 'prev_hash does not match the row before it' }
    if ((await rowHash(row.prevHash, row.tenantId, row.seq, row)) !== row.hash) {
      return { ok: false, seq: row.seq, reason: 'the row was changed after it was written' }
    }
    seq = row.seq
    hash = row.hash
  }
  return { ok: true, head: { seq, hash } }
}
