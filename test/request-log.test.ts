import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RequestLogLine } from '../src/routes/request-log'
import { ANSWER } from './mock-upstream/server'
import { createTenant, gateway } from './helpers'

/** The request log lines printed while `call` runs. */
async function logged(call: () => Promise<Response>): Promise<{ response: Response; lines: RequestLogLine[]; printed: string }> {
  const spy = vi.spyOn(console, 'log').mockImplementation(() => {})
  const response = await call()
  await response.clone().arrayBuffer()
  const printed = spy.mock.calls.map((args) => args.join(' ')).join('\n')
  const lines = spy.mock.calls.flatMap(([first]) => {
    if (typeof first !== 'string' || !first.startsWith('{')) return []
    const parsed = JSON.parse(first) as RequestLogLine
    return parsed.event === 'request' ? [parsed] : []
  })
  return { response, lines, printed }
}

afterEach(() => vi.restoreAllMocks())

describe('the request log', () => {
  it('prints one JSON object per request with the route pattern, tenant, status and label decision', async () => {
    const t = await createTenant()
    const body = JSON.stringify({ model: 'plain', messages: [{ role: 'user', content: 'a secret question' }] })
    const { response, lines, printed } = await logged(() =>
      gateway('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body }),
    )
    expect(response.status).toBe(200)
    expect(lines).toHaveLength(1)
    const [line] = lines
    expect(line).toMatchObject({
      requestId: response.headers.get('x-aigc-request-id'),
      method: 'POST',
      route: 'POST /v1/chat/completions',
      status: 200,
      tenant: t.id,
      requestBytes: new TextEncoder().encode(body).length,
      label: { labelled: true, produceId: response.headers.get('x-aigc-produce-id'), explicit: 'applied' },
    })
    expect(line!.ms).toBeGreaterThanOrEqual(0)
    expect(line!.error).toBeUndefined()
    // Neither content nor credentials reach the log.
    for (const secret of [t.key, `upstream-secret-${t.id}`, 'a secret question', ANSWER]) expect(printed).not.toContain(secret)
  })

  it('names the pattern, not the ids, and the error code of a refusal', async () => {
    const t = await createTenant()
    const { response, lines } = await logged(() => gateway('/v1/files/file-secret-id/content', { headers: { authorization: `Bearer ${t.key}` }, method: 'DELETE' }))
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(lines).toHaveLength(1)
    expect(lines[0]!.route).not.toContain('file-secret-id')
    expect(lines[0]).toMatchObject({ status: response.status, tenant: t.id, label: { labelled: false } })
    expect(lines[0]!.error).toBe(((await response.clone().json()) as { error: { code: string } }).error.code)
  })

  it("names the gateway's own routes by their pattern", async () => {
    const t = await createTenant()
    const { lines } = await logged(() => gateway('/v1/aigc/label', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'text/markdown' }, body: '# 标题\n' }))
    expect(lines[0]).toMatchObject({ route: 'POST /v1/aigc/label', status: 200, label: { labelled: true } })
    const keys = await logged(() => gateway(`/admin/tenants/${t.id}/keys`, { method: 'POST', headers: { authorization: 'Bearer test-admin-token-0123456789' } }))
    expect(keys.lines.at(-1)!.route).toBe('POST /admin/tenants/{id}/keys')
  })

  it('logs an unauthenticated call without a tenant', async () => {
    const { response, lines } = await logged(() => gateway('/v1/models', { headers: { authorization: 'Bearer not-a-key' } }))
    expect(response.status).toBe(401)
    expect(lines[0]).toMatchObject({ status: 401, tenant: null, error: 'unauthorized' })
    expect(JSON.stringify(lines[0])).not.toContain('not-a-key')
  })
})
