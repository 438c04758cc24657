import { createScheduledController } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { pruneLog } from '../src/db/unmark'
import { rowHash, type LogRow } from '../src/unmark/chain'
import { appendLog } from '../src/unmark/log'
import { ANSWER } from './mock-upstream/server'
import { admin, createTenant, gateway, openai, type TestTenant } from './helpers'

const LABEL = '本内容由人工智能生成'
const POLICY = { allowed: true, agreementVersion: 'v3', autoApprove: false, grantTtlDays: 30, requiredIdentity: ['realName'] }
const messages = [{ role: 'user' as const, content: '你好' }]
const DAY = 86_400_000
/** Every tenant's chain opens with the audit rows of its creation and its first gateway key (unmark/audit.ts). */
const S = 2

const unmarkTenant = (policy: Record<string, unknown> = {}) => createTenant({ unmark: { ...POLICY, ...policy } })

function apply(t: TestTenant, body: Record<string, unknown> = {}) {
  return gateway('/v1/aigc/unmark-grants', {
    method: 'POST',
    headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      user: 'user-1',
      purpose: '出版物自行标注',
      agreementVersion: 'v3',
      acceptedAt: new Date(Date.now() - 60_000).toISOString(),
      identity: { realName: '张三' },
      ...body,
    }),
  })
}

async function approvedGrant(t: TestTenant, user = 'user-1'): Promise<string> {
  const { id } = (await (await apply(t, { user })).json()) as { id: string }
  expect((await admin('POST', `/tenants/${t.id}/unmark-grants/${id}/approve`)).status).toBe(200)
  return id
}

const unmarked = (grant: string, user = 'user-1') => ({ headers: { 'X-AIGC-Unmark': grant, 'X-AIGC-User': user } })

async function logRows(tenantId: string, query = ''): Promise<LogRow[]> {
  const text = await (await admin('GET', `/tenants/${tenantId}/unmark-log${query}`)).text()
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line))
}

/** The rows about grants and deliveries, without the audit rows of admin actions. */
const grantRows = async (tenantId: string, query = '') => (await logRows(tenantId, query)).filter((r) => r.event !== 'admin_action')

async function runCron(now: number) {
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: '17 3 * * *' }), env)
}

const verify = async (tenantId: string) => (await admin('GET', `/tenants/${tenantId}/unmark-log/verify`)).json() as Promise<any>

describe('unmark policy', () => {
  it('refuses a retention under 180 days and an allowed policy without an agreement version', async () => {
    for (const [unmark, field] of [
      [{ retentionDays: 179 }, 'unmark.retentionDays'],
      [{ allowed: true }, 'unmark.agreementVersion'],
    ] as const) {
      const res = await admin('POST', '/tenants', { id: `p${Math.random().toString(36).slice(2, 8)}`, name: 'x', providerCode: '001191110000MA01ABCD2X00000', upstream: { baseUrl: 'https://a.example/v1', apiKey: 'k' }, unmark })
      expect(res.status).toBe(400)
      expect(((await res.json()) as any).error.param).toBe(field)
    }
    const t = await createTenant()
    expect((await admin('PATCH', `/tenants/${t.id}`, { unmark: { retentionDays: 90 } })).status).toBe(400)
    expect((await admin('PATCH', `/tenants/${t.id}`, { unmark: { allowed: true } })).status).toBe(400)
    const ok = await admin('PATCH', `/tenants/${t.id}`, { unmark: { allowed: true, agreementVersion: 'v1', retentionDays: 365 } })
    expect(await ok.json()).toMatchObject({ unmark: { allowed: true, agreementVersion: 'v1', retentionDays: 365, autoApprove: false } })
  })
})

