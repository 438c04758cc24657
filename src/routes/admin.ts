/** The admin API: tenants and their gateway keys, behind ADMIN_TOKEN. */
import { Hono } from 'hono'
import { GatewayError } from '../errors'
import * as tenants from '../tenant/service'
import { listApiKeys } from '../db/tenants'
import { listSigningKeys, rotateKey } from '../tenant/signing'
import { adminUnmark } from './admin-unmark'
import { cappedJson } from './body'
import type { AppEnv } from './types'
import { bearerToken } from './v1'

export const admin = new Hono<AppEnv>()

admin.use('*', async function adminAuth(c, next) {
  const expected = c.get('config').adminToken
  if (!expected) {
    throw new GatewayError(503, 'not_configured', 'the admin API is off: set an ADMIN_TOKEN secret of at least 16 characters')
  }
  const given = bearerToken(c.req.header('authorization'))
  if (!given || !(await sameSecret(given, expected))) throw new GatewayError(401, 'unauthorized', 'invalid admin token')
  await next()
})

admin.post('/tenants', async (c) => {
  const tenant = await tenants.createTenant(c.env.DB, c.get('config'), await cappedJson(c.req.raw), new Date())
  return c.json(tenants.publicTenant(tenant), 201)
})

admin.get('/tenants/:id', async (c) => {
  const tenant = await tenants.requireTenant(c.env.DB, c.req.param('id'))
  return c.json({ ...tenants.publicTenant(tenant), keys: await listApiKeys(c.env.DB, tenant.id) })
})

admin.patch('/tenants/:id', async (c) => {
  const tenant = await tenants.patchTenant(c.env.DB, c.get('config'), c.req.param('id'), await cappedJson(c.req.raw), new Date())
  return c.json(tenants.publicTenant(tenant))
})

admin.delete('/tenants/:id', async (c) => {
  await tenants.removeTenant(c.env.DB, c.req.param('id'))
  return c.body(null, 204)
})

admin.post('/tenants/:id/keys', async (c) => {
  const { id, key, prefix, createdAt } = await tenants.issueKey(c.env.DB, c.req.param('id'), new Date())
  return c.json({ id, key, prefix, createdAt }, 201)
})

admin.delete('/tenants/:id/keys/:keyId', async (c) => {
  await tenants.revokeKey(c.env.DB, c.req.param('id'), c.req.param('keyId'))
  return c.body(null, 204)
})

admin.get('/tenants/:id/signing-keys', async (c) => {
  const tenant = await tenants.requireTenant(c.env.DB, c.req.param('id'))
  return c.json({ keys: await listSigningKeys(c.env.DB, tenant.id) })
})

/** Retires the active signing key (it stays published) and creates a new one. */
admin.post('/tenants/:id/signing-keys/rotate', async (c) => {
  const tenant = await tenants.requireTenant(c.env.DB, c.req.param('id'))
  return c.json(await rotateKey(c.env.DB, c.get('config'), tenant, new Date()), 201)
})

admin.route('/tenants/:id', adminUnmark)

/** Compares digests so neither the length nor the content leaks through timing. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder()
  const [x, y] = await Promise.all([a, b].map((s) => crypto.subtle.digest('SHA-256', encoder.encode(s))))
  return crypto.subtle.timingSafeEqual(x!, y!)
}
