/**
 * The OpenAPI 3.1 document at /openapi.json and its page at /docs. The model API is read
 * from the route table (so a route the table gains is documented with what the gateway does
 * to its answer), request bodies from the zod schemas that validate them, and the gateway's
 * own routes from OPERATIONS below; test/openapi.test.ts fails on a route that neither names.
 */
import { html, raw } from 'hono/html'
import { z } from 'zod'
import { c2paCertificateSchema, c2paCsrSchema, c2paImportSchema } from '../c2pa/schemas'
import { SUPPORTED_FORMATS } from '../formats'
import { tenantCreateSchema, tenantPatchSchema } from '../tenant/schema'
import { grantApplicationSchema, grantDecisionSchema, operatorTokenSchema, unmarkLogQuerySchema } from '../unmark/schemas'
import { ROUTES, type Labeller, type Route } from './route-table'

type Json = Record<string, unknown>

interface Operation {
  tag: 'Gateway' | 'Detection' | 'Admin' | 'Files'
  summary: string
  description?: string
  security?: 'gateway' | 'admin' | 'none' | 'optional-gateway'
  /** Descriptions by name, or the zod schema that validates the query. */
  query?: Record<string, string> | z.ZodObject
  /** A zod schema (JSON body) or a description of the raw body. */
  body?: z.ZodType | { raw: string }
  /** The success status and what it holds. */
  ok: [number, string]
  labelHeaders?: boolean
}

const FILE_BODY = `the raw file (${SUPPORTED_FORMATS}) with its Content-Type; Markdown or plain text as text/markdown or text/plain`

