/** The gateway app: config, the two areas (/admin, /v1) and the one error handler. */
import { Hono } from 'hono'
import { resolveConfig } from './config'
import { GatewayError } from './errors'
import { admin } from './routes/admin'
import { files } from './routes/files'
import { publicDetect, publishedKeys } from './routes/public'
import type { AppEnv } from './routes/types'
import { v1 } from './routes/v1'

export const app = new Hono<AppEnv>()

app.use('*', async function context(c, next) {
  c.set('config', resolveConfig(c.env))
  // Cloudflare's ray id when there is one, so log rows match Cloudflare's own logs.
  c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID())
  await next()
  c.header('X-Request-Id', c.get('requestId'))
})

app.get('/', (c) => c.json({ name: 'aigc-label-gateway', status: 'ok' }))
app.get('/.well-known/aigc-keys.json', publishedKeys)
// Before /v1, whose middleware requires a tenant key: detection is open to anyone.
app.post('/v1/aigc/detect', publicDetect)
app.route('/admin', admin)
app.route('/files', files)
app.route('/v1', v1)

app.notFound((c) => errorResponse(c.req.path, new GatewayError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)))

app.onError((error, c) => {
  if (error instanceof GatewayError) return errorResponse(c.req.path, error)
  console.error('unhandled error', c.req.method, c.req.path, error)
  return errorResponse(c.req.path, new GatewayError(500, 'internal_error', 'internal gateway error; nothing unlabelled was delivered'))
})

function errorResponse(path: string, error: GatewayError): Response {
  const body = path === '/v1/messages' ? error.toAnthropic() : error.toOpenAI()
  return Response.json(body, { status: error.status })
}