describe('grant applications', () => {
  it('are refused clearly when unmarking is off, the agreement is wrong or identity is missing', async () => {
    const off = await createTenant()
    const refused = await apply(off)
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as any).error.code).toBe('unmark_not_allowed')

    const t = await unmarkTenant()
    const wrong = await apply(t, { agreementVersion: 'v2' })
    expect(wrong.status).toBe(422)
    expect(((await wrong.json()) as any).error.message).toContain('"v3"')
    expect(((await (await apply(t, { identity: {} })).json()) as any).error.param).toBe('identity.realName')
    expect((await apply(t, { acceptedAt: 'yesterday' })).status).toBe(400)
    expect((await apply(t, { acceptedAt: new Date(Date.now() + DAY).toISOString() })).status).toBe(400)
  })

  it('are pending under manual review and approved at once with autoApprove; both are logged', async () => {
    const manual = await unmarkTenant()
    const pending = (await (await apply(manual)).json()) as any
    expect(pending).toMatchObject({ status: 'pending', expiresAt: null })
    expect(pending.id).toMatch(/^grant_/)

    const auto = await unmarkTenant({ autoApprove: true, grantTtlDays: 7 })
    const res = await apply(auto)
    expect(res.status).toBe(201)
    const approved = (await res.json()) as any
    expect(approved.status).toBe('approved')
    expect(Date.parse(approved.expiresAt) - Date.now()).toBeGreaterThan(6.9 * DAY)
    const rows = await grantRows(auto.id)
    expect(rows.map((r) => r.event)).toEqual(['grant_applied', 'grant_approved'])
    expect(rows[0]!.details).toMatchObject({ purpose: '出版物自行标注', agreementVersion: 'v3', identity: { realName: '张三' } })
  })

  it('move through approve, reject and revoke only from the right states', async () => {
    const t = await unmarkTenant()
    const id = ((await (await apply(t)).json()) as any).id
    expect((await admin('POST', `/tenants/${t.id}/unmark-grants/${id}/revoke`)).status).toBe(200)
    expect((await admin('POST', `/tenants/${t.id}/unmark-grants/${id}/approve`)).status).toBe(409)
    const other = ((await (await apply(t)).json()) as any).id
    const rejected = await admin('POST', `/tenants/${t.id}/unmark-grants/${other}/reject`, { note: '资料不全' })
    expect(await rejected.json()).toMatchObject({ status: 'rejected', note: '资料不全' })
    expect((await admin('POST', `/tenants/${t.id}/unmark-grants/nope/approve`)).status).toBe(404)
    const list = (await (await admin('GET', `/tenants/${t.id}/unmark-grants?status=rejected`)).json()) as any
    expect(list.data.map((g: any) => g.id)).toEqual([other])
    expect((await grantRows(t.id)).map((r) => r.event)).toEqual(['grant_applied', 'grant_revoked', 'grant_applied', 'grant_rejected'])
  })
})

