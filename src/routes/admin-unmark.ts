/** Admin routes for unmark grants and the delivery log of one tenant (/admin/tenants/:id/...). */
import { Hono } from 'hono'
import { z } from 'zod'
import { listGrants, signedAnchors, type GrantStatus } from '../db/unmark'
import { GatewayError } from '../errors'
import { requireTenant } from '../tenant/service'
import { parseWith } from '../tenant/schema'
import type { LogRow } from '../unmark/chain'
import { decide, type GrantAction } from '../unmark/grants'
import { exportRows, nextAfter, verifyLog } from '../unmark/log'
import { grantDecisionSchema, unmarkLogQuerySchema } from '../unmark/schemas'
import { parseJsonObject } from './json'
import { requestInfo, type AppEnv } from './types'
import { cappedText } from './body'

export const adminUnmark = new Hono<AppEnv>()

const STATUSES = ['pending', 'approved', 'rejected', 'revoked'] as const

adminUnmark.get('/unmark-grants', async (c) => {
  const tenant = await requireTenant(c.env.DB, c.req.param('id')!)
  const status = parseWith(z.enum(STATUSES).optional(), c.req.query('status')) as GrantStatus | undefined
  return c.json({ data: await listGrants(c.env.DB, tenant.id, status) })
})

for (const action of ['approve', 'reject', 'revoke'] as const satisfies GrantAction[]) {
  adminUnmark.post(`/unmark-grants/:grantId/${action}`, async (c) => {
    const tenant = await requireTenant(c.env.DB, c.req.param('id')!)
    const text = await cappedText(c.req.raw, 'jsonBodyBytes', 'the JSON request body')
    const body = text.trim() ? parseJsonObject(text) : {}
    const { note } = parseWith(grantDecisionSchema, body)
    const grant = await decide(c.env.DB, tenant, c.req.param('grantId'), action, note ?? null, c.get('actor'), requestInfo(c), new Date())
    return c.json(grant)
  })
}

adminUnmark.get('/unmark-log/verify', async (c) => {
  const tenant = c.req.param('id')!
  return c.json(await verifyLog(c.env, tenant))
})

const MAX_ANCHORS = 1000

/** The daily signed chain heads, newest first (the log outlives its tenant, and so do these). */
adminUnmark.get('/unmark-log/anchors', async (c) => {
  return c.json({ data: await signedAnchors(c.env.DB, c.req.param('id')!, MAX_ANCHORS) })
})


const CSV_COLUMNS = ['seq', 'event', 'at', 'grantId', 'endUser', 'produceIds', 'contentKind', 'route', 'clientIp', 'userAgent', 'requestId', 'details', 'prevHash', 'hash'] as const

/** Cells a spreadsheet would read as a formula (OWASP CSV injection); `'` makes them text. */
const FORMULA_START = /^[=+\-@\t\r]/

function csvField(value: unknown): string {
  const raw = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const FORMATS = {
  jsonl: { type: 'application/x-ndjson', header: '', row: (r: LogRow) => `${JSON.stringify(r)}\n` },
  csv: {
    type: 'text/csv; charset=utf-8',
    header: `${CSV_COLUMNS.join(',')}\r\n`,
    row: (r: LogRow) => `${CSV_COLUMNS.map((k) => csvField(r[k])).join(',')}\r\n`,
  },
}

/**
 * Streams the log one page at a time. A response holds at most `limit` rows; when more
 * remain, X-Next-After names the `after` value of the next request.
 */
adminUnmark.get('/unmark-log', async (c) => {
  const tenantId = c.req.param('id')!
  const q = parseWith(unmarkLogQuerySchema, c.req.query())
  if (q.from && q.to && q.from >= q.to) throw new GatewayError(400, 'invalid_request', 'from: must be before to', 'from')
  const query = { tenantId, from: q.from, to: q.to, after: q.after, limit: q.limit }
  const format = FORMATS[q.format]
  const next = await nextAfter(c.env.DB, query)
  const headers: Record<string, string> = {
    'content-type': format.type,
    'content-disposition': `attachment; filename="unmark-log-${tenantId}.${q.format}"`,
  }
  if (next !== undefined) headers['X-Next-After'] = String(next)
  return new Response(exportRows(c.env.DB, query, format.row, format.header), { headers })
})