/** The gateway's own routes, as `METHOD /path` with `{name}` parameters. */
export const OPERATIONS: Record<string, Operation> = {
  'GET /': { tag: 'Gateway', summary: 'Liveness', security: 'none', ok: [200, '`{ "name", "status": "ok" }`'] },
  'GET /openapi.json': { tag: 'Gateway', summary: 'This document', security: 'none', ok: [200, 'the OpenAPI 3.1 document'] },
  'GET /docs': { tag: 'Gateway', summary: 'This document as a page', security: 'none', ok: [200, 'HTML'] },
  'GET /.well-known/aigc-keys.json': {
    tag: 'Detection', summary: 'Every label-signing key the gateway has used', security: 'none',
    ok: [200, '`{ "keys": [{ "kid", "provider", "alg", "algId", "publicKey", "validFrom", "validUntil" }] }`'],
  },
  'POST /v1/aigc/detect': {
    tag: 'Detection', summary: 'Find, check and verify the labels of a file', security: 'optional-gateway',
    description: 'Anonymous calls are rate-limited per client address (429 with Retry-After).',
    body: { raw: `${FILE_BODY}; or JSON \`{ "text": "…" }\`` },
    ok: [200, 'the detection report: `{ format, labelled, verdict, labels[], explicit?, propagate?, findings[] }`'],
  },
  'POST /v1/aigc/label': {
    tag: 'Gateway', summary: 'Label an uploaded file (visible mark and signed implicit label)', security: 'gateway',
    query: { mark: '`explicit,implicit` (default) or `implicit`: which marks to make; the implicit label is always written' },
    body: { raw: FILE_BODY }, ok: [200, 'the labelled file, in the request\'s content type'], labelHeaders: true,
  },
  'POST /v1/aigc/propagate': {
    tag: 'Gateway', summary: "The propagation platform's label on a file", security: 'gateway',
    query: { state: '`labelled`, `declared` or `suspected`: what the platform knows', mark: '`implicit` (default) or `explicit,implicit`' },
    body: { raw: FILE_BODY }, ok: [200, 'the file with the propagator fields and signature added (X-AIGC-Propagation: unchanged when it already had them)'], labelHeaders: true,
  },
  'POST /v1/aigc/unmark-grants': {
    tag: 'Gateway', summary: 'Apply for unlabelled delivery (Measures Article 9)', security: 'gateway',
    body: grantApplicationSchema, ok: [201, '`{ "id", "status": "approved" | "pending", "expiresAt" }`'],
  },
  'GET /files/{key}': {
    tag: 'Files', summary: 'A labelled file kept in R2, behind a signed URL', security: 'none',
    query: { expires: 'Unix time the link expires', sig: 'HMAC-SHA-256 of the key and expiry' }, ok: [200, 'the labelled file'],
  },
  'GET /admin/tenants': { tag: 'Admin', summary: 'List tenants (an operator sees only its own)', security: 'admin', ok: [200, '`{ "data": [tenant] }`'] },
  'POST /admin/tenants': { tag: 'Admin', summary: 'Create a tenant (platform admin only)', security: 'admin', body: tenantCreateSchema, ok: [201, 'the tenant (upstream key never shown)'] },
  'GET /admin/tenants/{id}': { tag: 'Admin', summary: 'Read a tenant and its gateway keys (by prefix)', security: 'admin', ok: [200, 'the tenant with `keys`'] },
  'PATCH /admin/tenants/{id}': { tag: 'Admin', summary: 'Change a tenant', security: 'admin', body: tenantPatchSchema, ok: [200, 'the tenant'] },
  'DELETE /admin/tenants/{id}': { tag: 'Admin', summary: 'Delete a tenant (platform admin only)', security: 'admin', ok: [204, 'nothing'] },
  'POST /admin/tenants/{id}/keys': { tag: 'Admin', summary: 'Issue a gateway key (shown once)', security: 'admin', ok: [201, '`{ "id", "key", "prefix", "createdAt" }`'] },
  'DELETE /admin/tenants/{id}/keys/{keyId}': { tag: 'Admin', summary: 'Revoke a gateway key', security: 'admin', ok: [204, 'nothing'] },
  'POST /admin/tenants/{id}/preview': {
    tag: 'Admin', summary: 'The marks the gateway will stamp, with label settings not yet saved', security: 'admin',
    body: { raw: 'multipart/form-data: `labels` (JSON, a change of label settings as PATCH takes it) and an optional `image` file (PNG, JPEG, WebP, GIF; a sample image without it)' },
    ok: [200, '`{ "type", "image" (base64 of the labelled file), "width", "height", "c2pa" (as X-AIGC-C2PA), "mark": { "inkHeight", "shortestSide", "ratio", "minimumRatio", "meetsRule" }, "text": { "position", "sample" } }`'],
  },
  'GET /admin/tenants/{id}/signing-keys': { tag: 'Admin', summary: "The tenant's label-signing keys", security: 'admin', ok: [200, '`{ "keys": [...] }`'] },
  'POST /admin/tenants/{id}/signing-keys/rotate': { tag: 'Admin', summary: 'Rotate the label-signing key', security: 'admin', ok: [201, 'the new key'] },
  'GET /admin/tenants/{id}/c2pa-signer': {
    tag: 'Admin', summary: "The tenant's C2PA signer: the active certificate and a pending CSR (never a key)", security: 'admin',
    ok: [200, '`{ "active": { "id", "namespace", "activatedAt", "certificate": { "subject", "issuer", "serialNumber", "notBefore", "notAfter", "fingerprint" }, "chain" } | null, "pending": { "id", "namespace", "createdAt", "csr" } | null }`'],
  },
  'POST /admin/tenants/{id}/c2pa-signer/csr': {
    tag: 'Admin', summary: 'Generate a C2PA signing key (ES256) and its CSR; the active signer signs until the chain is set', security: 'admin',
    body: c2paCsrSchema, ok: [201, '`{ "id", "namespace", "createdAt", "csr" }` (PKCS#10 PEM)'],
  },
  'PUT /admin/tenants/{id}/c2pa-signer/certificate': {
    tag: 'Admin', summary: 'Set the chain a CA issued for the pending key (leaf first); it becomes the active signer', security: 'admin',
    description: 'The chain is checked against the key and the C2PA certificate profile (digitalSignature, an allowed EKU, not a CA, not self-signed, each link signed by the next): 422 otherwise.',
    body: c2paCertificateSchema, ok: [200, 'the signer, as GET answers'],
  },
  'PUT /admin/tenants/{id}/c2pa-signer': {
    tag: 'Admin', summary: 'Import a C2PA key (PKCS#8 P-256) and its chain; replaces the active signer', security: 'admin',
    body: c2paImportSchema, ok: [200, 'the signer, as GET answers'],
  },
  'DELETE /admin/tenants/{id}/c2pa-signer': { tag: 'Admin', summary: "Remove the tenant's C2PA signer: its images then go out stripped of C2PA", security: 'admin', ok: [204, 'nothing'] },
  'GET /admin/tenants/{id}/operator-tokens': { tag: 'Admin', summary: "The tenant's operator tokens, by prefix (platform admin only)", security: 'admin', ok: [200, '`{ "data": [{ "id", "tenantId", "prefix", "name", "createdAt" }] }`'] },
  'POST /admin/tenants/{id}/operator-tokens': {
    tag: 'Admin', summary: 'Issue an operator token for this tenant (platform admin only; shown once)', security: 'admin',
    body: operatorTokenSchema, ok: [201, '`{ "id", "tenantId", "prefix", "name", "createdAt", "token" }`'],
  },
  'DELETE /admin/tenants/{id}/operator-tokens/{tokenId}': { tag: 'Admin', summary: 'Revoke an operator token (platform admin only)', security: 'admin', ok: [204, 'nothing'] },
  'GET /admin/tenants/{id}/unmark-grants': {
    tag: 'Admin', summary: 'Unmark grant applications', security: 'admin',
    query: { status: '`pending`, `approved`, `rejected` or `revoked`' }, ok: [200, '`{ "data": [grant] }`'],
  },
  ...Object.fromEntries(
    (['approve', 'reject', 'revoke'] as const).map((action) => [
      `POST /admin/tenants/{id}/unmark-grants/{grantId}/${action}`,
      { tag: 'Admin', summary: `${action[0]!.toUpperCase()}${action.slice(1)} an unmark grant`, security: 'admin', body: grantDecisionSchema, ok: [200, 'the grant'] } satisfies Operation,
    ]),
  ),
  'GET /admin/tenants/{id}/unmark-log': {
    tag: 'Admin', summary: 'The delivery log of unlabelled deliveries', security: 'admin',
    query: unmarkLogQuerySchema,
    ok: [200, 'the log rows, oldest first, as JSON Lines or CSV; X-Next-After names the next page'],
  },
  'GET /admin/tenants/{id}/unmark-log/verify': { tag: 'Admin', summary: 'Verify the hash chain of the delivery log', security: 'admin', ok: [200, '`{ "valid", ... }`'] },
  'GET /admin/tenants/{id}/unmark-log/anchors': { tag: 'Admin', summary: 'The signed chain heads of the daily job', security: 'admin', ok: [200, '`{ "data": [anchor] }`'] },
}