describe('unlabelled delivery', () => {
  it('delivers JSON and streams without the explicit label, keeps the implicit label, and logs each delivery first', async () => {
    const t = await unmarkTenant()
    const grant = await approvedGrant(t)
    const client = openai(t.key)

    const { data, response } = await client.chat.completions.create({ model: 'plain', messages }, unmarked(grant)).withResponse()
    expect(data.choices[0]!.message.content).toBe(ANSWER)
    expect(response.headers.get('x-aigc-explicit')).toBe('omitted')
    expect(response.headers.get('x-aigc-explicit-reason')).toBe('unmark-grant')
    expect(response.headers.get('x-aigc-label')).toContain('"Label":"1"')
    expect((data as any).aigc.ProduceID).toBe(response.headers.get('x-aigc-produce-id'))

    const stream = await client.chat.completions.create({ model: 'cjk-split', messages, stream: true }, unmarked(grant)).withResponse()
    let text = ''
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text).toBe(ANSWER)

    const deliveries = (await logRows(t.id)).filter((r) => r.event === 'delivery')
    expect(deliveries.map((r) => r.produceIds)).toEqual([[response.headers.get('x-aigc-produce-id')], [stream.response.headers.get('x-aigc-produce-id')]])
    expect(deliveries[0]).toMatchObject({ grantId: grant, endUser: 'user-1', contentKind: 'text', route: 'POST /v1/chat/completions' })
    expect(deliveries[0]!.requestId).toBe(response.headers.get('x-aigc-request-id'))
    expect(deliveries[0]!.userAgent).toMatch(/OpenAI/)
  })

  it('takes the end user from the body when there is no X-AIGC-User header', async () => {
    const t = await unmarkTenant()
    const grant = await approvedGrant(t, 'body-user')
    const res = await openai(t.key).chat.completions.create({ model: 'plain', messages, user: 'body-user' }, { headers: { 'X-AIGC-Unmark': grant } })
    expect(res.choices[0]!.message.content).toBe(ANSWER)
  })

  it('labels the content and names the reason for a wrong user, a pending, revoked or expired grant, or another tenant', async () => {
    const t = await unmarkTenant()
    const other = await unmarkTenant()
    const approved = await approvedGrant(t)
    const pending = ((await (await apply(t)).json()) as any).id
    const revoked = await approvedGrant(t)
    await admin('POST', `/tenants/${t.id}/unmark-grants/${revoked}/revoke`)
    const expired = await approvedGrant(t)
    await env.DB.prepare('UPDATE unmark_grants SET expires_at = ? WHERE id = ?').bind(new Date(Date.now() - 1000).toISOString(), expired).run()

    const cases: [TestTenant, string, string, string][] = [
      [t, approved, 'user-2', 'wrong-user'],
      [t, pending, 'user-1', 'grant-pending'],
      [t, revoked, 'user-1', 'grant-revoked'],
      [t, expired, 'user-1', 'grant-expired'],
      [other, approved, 'user-1', 'unknown-grant'],
    ]
    for (const [tenant, grant, user, reason] of cases) {
      const { data, response } = await openai(tenant.key).chat.completions.create({ model: 'plain', messages }, unmarked(grant, user)).withResponse()
      expect(data.choices[0]!.message.content, reason).toBe(`${ANSWER}\n\n${LABEL}`)
      expect(response.headers.get('x-aigc-unmark-refused')).toBe(reason)
      expect(response.headers.get('x-aigc-explicit')).toBe('applied')
    }
    expect((await logRows(t.id)).filter((r) => r.event === 'delivery')).toEqual([])
    expect(await grantRows(other.id)).toEqual([])
  })

  it('delivers labelled, with the reason, when the log write fails', async () => {
    const t = await unmarkTenant()
    const grant = await approvedGrant(t)
    await env.DB.exec(
      `CREATE TRIGGER fail_unmark_log BEFORE INSERT ON unmark_log WHEN NEW.tenant_id = '${t.id}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    )
    try {
      const json = await openai(t.key).chat.completions.create({ model: 'plain', messages }, unmarked(grant)).withResponse()
      expect(json.data.choices[0]!.message.content).toBe(`${ANSWER}\n\n${LABEL}`)
      expect(json.response.headers.get('x-aigc-unmark-refused')).toBe('log-write-failed')
      const res = await gateway('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.key}`, 'X-AIGC-Unmark': grant, 'X-AIGC-User': 'user-1' },
        body: JSON.stringify({ model: 'plain', messages, stream: true }),
      })
      const raw = await res.text()
      expect(res.headers.get('x-aigc-unmark-refused')).toBe('log-write-failed')
      expect(raw).toContain(JSON.stringify(`\n\n${LABEL}`).slice(1, -1))
    } finally {
      await env.DB.exec('DROP TRIGGER fail_unmark_log')
    }
    expect((await logRows(t.id)).filter((r) => r.event === 'delivery')).toEqual([])
  })
})

