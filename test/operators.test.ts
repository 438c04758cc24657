import { describe, expect, it } from 'vitest'
import type { LogRow } from '../src/unmark/chain'
import { admin, createTenant, gateway, type TestTenant } from './helpers'

const POLICY = { allowed: true, agreementVersion: 'v3', autoApprove: false, grantTtlDays: 30, requiredIdentity: [] }

async function operatorFor(t: TestTenant, name = '李伟 (合规)'): Promise<{ id: string; token: string }> {
  const res = await admin('POST', `/tenants/${t.id}/operator-tokens`, { name })
  expect(res.status).toBe(201)
  return (await res.json()) as { id: string; token: string }
}

const as = (token: string) => (method: string, path: string, body?: unknown) => admin(method, path, body, token)

async function auditRows(tenantId: string): Promise<LogRow[]> {
  const text = await (await admin('GET', `/tenants/${tenantId}/unmark-log`)).text()
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogRow).filter((r) => r.event === 'admin_action')
}

describe('operator tokens', () => {
  it('reach their own tenant: settings, keys, signing keys, grants and the log', async () => {
    const t = await createTenant({ unmark: POLICY })
    const { token } = await operatorFor(t)
    expect(token).toMatch(/^op-aigc-/)
    const op = as(token)
    expect((await op('GET', `/tenants/${t.id}`)).status).toBe(200)
    const patched = await op('PATCH', `/tenants/${t.id}`, { labels: { image: { position: 'top-left' } } })
    expect(patched.status).toBe(200)
    expect(((await patched.json()) as { labels: { image: { position: string } } }).labels.image.position).toBe('top-left')
    const key = (await (await op('POST', `/tenants/${t.id}/keys`)).json()) as { id: string; key: string }
    expect((await gateway('/v1/models', { headers: { authorization: `Bearer ${key.key}` } })).status).not.toBe(401)
    expect((await op('DELETE', `/tenants/${t.id}/keys/${key.id}`)).status).toBe(204)
    expect((await op('GET', `/tenants/${t.id}/signing-keys`)).status).toBe(200)
    expect((await op('GET', `/tenants/${t.id}/unmark-grants`)).status).toBe(200)
    expect((await op('GET', `/tenants/${t.id}/unmark-log/verify`)).status).toBe(200)
    const listed = (await (await op('GET', '/tenants')).json()) as { data: { id: string }[] }
    expect(listed.data.map((x) => x.id)).toEqual([t.id])
  })

  it("never reach another tenant, nor what only the platform admin may do", async () => {
    const [t, other] = [await createTenant(), await createTenant()]
    const op = as((await operatorFor(t)).token)
    for (const [method, path] of [['GET', `/tenants/${other.id}`], ['PATCH', `/tenants/${other.id}`], ['POST', `/tenants/${other.id}/keys`], ['GET', `/tenants/${other.id}/unmark-log`]] as const) {
      expect((await op(method, path, method === 'PATCH' ? { name: 'x' } : undefined)).status, `${method} ${path}`).toBe(404)
    }
    expect((await op('POST', '/tenants', { id: 'made-by-operator', name: 'x' })).status).toBe(403)
    expect((await op('DELETE', `/tenants/${t.id}`)).status).toBe(403)
    expect((await op('POST', `/tenants/${t.id}/operator-tokens`, { name: 'another' })).status).toBe(403)
    expect((await op('GET', `/tenants/${t.id}/operator-tokens`)).status).toBe(403)
    expect((await admin('GET', `/tenants/${t.id}`)).status).toBe(200)
  })

  it('stop at once when revoked, and are listed by prefix, never in full', async () => {
    const t = await createTenant()
    const { id, token } = await operatorFor(t)
    const list = await (await admin('GET', `/tenants/${t.id}/operator-tokens`)).text()
    expect(list).toContain(token.slice(0, 12))
    expect(list).not.toContain(token)
    expect((await admin('DELETE', `/tenants/${t.id}/operator-tokens/${id}`)).status).toBe(204)
    expect((await as(token)('GET', `/tenants/${t.id}`)).status).toBe(401)
    expect((await admin('DELETE', `/tenants/${t.id}/operator-tokens/${id}`)).status).toBe(404)
  })
})

describe('the audit trail in the tenant log', () => {
  it('records who changed what, in the same verified chain, without secrets', async () => {
    const t = await createTenant({ unmark: POLICY })
    const { id: tokenId, token } = await operatorFor(t, 'Wang Fang')
    const op = as(token)
    await op('PATCH', `/tenants/${t.id}`, { labels: { text: { position: 'start' } }, unmark: { retentionDays: 365 } })
    await admin('PATCH', `/tenants/${t.id}`, { upstream: { apiKey: 'new-upstream-secret' } })
    // A patch that changes nothing records nothing.
    await op('PATCH', `/tenants/${t.id}`, { labels: { text: { position: 'start' } } })
    await op('POST', `/tenants/${t.id}/signing-keys/rotate`)

    const rows = await auditRows(t.id)
    expect(rows.map((r) => (r.details as { action: string }).action)).toEqual([
      'tenant.created', 'key.issued', 'operator-token.issued', 'tenant.changed', 'tenant.changed', 'signing-key.rotated',
    ])
    const [created, , issued, byOperator, byPlatform, rotated] = rows.map((r) => r.details as Record<string, any>)
    expect(created!.actor).toEqual({ kind: 'platform' })
    expect(issued).toMatchObject({ tokenId, name: 'Wang Fang' })
    expect(byOperator).toMatchObject({
      actor: { kind: 'operator', tokenId, name: 'Wang Fang' },
      changes: { 'labels.text.position': { from: 'end', to: 'start' }, 'unmark.retentionDays': { from: 180, to: 365 } },
    })
    expect(byPlatform).toEqual({ action: 'tenant.changed', actor: { kind: 'platform' }, changes: { 'upstream.apiKey': 'replaced' } })
    expect(rotated!.actor.kind).toBe('operator')
    const log = await (await admin('GET', `/tenants/${t.id}/unmark-log`)).text()
    for (const secret of ['new-upstream-secret', token, `upstream-secret-${t.id}`]) expect(log).not.toContain(secret)
    expect(await (await admin('GET', `/tenants/${t.id}/unmark-log/verify`)).json()).toMatchObject({ valid: true })
  })

  it('names the operator who decided a grant', async () => {
    const t = await createTenant({ unmark: POLICY })
    const { tokenId, op } = await operatorFor(t, 'Zhao Lei').then(({ id, token }) => ({ tokenId: id, op: as(token) }))
    const applied = await gateway('/v1/aigc/unmark-grants', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'u1', purpose: 'print', agreementVersion: 'v3', acceptedAt: new Date(Date.now() - 1000).toISOString() }),
    })
    const { id } = (await applied.json()) as { id: string }
    expect((await op('POST', `/tenants/${t.id}/unmark-grants/${id}/approve`, { note: 'ok' })).status).toBe(200)
    const text = await (await admin('GET', `/tenants/${t.id}/unmark-log`)).text()
    const approved = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRow).find((r) => r.event === 'grant_approved')!
    expect(approved.details).toMatchObject({ actor: { kind: 'operator', tokenId, name: 'Zhao Lei' }, note: 'ok' })
  })
})
