/**
 * Admin routes for a tenant's C2PA signer (/admin/tenants/:id/c2pa-signer…): the gateway
 * makes an ES256 key and a CSR, the operator sets the chain the CA issued, or imports key and
 * chain; removing it makes the tenant's images go out stripped of C2PA. Each change is in the
 * tenant's hash-chained log (certificate facts only, never key material), before it is made.
 */
import { Hono, type Context } from 'hono'
import { c2paCertificateSchema, c2paCsrSchema, c2paImportSchema } from '../c2pa/schemas'
import * as db from '../db/c2pa-signers'
import { GatewayError } from '../errors'
import { forgetC2paSigner, importedSigner, pendingSigner, pendingWithChain, signerStatus } from '../tenant/c2pa-signer'
import { parseWith } from '../tenant/schema'
import { requireTenant } from '../tenant/service'
import { recordAdminAction, type AdminAction } from '../unmark/audit'
import { cappedJson } from './body'
import { requestInfo, type AppEnv } from './types'

export const adminC2pa = new Hono<AppEnv>()

const record = (c: Context<AppEnv>, tenantId: string, action: AdminAction, details: Record<string, unknown>) =>
  recordAdminAction(tenantId, c.get('actor'), action, details, requestInfo(c), new Date())

async function tenantId(c: Context<AppEnv>): Promise<string> {
  return (await requireTenant(c.env.DB, c.req.param('id')!)).id
}

adminC2pa.get('/c2pa-signer', async (c) => c.json(await signerStatus(c.env.DB, await tenantId(c))))

/** A new key and its CSR; the active signer (if any) signs until the chain for it is set. */
adminC2pa.post('/c2pa-signer/csr', async (c) => {
  const id = await tenantId(c)
  const input = parseWith(c2paCsrSchema, await cappedJson(c.req.raw))
  const row = await pendingSigner(c.get('config'), id, input, new Date())
  await record(c, id, 'c2pa-signer.requested', { signerId: row.id, namespace: row.namespace, subject: input.subject })
  await db.putPending(c.env.DB, row)
  return c.json({ id: row.id, namespace: row.namespace, createdAt: row.created_at, csr: row.csr }, 201)
})

/** The chain the CA issued for the pending key: it becomes the active signer. */
adminC2pa.put('/c2pa-signer/certificate', async (c) => {
  const id = await tenantId(c)
  const { chain } = parseWith(c2paCertificateSchema, await cappedJson(c.req.raw))
  const now = new Date()
  const pending = await pendingWithChain(c.env.DB, c.get('config'), id, chain, now)
  await record(c, id, 'c2pa-signer.set', { signerId: pending.row.id, how: 'csr', namespace: pending.row.namespace, certificate: pending.certificate })
  await db.activatePending(c.env.DB, id, pending.row.id, pending.chain, now.toISOString())
  forgetC2paSigner(id)
  return c.json(await signerStatus(c.env.DB, id))
})

/** A key and chain made elsewhere replace the active signer at once. */
adminC2pa.put('/c2pa-signer', async (c) => {
  const id = await tenantId(c)
  const input = parseWith(c2paImportSchema, await cappedJson(c.req.raw))
  const { row, certificate } = await importedSigner(c.get('config'), id, input, new Date())
  await record(c, id, 'c2pa-signer.set', { signerId: row.id, how: 'import', namespace: row.namespace, certificate })
  await db.putActive(c.env.DB, row)
  forgetC2paSigner(id)
  return c.json(await signerStatus(c.env.DB, id))
})

adminC2pa.delete('/c2pa-signer', async (c) => {
  const id = await tenantId(c)
  const rows = await db.signerRows(c.env.DB, id)
  if (rows.length === 0) throw new GatewayError(404, 'not_found', `tenant "${id}" has no C2PA signer`)
  await record(c, id, 'c2pa-signer.removed', { signerIds: rows.map((r) => r.id) })
  await db.removeSigners(c.env.DB, id)
  forgetC2paSigner(id)
  return c.body(null, 204)
})