describe('the delivery log', { timeout: 30_000 }, () => {
  it('takes 200 concurrent unlabelled deliveries under one grant into one valid chain, none refused', async () => {
    const t = await unmarkTenant()
    const grant = await approvedGrant(t)
    const client = openai(t.key)
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => client.chat.completions.create({ model: 'plain', messages }, unmarked(grant)).withResponse()),
    )
    const refused = responses.map((r) => r.response.headers.get('x-aigc-unmark-refused')).filter(Boolean)
    expect(refused).toEqual([])
    expect(responses.every((r) => r.data.choices[0]!.message.content === ANSWER)).toBe(true)
    const rows = await logRows(t.id)
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1))
    const deliveries = rows.filter((r) => r.event === 'delivery')
    expect(deliveries).toHaveLength(200)
    // Each delivery has its own row, written before its response went out.
    expect(new Set(deliveries.map((r) => r.requestId))).toEqual(new Set(responses.map((r) => r.response.headers.get('x-aigc-request-id'))))
    expect(await verify(t.id)).toMatchObject({ valid: true, rows: S + 202, head: { seq: S + 202 } })
  }, 120_000)

  it('names the first row that was changed or removed', async () => {
    const t = await unmarkTenant()
    const grant = await approvedGrant(t)
    for (let i = 0; i < 3; i++) await openai(t.key).chat.completions.create({ model: 'plain', messages }, unmarked(grant))
    await env.DB.prepare("UPDATE unmark_log SET end_user = 'someone-else' WHERE tenant_id = ? AND seq = 4").bind(t.id).run()
    expect(await verify(t.id)).toMatchObject({ valid: false, firstBadSeq: 4, reason: expect.stringMatching(/changed/) })
    await env.DB.prepare('DELETE FROM unmark_log WHERE tenant_id = ? AND seq = 3').bind(t.id).run()
    expect(await verify(t.id)).toMatchObject({ valid: false, firstBadSeq: 3, reason: expect.stringMatching(/missing/) })
  })

  it("exports one tenant's rows as JSONL or CSV, by time range and in pages", async () => {
    const a = await unmarkTenant({ autoApprove: true })
    const b = await unmarkTenant({ autoApprove: true })
    await apply(b, { user: 'b-user' })
    const start = new Date(Date.now() - 1000).toISOString()
    for (let i = 0; i < 5; i++) await apply(a, { user: `a-user-${i}` })

    const all = await grantRows(a.id)
    expect(all).toHaveLength(10)
    expect(all.every((r) => r.tenantId === a.id && r.endUser?.startsWith('a-user'))).toBe(true)

    const first = await admin('GET', `/tenants/${a.id}/unmark-log?limit=4`)
    expect(first.headers.get('x-next-after')).toBe('4')
    const page2 = await logRows(a.id, '?limit=4&after=4')
    expect(page2.map((r) => r.seq)).toEqual([5, 6, 7, 8])
    const last = await admin('GET', `/tenants/${a.id}/unmark-log?limit=4&after=${S + 8}`)
    expect(last.headers.get('x-next-after')).toBeNull()

    expect(await logRows(a.id, `?from=${encodeURIComponent(new Date(Date.now() + DAY).toISOString())}`)).toEqual([])
    expect(await grantRows(a.id, `?from=${encodeURIComponent(start)}`)).toHaveLength(10)

    const csv = await admin('GET', `/tenants/${a.id}/unmark-log?format=csv`)
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/)
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]).toBe('seq,event,at,grantId,endUser,produceIds,contentKind,route,clientIp,userAgent,requestId,details,prevHash,hash')
    expect(lines).toHaveLength(1 + S + 10)
    expect(lines.join('\n')).not.toContain('b-user')
    expect((await admin('GET', `/tenants/${a.id}/unmark-log?format=xml`)).status).toBe(400)
  })

  it('exports cells a spreadsheet would run as formulas as text', async () => {
    const t = await unmarkTenant({ autoApprove: true })
    const users = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', '\tx', '\rx']
    for (const user of users) expect((await apply(t, { user })).status).toBe(201)
    const text = await (await admin('GET', `/tenants/${t.id}/unmark-log?format=csv`)).text()
    const lines = text.split('\r\n').slice(1 + S)
    // endUser is the fifth column; quoted cells (quotes, CR) keep the quote outside the prefix.
    expect(lines[0]!.split(',')[4]).toBe(`"'=HYPERLINK(""http://x""`)
    for (const user of users.slice(1, 4)) expect(text).toContain(`,'${user},`)
    expect(text).toContain(`,'\tx,`)
    expect(text).toContain(`,"'\rx",`)
    expect(text).not.toMatch(/,[=+@\t]/)
  })
})