/** Every X-AIGC-* header, with what it says. */
const HEADERS: Record<string, string> = {
  'X-AIGC-Label': 'the Annex E record (TC260 guide form), signature in ReservedCode1/ReservedCode2',
  'X-AIGC-Produce-Id': 'the ProduceID of each generated item, comma-separated',
  'X-AIGC-Explicit': '`applied`, `omitted`, `none` or `deferred`: what was done about the visible label',
  'X-AIGC-Explicit-Reason': 'why the visible label was not applied (`structured-output`, `unmark-grant`, `not-requested`, `tenant-option-off`, `no-text`)',
  'X-AIGC-Unmark-Grant': 'the grant an unlabelled delivery was made under',
  'X-AIGC-Unmark-Refused': 'why a request\'s grant was not honoured (the content went out labelled)',
  'X-AIGC-Propagation': '`unchanged`: the file already carried this platform\'s intact propagation',
  'X-AIGC-Request-Id': "the gateway's id of the request (on every response)",
  'X-AIGC-Implicit': '`file` (the implicit label is in the file) or `header-only` (raw PCM and SSE audio: the label is in the headers)',
  'X-AIGC-C2PA': 'on image answers, for each image in order (comma-separated, like X-AIGC-Produce-Id): `re-signed` (our C2PA manifest, the model\'s as its parentOf ingredient), `created` (our manifest, none upstream), `stripped` (the upstream manifest removed: no C2PA signer, or signing failed) or `none`; streamed image events carry it as `aigc_c2pa` beside `aigc`',
}
const LABEL_HEADERS = ['X-AIGC-Label', 'X-AIGC-Produce-Id', 'X-AIGC-Explicit', 'X-AIGC-Explicit-Reason', 'X-AIGC-Unmark-Grant', 'X-AIGC-Unmark-Refused', 'X-AIGC-C2PA']

