import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/errors'
import { dialectOf, normalisePath, resolveRoute, ROUTES } from '../../src/routes/route-table'

const example = (path: string) => path.replace(/\{[^}]+\}/g, 'id_1')

describe('the route table', () => {
  it('names each method and path once, under /v1, each pass-through and refusal with its reason', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`)
    expect(new Set(keys).size).toBe(keys.length)
    for (const r of ROUTES) {
      expect(r.path).toMatch(/^\/v1\//)
      const { labeller } = r
      if (labeller.kind === 'passthrough' || labeller.kind === 'refuse' || labeller.kind === 'json-only') expect(labeller.why.length).toBeGreaterThan(10)
    }
  })

  it('resolves every route to itself, with the canonical upstream path', () => {
    for (const r of ROUTES.filter((r) => r.labeller.kind !== 'refuse')) {
      const resolved = resolveRoute(r.method, example(r.path) + '/')
      expect(resolved.route).toBe(r)
      expect(resolved.upstreamPath).toBe(example(r.path).slice(3))
    }
  })

  it('refuses refused routes and everything unnamed with a 501, and bad segments with a 400', () => {
    const status = (method: string, path: string) => {
      try {
        resolveRoute(method, path)
        return 200
      } catch (e) {
        return (e as GatewayError).status
      }
    }
    expect(status('POST', '/v1/videos')).toBe(501)
    expect(status('POST', '//v1///VIDEOS/')).toBe(501)
    expect(status('GET', '/v1/videos/v_1/content')).toBe(501)
    expect(status('POST', '/v1/chat/completions/x/y')).toBe(501)
    expect(status('put', '/v1/chat/completions')).toBe(501)
    expect(status('GET', '/v2/models')).toBe(501)
    expect(status('GET', '/v1/responses/.hidden')).toBe(501)
    expect(status('GET', '/v1/responses/a%2Fb')).toBe(400)
    expect(status('GET', '/v1/responses/a%00')).toBe(400)
    expect(status('post', '/v1/chat/completions')).toBe(200)
  })

  it('re-encodes ids and keeps the table spelling of fixed segments', () => {
    expect(resolveRoute('GET', '/V1/Responses/resp%5F1').upstreamPath).toBe('/responses/resp_1')
    expect(resolveRoute('GET', '/v1/models/ft:gpt-4o:acme:x@1').upstreamPath).toBe('/models/ft%3Agpt-4o%3Aacme%3Ax%401')
    expect(normalisePath('/v1//chat/%63ompletions/')).toEqual(['v1', 'chat', 'completions'])
  })

  it("picks the dialect of shared routes from the client's headers", () => {
    const models = resolveRoute('GET', '/v1/models').route
    expect(dialectOf(models, new Headers({ authorization: 'Bearer k' }))).toBe('openai')
    expect(dialectOf(models, new Headers({ 'x-api-key': 'k' }))).toBe('anthropic')
    expect(dialectOf(models, new Headers({ authorization: 'Bearer k', 'anthropic-version': '2023-06-01' }))).toBe('anthropic')
    expect(dialectOf(resolveRoute('POST', '/v1/messages/count_tokens').route, new Headers())).toBe('anthropic')
  })
})
