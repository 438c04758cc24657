/** Gateway-specific tenant routes under /v1/aigc. */
import { Hono } from 'hono'
import { applyForGrant } from '../unmark/grants'
import { jsonBody } from './json'
import { requestInfo, type AppEnv } from './types'

export const aigc = new Hono<AppEnv>()

aigc.post('/unmark-grants', async (c) => {
  const grant = await applyForGrant(c.env.DB, c.get('tenant').tenant, await jsonBody(c.req.raw), requestInfo(c), new Date())
  return c.json({ id: grant.id, status: grant.status, expiresAt: grant.expiresAt }, 201)
})