const REQUEST_HEADERS = {
  'X-AIGC-Unmark': 'a grant id: deliver this answer without the visible label, logged (Article 9)',
  'X-AIGC-User': 'the end user the grant was issued to',
}

/** What the gateway does to the answer of a model-API route. */
function proxyBehaviour(labeller: Labeller): { summary: string; refused?: string } {
  switch (labeller.kind) {
    case 'text': return { summary: 'Generated text labelled: the visible label in the text, the implicit label in headers and an `aigc` object; streams labelled frame by frame' }
    case 'stored': return { summary: 'Stored generated text, labelled again as it is read back' }
    case 'image': return { summary: 'Every image marked and labelled; URL images fetched, labelled and served from signed gateway URLs' }
    case 'speech': return { summary: 'Generated speech: the rhythm mark (短长短短) in MP3, WAV and PCM, the implicit label in every format that has a carrier; SSE deltas labelled as they go' }
    case 'transcript': return { summary: 'The transcript labelled in its own format (json, verbose_json, text, srt, vtt)' }
    case 'jsonl': return { summary: 'JSON Lines of batch results, each message labelled' }
    case 'file': return { summary: "A file download: a generated file is labelled, a client's upload passed unchanged" }
    case 'anthropic-batch': return { summary: 'Batch objects, their results URL pointed back at the gateway' }
    case 'json-only': return { summary: `Passed through as JSON: ${labeller.why}; a streamed answer is refused (501)` }
    case 'passthrough': return { summary: `Passed through: ${labeller.why}; an answer that is not JSON is refused (502)` }
    case 'refuse': return { summary: 'Refused (501): never forwarded', refused: labeller.why }
  }
}

const schema = (type: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' })
  return rest
}

const errorResponse = { description: 'an error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
}

function queryParameters(query: Operation['query']): Json[] {
  if (query === undefined) return []
  if (query instanceof z.ZodObject) {
    const properties = (schema(query).properties ?? {}) as Record<string, Json>
    return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }))
  }
  return Object.entries(query).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } }))
}

function headerRefs(names: string[]): Json {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]))
}

function gatewayOperation(method: string, path: string, op: Operation): Json {
  const security = { gateway: [{ gatewayKey: [] }, { gatewayKeyHeader: [] }], admin: [{ adminToken: [] }], none: [], 'optional-gateway': [{}, { gatewayKey: [] }, { gatewayKeyHeader: [] }] }[op.security ?? 'gateway']
  const body = op.body === undefined ? undefined
    : 'raw' in op.body ? { required: true, description: op.body.raw, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } }
    : { required: true, content: { 'application/json': { schema: schema(op.body) } } }
  return {
    operationId: operationId(method, path),
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security,
    parameters: [...pathParameters(path), ...queryParameters(op.query)],
    ...(body ? { requestBody: body } : {}),
    responses: {
      [op.ok[0]]: { description: op.ok[1], headers: headerRefs(op.labelHeaders ? [...LABEL_HEADERS, 'X-AIGC-Request-Id'] : ['X-AIGC-Request-Id']) },
      default: errorResponse,
    },
  }
}

function proxyOperation(route: Route): Json {
  const { summary, refused } = proxyBehaviour(route.labeller)
  const speaks = { openai: 'OpenAI', anthropic: 'Anthropic', client: "the client's API (OpenAI or Anthropic, by its headers)" }[route.dialect]
  return {
    operationId: operationId(route.method, route.path),
    tags: ['Model API'],
    summary,
    description: refused ? `Refused: ${refused}.` : `Forwarded to the tenant's upstream (${speaks}) with the tenant's own upstream key; the request body is passed as the client sent it.`,
    security: [{ gatewayKey: [] }, { gatewayKeyHeader: [] }],
    parameters: [
      ...pathParameters(route.path),
      ...Object.entries(REQUEST_HEADERS).map(([name, description]) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } })),
    ],
    ...(route.method === 'POST' ? { requestBody: { description: "the upstream API's request, unchanged", content: { 'application/json': { schema: {} }, 'multipart/form-data': { schema: {} } } } } : {}),
    responses: refused
      ? { 501: errorResponse }
      : { 200: { description: "the upstream's answer, labelled as the summary says", headers: headerRefs([...LABEL_HEADERS, 'X-AIGC-Request-Id']) }, default: errorResponse },
  }
}

