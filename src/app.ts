/** The gateway app: config, CORS, the two areas (/admin, /v1) and the one error handler. */
import { Hono } from 'hono'
import { resolveConfig } from './config'
import { anyTenantAllowsOrigin } from './db/tenants'
import { GatewayError } from './errors'
import { LimitError } from './limits'
import { admin } from './routes/admin'
import { files } from './routes/files'
import { docsPage, openApiDocument } from './routes/openapi'
import { publicDetect, publishedKeys } from './routes/public'
import { requestLog } from './routes/request-log'
import type { AppEnv } from './routes/types'
import { v1 } from './routes/v1'

export const app = new Hono<AppEnv>()

app.use('*', async function context(c, next) {
  c.set('config', resolveConfig(c.env))
  // Cloudflare's ray id when there is one, so log rows match Cloudflare's own logs. It has
  // a header of its own: the upstream's X-Request-Id goes back untouched, as SDKs expect.
  c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID())
  await next()
  c.header('X-AIGC-Request-Id', c.get('requestId'))
})
app.use('*', requestLog)

// What a browser client may read of a labelled answer.
const EXPOSED = [
  'X-AIGC-Label', 'X-AIGC-Produce-Id', 'X-AIGC-C2PA', 'X-AIGC-Implicit', 'X-AIGC-Explicit', 'X-AIGC-Explicit-Reason', 'X-AIGC-Unmark-Grant',
  'X-AIGC-Unmark-Refused', 'X-AIGC-Request-Id', 'X-Request-Id', 'Request-Id',
].join(', ')

/**
 * CORS for browser clients. A preflight carries no key, so it is answered for an origin
 * that any tenant allows; the request itself is then answered with CORS headers only when
 * the origin is in the list of the tenant its key belongs to. No tenant allows any origin
 * by default.
 */
app.use('/v1/*', async function cors(c, next) {
  const origin = c.req.header('origin')
  if (!origin) return next()
  const requested = c.req.header('access-control-request-method')
  if (c.req.method === 'OPTIONS' && requested) {
    if (!(await anyTenantAllowsOrigin(c.env.DB, origin))) return new Response(null, { status: 403, headers: { vary: 'Origin' } })
    return new Response(null, {
      status: 204,
      headers: {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-allow-headers': c.req.header('access-control-request-headers') ?? 'authorization, content-type',
        'access-control-max-age': '600',
        vary: 'Origin',
      },
    })
  }
  await next()
  c.header('Vary', 'Origin', { append: true })
  if (c.get('tenant')?.tenant.corsOrigins.includes(origin)) {
    c.header('Access-Control-Allow-Origin', origin)
    c.header('Access-Control-Expose-Headers', EXPOSED)
  }
})

app.get('/', (c) => c.json({ name: 'aigc-label-gateway', status: 'ok' }))
app.get('/.well-known/aigc-keys.json', publishedKeys)
app.get('/openapi.json', (c) => c.json(openApiDocument()))
app.get('/docs', (c) => c.html(docsPage()))
// Before /v1, whose middleware requires a tenant key: detection is open to anyone.
app.post('/v1/aigc/detect', publicDetect)
app.route('/admin', admin)
app.route('/files', files)
app.route('/v1', v1)

app.notFound((c) => errorResponse(c.req.raw, new GatewayError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)))

app.onError((error, c) => {
  if (error instanceof GatewayError) return errorResponse(c.req.raw, error)
  // A budget checked outside an upload path (request bodies, JSONL lines): its own status, named.
  if (error instanceof LimitError) return errorResponse(c.req.raw, new GatewayError(error.limit.status, 'limit_exceeded', error.message, error.limit.name))
  console.error('unhandled error', c.req.method, c.req.path, error)
  return errorResponse(c.req.raw, new GatewayError(500, 'internal_error', 'internal gateway error; nothing unlabelled was delivered'))
})

/** Anthropic's error shape for the Messages routes and for clients that speak Anthropic. */
function errorResponse(request: Request, error: GatewayError): Response {
  const path = new URL(request.url).pathname.replace(/\/+/g, '/').toLowerCase()
  const anthropic = path.startsWith('/v1/messages') || request.headers.has('anthropic-version')
  return Response.json(anthropic ? error.toAnthropic() : error.toOpenAI(), { status: error.status })
}
