/** Labelled files kept in R2, served to whoever holds an unexpired signed URL. */
import { Hono } from 'hono'
import { GatewayError } from '../errors'
import { verifyFileUrl } from '../files/signed-url'
import type { AppEnv } from './types'

export const files = new Hono<AppEnv>()

files.get('/:key{.+}', async (c) => {
  const key = c.req.param('key')
  const masterKey = c.get('config').masterKey
  const expires = Number(c.req.query('expires'))
  const sig = c.req.query('sig') ?? ''
  if (!masterKey || !(await verifyFileUrl(key, expires, sig, masterKey, Math.floor(Date.now() / 1000)))) {
    throw new GatewayError(403, 'forbidden', 'this file link is invalid or has expired')
  }
  const object = await c.env.FILES.get(key)
  if (!object) throw new GatewayError(404, 'not_found', 'no such file')
  return new Response(object.body, {
    headers: {
      'content-type': object.httpMetadata?.contentType ?? 'application/octet-stream',
      'cache-control': `private, max-age=${Math.max(0, expires - Math.floor(Date.now() / 1000))}`,
      etag: object.httpEtag,
    },
  })
})