function operationId(method: string, path: string): string {
  return `${method.toLowerCase()}${path.replace(/[{}]/g, '').split(/[^A-Za-z0-9]+/).filter(Boolean).map((s) => s[0]!.toUpperCase() + s.slice(1)).join('')}`
}

let document: Json | undefined

/** The document, built once per isolate. */
export function openApiDocument(): Json {
  if (document) return document
  const paths: Record<string, Record<string, Json>> = {}
  const add = (method: string, path: string, operation: Json) => ((paths[path] ??= {})[method.toLowerCase()] = operation)
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(' ') as [string, string]
    add(method, path, gatewayOperation(method, path, op))
  }
  for (const route of ROUTES) add(route.method, route.path, proxyOperation(route))
  document = {
    openapi: '3.1.0',
    info: {
      title: 'aigc-label-gateway',
      version: '0.1.0',
      description: 'An edge gateway that labels AI-generated content as the Measures for Labeling AI-Generated Synthetic Content and GB 45438-2025 require. A route not in this document is refused (404 or 501), never forwarded.',
    },
    tags: [{ name: 'Model API' }, { name: 'Gateway' }, { name: 'Detection' }, { name: 'Files' }, { name: 'Admin' }],
    paths,
    components: {
      securitySchemes: {
        gatewayKey: { type: 'http', scheme: 'bearer', description: 'a tenant gateway key (OpenAI SDKs)' },
        gatewayKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'a tenant gateway key (Anthropic SDK)' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN (the platform admin), or an operator token (`op-aigc-…`), which reaches its own tenant only' },
      },
      headers: Object.fromEntries(Object.entries(HEADERS).map(([name, description]) => [name, { description, schema: { type: 'string' } }])),
      schemas: {
        Error: {
          description: "OpenAI's error shape; on /v1/messages and for clients that send anthropic-version, Anthropic's `{ type: 'error', error: { type, message } }`",
          oneOf: [
            {
              type: 'object', required: ['error'],
              properties: { error: { type: 'object', required: ['message', 'type', 'code'], properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: ['string', 'null'] }, code: { type: 'string' } } } },
            },
            {
              type: 'object', required: ['type', 'error'],
              properties: { type: { const: 'error' }, error: { type: 'object', required: ['type', 'message'], properties: { type: { type: 'string' }, message: { type: 'string' } } } },
            },
          ],
        },
      },
    },
  }
  return document
}

/** /docs: the document as a page, rendered here (no script, no CDN: it works offline). */
export function docsPage(): ReturnType<typeof html> {
  const doc = openApiDocument() as { info: { title: string; description: string }; paths: Record<string, Record<string, Json>> }
  const rows = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => html`<tr><td><code>${method.toUpperCase()}</code></td><td><code>${path}</code></td><td>${String((op.tags as string[])[0])}</td><td>${String(op.summary)}${op.description ? html`<br><small>${String(op.description)}</small>` : ''}</td></tr>`),
  )
  const headers = Object.entries(HEADERS).map(([name, description]) => html`<tr><td><code>${name}</code></td><td>${description}</td></tr>`)
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${doc.info.title} API</title>
<style>${raw('body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}code{font-size:13px}small{color:#555}')}</style></head>
<body><h1>${doc.info.title}</h1><p>${doc.info.description}</p><p><a href="/openapi.json">openapi.json</a> (OpenAPI 3.1)</p>
<h2>Routes</h2><table><thead><tr><th>method</th><th>path</th><th>area</th><th>what the gateway does</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Headers</h2><table><tbody>${headers}</tbody></table></body></html>`
}
