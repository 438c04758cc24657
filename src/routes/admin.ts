/**
 * The admin API: tenants, their gateway keys, signing keys, C2PA signers and operators. Two credentials:
 * the platform admin (ADMIN_TOKEN) sees every tenant; an operator token sees and changes its
 * own tenant only, and cannot create or delete tenants or manage operators. Every change of
 * responsibility is written into the tenant's hash-chained log with who made it.
 */
import { Hono, type Context } from 'hono'

import { GatewayError } from '../errors'
import * as tenants from '../tenant/service'
import { listApiKeys, listTenants } from '../db/tenants'
import { issueOperatorToken, listOperatorTokens, operatorForToken, revokeOperatorToken } from '../tenant/operators'
import { parseWith } from '../tenant/schema'
import { listSigningKeys, rotateKey } from '../tenant/signing'
import { changedFields, recordAdminAction, type AdminAction } from '../unmark/audit'
import { operatorTokenSchema } from '../unmark/schemas'
import { labelPreview } from './admin-preview'
import { adminC2pa } from './admin-c2pa'
import { adminUnmark } from './admin-unmark'
import { cappedJson } from './body'
import { requestInfo, type AppEnv } from './types'
import { bearerToken } from './v1'

type AdminContext = Context<AppEnv>

export const admin = new Hono<AppEnv>()

admin.use('*', async function adminAuth(c, next) {
  const given = bearerToken(c.req.header('authorization'))
  const operator = given && (await operatorForToken(c.env.DB, given))
  if (operator) {
    c.set('actor', operator)
    return next()
  }
  const expected = c.get('config').adminToken
  if (!expected) {
    throw new GatewayError(503, 'not_configured', 'the admin API is off: set an ADMIN_TOKEN secret of at least 16 characters')
  }
  if (!given || !(await sameSecret(given, expected))) throw new GatewayError(401, 'unauthorized', 'invalid admin token')
  c.set('actor', { kind: 'platform' })
  await next()
})

/** An operator reaches its own tenant only; another tenant's id answers as if it did not exist. */
async function ownTenantOnly(c: AdminContext, next: () => Promise<void>) {
  const actor = c.get('actor')
  if (actor.kind === 'operator' && actor.tenantId !== c.req.param('id')) throw new GatewayError(404, 'not_found', `no tenant "${c.req.param('id')}"`)
  await next()
}
admin.use('/tenants/:id', ownTenantOnly)
admin.use('/tenants/:id/*', ownTenantOnly)

function platformOnly(c: AdminContext): void {
  if (c.get('actor').kind !== 'platform') throw new GatewayError(403, 'forbidden', 'only the platform admin (ADMIN_TOKEN) may do this')
}

/** A change is logged before it is made; a creation right after it, undone when the row cannot be written. */
function record(c: AdminContext, tenantId: string, action: AdminAction, details: Record<string, unknown> = {}): Promise<void> {
  return recordAdminAction(tenantId, c.get('actor'), action, details, requestInfo(c), new Date())
}

admin.get('/tenants', async (c) => {
  const actor = c.get('actor')
  const all = actor.kind === 'platform' ? await listTenants(c.env.DB) : [await tenants.requireTenant(c.env.DB, actor.tenantId)]
  return c.json({ data: all.map(tenants.publicTenant) })
})

admin.post('/tenants', async (c) => {
  platformOnly(c)
  const tenant = await tenants.createTenant(c.env.DB, c.get('config'), await cappedJson(c.req.raw), new Date())
  // The tenant must exist before its log does; a creation that cannot be logged is undone.
  try {
    await record(c, tenant.id, 'tenant.created', { labels: tenant.labels, unmark: tenant.unmark })
  } catch (error) {
    await tenants.removeTenant(c.env.DB, tenant.id)
    throw error
  }
  return c.json(tenants.publicTenant(tenant), 201)
})

admin.get('/tenants/:id', async (c) => {
  const tenant = await tenants.requireTenant(c.env.DB, c.req.param('id'))
  return c.json({ ...tenants.publicTenant(tenant), keys: await listApiKeys(c.env.DB, tenant.id) })
})

