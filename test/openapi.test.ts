import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { ROUTES } from '../src/routes/route-table'
import { gateway } from './helpers'

interface Doc {
  openapi: string
  paths: Record<string, Record<string, { responses: Record<string, unknown>; tags: string[] }>>
}

/** Every route Hono dispatches to a handler (not middleware, not the catch-alls), as `METHOD /path/{name}`. */
function honoRoutes(): string[] {
  const handlers = app.routes.filter((r) => r.method !== 'ALL')
  return [...new Set(handlers.map((r) => `${r.method} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`))]
}

describe('the OpenAPI document', () => {
  it('describes every route the gateway dispatches and every route in the route table, and nothing else', async () => {
    const doc = (await (await gateway('/openapi.json')).json()) as Doc
    expect(doc.openapi).toBe('3.1.0')
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    const routes = [...honoRoutes(), ...ROUTES.map((r) => `${r.method} ${r.path}`)]
    expect(honoRoutes()).toContain('POST /admin/tenants/{id}/unmark-grants/{grantId}/approve')
    expect(honoRoutes()).toContain('GET /files/{key}')
    expect(documented.filter((r) => !routes.includes(r))).toEqual([])
    expect(routes.filter((r) => !documented.includes(r))).toEqual([])
  })

  it('says what a refused route answers and which headers a labelled answer carries', async () => {
    const doc = (await (await gateway('/openapi.json')).json()) as Doc & { components: { headers: Record<string, unknown> } }
    const refused = ROUTES.find((r) => r.labeller.kind === 'refuse')!
    expect(Object.keys(doc.paths[refused.path]![refused.method.toLowerCase()]!.responses)).toEqual(['501'])
    const chat = doc.paths['/v1/chat/completions']!.post!.responses['200'] as { headers: Record<string, unknown> }
    expect(Object.keys(chat.headers)).toEqual(expect.arrayContaining(['X-AIGC-Label', 'X-AIGC-Explicit', 'X-AIGC-Request-Id']))
    expect(Object.keys(doc.components.headers)).toEqual(expect.arrayContaining(['X-AIGC-Label', 'X-AIGC-Produce-Id', 'X-AIGC-Unmark-Refused', 'X-AIGC-Propagation']))
  })

  it('renders /docs as a page that lists every route, with no external script', async () => {
    const response = await gateway('/docs')
    expect(response.headers.get('content-type')).toContain('text/html')
    const page = await response.text()
    for (const route of ROUTES) expect(page).toContain(`<code>${route.path}</code>`)
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3)/)
  })
})