describe('large exports', () => {
  it('streams more rows than one page in a single response, in order', async () => {
    const t = await createTenant()
    // 12,001 rows straight into D1 (export does not check hashes; verify does).
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12001)
       INSERT INTO unmark_log (tenant_id, seq, event, at, produce_ids, prev_hash, hash)
       SELECT ?, ? + i, 'delivery', '2027-01-01T00:00:00.000Z', '[]', 'x', 'y' FROM n`,
    ).bind(t.id, S).run()
    const res = await admin('GET', `/tenants/${t.id}/unmark-log?format=csv`)
    const lines = (await res.text()).trim().split('\r\n')
    expect(lines).toHaveLength(1 + S + 12001)
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(Array.from({ length: S + 12001 }, (_, i) => i + 1))
  })
})

// Each of these makes a handful of model calls and a cron run that signs every chain in this
// file: more than the default 5 s on a busy machine.
describe('signed anchors', { timeout: 60_000 }, () => {
  const anchors = async (tenantId: string) => ((await (await admin('GET', `/tenants/${tenantId}/unmark-log/anchors`)).json()) as any).data

  /** A tenant with a grant and three deliveries (head seq S + 5), signed by the daily job, then two more rows. */
  async function anchored() {
    const t = await unmarkTenant()
    const grant = await approvedGrant(t)
    const client = openai(t.key)
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'plain', messages }, unmarked(grant))
    const now = Date.now()
    await runCron(now)
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'plain', messages }, unmarked(grant))
    return { t, day: new Date(now).toISOString().slice(0, 10) }
  }

  const sql = (query: string, ...values: unknown[]) => env.DB.prepare(query).bind(...values).run()

  it('are signed daily, kept in D1 and R2, listed by the admin API, and verify', async () => {
    const { t, day } = await anchored()
    const rows = await logRows(t.id)
    const [anchor, ...older] = await anchors(t.id)
    expect(older).toEqual([])
    expect(anchor).toMatchObject({ tenantId: t.id, day, seq: S + 5, hash: rows[S + 4]!.hash, startSeq: 0, startHash: '0'.repeat(64), algorithm: 'SM2' })
    const keys = ((await (await admin('GET', `/tenants/${t.id}/signing-keys`)).json()) as any).keys
    expect(anchor.publicKey).toBe(keys[0].publicKey)
    const stored = await env.FILES.get(`unmark-log/anchors/${t.id}/${day}.json`)
    expect(await stored!.json()).toEqual(anchor)
    expect(await verify(t.id)).toMatchObject({ valid: true, rows: S + 7, signedAnchor: { day, seq: S + 5, hash: rows[S + 4]!.hash } })
  })

  it('catch a chain cut short before the signed head', async () => {
    const { t } = await anchored()
    await sql('DELETE FROM unmark_log WHERE tenant_id = ? AND seq >= ?', t.id, S + 4)
    expect(await verify(t.id)).toMatchObject({ valid: false, firstBadSeq: S + 4, reason: expect.stringMatching(new RegExp(`ends at seq ${S + 3}, before the head seq ${S + 5}`)) })
  })

  it('catch a chain rewritten with fresh hashes before the signed head', async () => {
    const { t } = await anchored()
    // Change row 3 and recompute every hash after it, as someone with D1 access could.
    let prev = (await logRows(t.id))[S + 1]!.hash
    for (const row of (await logRows(t.id)).slice(S + 2)) {
      const changed = { ...row, endUser: row.seq === S + 3 ? 'someone-else' : row.endUser, prevHash: prev }
      const hash = await rowHash(prev, t.id, row.seq, changed)
      await sql('UPDATE unmark_log SET end_user = ?, prev_hash = ?, hash = ? WHERE tenant_id = ? AND seq = ?', changed.endUser, prev, hash, t.id, row.seq)
      prev = hash
    }
    expect(await verify(t.id)).toMatchObject({ valid: false, firstBadSeq: S + 5, reason: expect.stringMatching(/rewritten at or before/) })
  })

  it('catch rows deleted from the start behind a forged retention anchor', async () => {
    const { t } = await anchored()
    const second = (await logRows(t.id))[1]!
    await sql('DELETE FROM unmark_log WHERE tenant_id = ? AND seq <= 2', t.id)
    await sql('INSERT INTO unmark_log_anchor (tenant_id, seq, hash, pruned_at) VALUES (?, 2, ?, ?)', t.id, second.hash, new Date().toISOString())
    expect(await verify(t.id)).toMatchObject({ valid: false, firstBadSeq: 1, reason: expect.stringMatching(/starts after seq 2.*after seq 0/) })
  })

  it("still verify a deleted tenant's chain that retention went on pruning after its last anchor", async () => {
    const { t } = await anchored()
    expect((await admin('DELETE', `/tenants/${t.id}`)).status).toBe(204)
    // The deletion is the chain's last row.
    expect((await logRows(t.id)).at(-1)!.details).toMatchObject({ action: 'tenant.deleted', actor: { kind: 'platform' } })
    await pruneLog(env.DB, t.id, { seq: 2, hash: (await logRows(t.id))[1]!.hash }, new Date().toISOString())
    expect(await verify(t.id)).toMatchObject({ valid: true, rows: S + 6, anchor: { seq: 2 }, signedAnchor: { seq: S + 5 } })
  })

  it('catch a removed or altered anchor record', async () => {
    const removed = await anchored()
    await sql('DELETE FROM unmark_log_signed_anchors WHERE tenant_id = ?', removed.t.id)
    expect(await verify(removed.t.id)).toMatchObject({ valid: false, reason: expect.stringMatching(/in R2 but not in D1/) })

    const altered = await anchored()
    await sql('DELETE FROM unmark_log WHERE tenant_id = ? AND seq >= ?', altered.t.id, S + 4)
    await sql('UPDATE unmark_log_signed_anchors SET seq = ?2, hash = (SELECT hash FROM unmark_log WHERE tenant_id = ?1 AND seq = ?2) WHERE tenant_id = ?1', altered.t.id, S + 3)
    expect(await verify(altered.t.id)).toMatchObject({ valid: false, reason: expect.stringMatching(/does not verify/) })
  })
})

describe('retention', { timeout: 30_000 }, () => {
  async function seed(tenantId: string, now: number, ages: number[]) {
    for (const days of ages) {
      await appendLog(tenantId, {
        event: 'delivery', at: new Date(now - days * DAY).toISOString(), grantId: 'g', endUser: `aged-${days}`, produceIds: ['p'],
        contentKind: 'text', route: 'test', clientIp: null, userAgent: null, requestId: null, details: null,
      })
    }
  }

  it('deletes expired rows, keeps 179-day rows whatever the config says, and the chain still verifies', async () => {
    // Far enough ahead that the rows of the tenants' creation (today) are older than any seeded row.
    const now = Date.now() + 401 * DAY
    const short = await unmarkTenant()
    const long = await unmarkTenant({ retentionDays: 365 })
    // A policy below the floor can only come from outside the API: the cron still keeps 180 days.
    await env.DB.prepare(`UPDATE tenants SET unmark_policy = json_set(unmark_policy, '$.retentionDays', 30) WHERE id = ?`).bind(short.id).run()
    await seed(short.id, now, [400, 200, 181, 179, 1])
    await seed(long.id, now, [400, 200, 1])

    await runCron(now)

    expect((await logRows(short.id)).map((r) => r.endUser)).toEqual(['aged-179', 'aged-1'])
    expect((await logRows(long.id)).map((r) => r.endUser)).toEqual(['aged-200', 'aged-1'])
    expect(await verify(short.id)).toMatchObject({ valid: true, rows: 2, anchor: { seq: S + 3 } })
    expect(await verify(long.id)).toMatchObject({ valid: true, rows: 2, anchor: { seq: S + 1 } })

    // The chain goes on from the anchor, and a second run a day later moves it on.
    await seed(short.id, now, [0])
    await runCron(now + 1.5 * DAY)
    expect((await logRows(short.id)).map((r) => r.endUser)).toEqual(['aged-1', 'aged-0'])
    expect(await verify(short.id)).toMatchObject({ valid: true, rows: 2, anchor: { seq: S + 4 }, head: { seq: S + 6 } })
  })
})