admin.patch('/tenants/:id', async (c) => {
  const id = c.req.param('id')
  const tenant = await tenants.patchTenant(c.env.DB, c.get('config'), id, await cappedJson(c.req.raw), new Date(), async (before, after) => {
    const { updatedAt: _b, ...was } = tenants.publicTenant(before)
    const { updatedAt: _a, ...now } = tenants.publicTenant(after)
    const changes: Record<string, unknown> = changedFields(was, now)
    // The upstream key is sealed: the log says it was replaced, never what it is.
    if (before.upstreamKeySealed !== after.upstreamKeySealed) changes['upstream.apiKey'] = 'replaced'
    if (Object.keys(changes).length > 0) await record(c, id, 'tenant.changed', { changes })
  })
  return c.json(tenants.publicTenant(tenant))
})

admin.delete('/tenants/:id', async (c) => {
  platformOnly(c)
  const id = c.req.param('id')
  await tenants.requireTenant(c.env.DB, id)
  // The log outlives its tenant, so the deletion is its last row.
  await record(c, id, 'tenant.deleted')
  await tenants.removeTenant(c.env.DB, id)
  return c.body(null, 204)
})

admin.post('/tenants/:id/keys', async (c) => {
  const id = c.req.param('id')
  await tenants.requireTenant(c.env.DB, id)
  const issued = await tenants.issueKey(c.env.DB, id, new Date())
  try {
    await record(c, id, 'key.issued', { keyId: issued.id, prefix: issued.prefix })
  } catch (error) {
    await tenants.revokeKey(c.env.DB, id, issued.id)
    throw error
  }
  const { key, prefix, createdAt } = issued
  return c.json({ id: issued.id, key, prefix, createdAt }, 201)
})

admin.delete('/tenants/:id/keys/:keyId', async (c) => {
  const { id, keyId } = c.req.param()
  const key = (await listApiKeys(c.env.DB, id)).find((k) => k.id === keyId)
  if (!key) throw new GatewayError(404, 'not_found', `tenant "${id}" has no key "${keyId}"`)
  await record(c, id, 'key.revoked', { keyId, prefix: key.prefix })
  await tenants.revokeKey(c.env.DB, id, keyId)
  return c.body(null, 204)
})

admin.post('/tenants/:id/preview', labelPreview)

admin.get('/tenants/:id/signing-keys', async (c) => {
  const tenant = await tenants.requireTenant(c.env.DB, c.req.param('id'))
  return c.json({ keys: await listSigningKeys(c.env.DB, tenant.id) })
})

/** Retires the active signing key (it stays published) and creates a new one. */
admin.post('/tenants/:id/signing-keys/rotate', async (c) => {
  const tenant = await tenants.requireTenant(c.env.DB, c.req.param('id'))
  await record(c, tenant.id, 'signing-key.rotated', { algorithm: tenant.labels.signing.algorithm })
  return c.json(await rotateKey(c.env.DB, c.get('config'), tenant, new Date()), 201)
})

admin.get('/tenants/:id/operator-tokens', async (c) => {
  platformOnly(c)
  const tenant = await tenants.requireTenant(c.env.DB, c.req.param('id'))
  return c.json({ data: await listOperatorTokens(c.env.DB, tenant.id) })
})

admin.post('/tenants/:id/operator-tokens', async (c) => {
  platformOnly(c)
  const id = c.req.param('id')
  const { name } = parseWith(operatorTokenSchema, await cappedJson(c.req.raw))
  await tenants.requireTenant(c.env.DB, id)
  const issued = await issueOperatorToken(c.env.DB, id, name, new Date())
  try {
    await record(c, id, 'operator-token.issued', { tokenId: issued.id, prefix: issued.prefix, name })
  } catch (error) {
    await revokeOperatorToken(c.env.DB, id, issued.id)
    throw error
  }
  return c.json(issued, 201)
})

admin.delete('/tenants/:id/operator-tokens/:tokenId', async (c) => {
  platformOnly(c)
  const { id, tokenId } = c.req.param()
  const token = (await listOperatorTokens(c.env.DB, id)).find((t) => t.id === tokenId)
  if (!token) throw new GatewayError(404, 'not_found', `tenant "${id}" has no operator token "${tokenId}"`)
  await record(c, id, 'operator-token.revoked', { tokenId, name: token.name })
  await revokeOperatorToken(c.env.DB, id, tokenId)
  return c.body(null, 204)
})

admin.route('/tenants/:id', adminUnmark)
admin.route('/tenants/:id', adminC2pa)

/** Compares digests so neither the length nor the content leaks through timing. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder()
  const [x, y] = await Promise.all([a, b].map((s) => crypto.subtle.digest('SHA-256', encoder.encode(s))))
  return crypto.subtle.timingSafeEqual(x!, y!)
}
