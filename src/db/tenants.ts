/** D1 queries for tenants and their gateway keys, returning domain objects. */
import { DEFAULT_AUDIO_MARK } from '../audio/rhythm-mark'
import { DEFAULT_IMAGE_MARK } from '../label/image-mark'
import { DEFAULT_SIGNING, type Labels, type UnmarkPolicy } from '../tenant/schema'

export interface Tenant {
  id: string
  name: string
  providerCode: string
  upstream: { baseUrl: string; anthropicBaseUrl?: string; fetchHosts?: string[] }
  /** Encrypted upstream API key; see crypto.ts. */
  upstreamKeySealed: string
  labels: Labels
  unmark: UnmarkPolicy
  /** Browser origins allowed to call /v1 with the tenant's keys. */
  corsOrigins: string[]
  createdAt: string
  updatedAt: string
}

export interface ApiKeyRecord {
  id: string
  tenantId: string
  prefix: string
  createdAt: string
}

interface TenantRow {
  id: string
  name: string
  provider_code: string
  upstream_base_url: string
  upstream_anthropic_base_url: string | null
  upstream_api_key_sealed: string
  labels: string
  unmark_policy: string
  upstream_fetch_hosts: string | null
  cors_origins: string
  created_at: string
  updated_at: string
}

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    providerCode: row.provider_code,
    upstream: {
      baseUrl: row.upstream_base_url,
      ...(row.upstream_anthropic_base_url ? { anthropicBaseUrl: row.upstream_anthropic_base_url } : {}),
      ...(row.upstream_fetch_hosts ? { fetchHosts: JSON.parse(row.upstream_fetch_hosts) as string[] } : {}),
    },
    upstreamKeySealed: row.upstream_api_key_sealed,
    // Tenants stored before image labels or signing existed get the defaults.
    labels: { image: DEFAULT_IMAGE_MARK, audio: DEFAULT_AUDIO_MARK, signing: DEFAULT_SIGNING, ...JSON.parse(row.labels) } as Labels,
    unmark: JSON.parse(row.unmark_policy) as UnmarkPolicy,
    corsOrigins: JSON.parse(row.cors_origins) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function tenantValues(t: Tenant) {
  return [
    t.name,
    t.providerCode,
    t.upstream.baseUrl,
    t.upstream.anthropicBaseUrl ?? null,
    t.upstreamKeySealed,
    JSON.stringify(t.labels),
    JSON.stringify(t.unmark),
    t.upstream.fetchHosts ? JSON.stringify(t.upstream.fetchHosts) : null,
    JSON.stringify(t.corsOrigins),
    t.updatedAt,
  ]
}

/** Returns false when the id is taken. */
export async function insertTenant(db: D1Database, t: Tenant): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO tenants (name, provider_code, upstream_base_url, upstream_anthropic_base_url,
         upstream_api_key_sealed, labels, unmark_policy, upstream_fetch_hosts, cors_origins, updated_at, id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(...tenantValues(t), t.id, t.createdAt)
    .run()
  return result.meta.changes === 1
}

export async function updateTenant(db: D1Database, t: Tenant): Promise<void> {
  await db
    .prepare(
      `UPDATE tenants SET name = ?, provider_code = ?, upstream_base_url = ?, upstream_anthropic_base_url = ?,
         upstream_api_key_sealed = ?, labels = ?, unmark_policy = ?, upstream_fetch_hosts = ?, cors_origins = ?, updated_at = ?
       WHERE id = ?`,
    )
    .bind(...tenantValues(t), t.id)
    .run()
}

export async function getTenant(db: D1Database, id: string): Promise<Tenant | undefined> {
  const row = await db.prepare('SELECT * FROM tenants WHERE id = ?').bind(id).first<TenantRow>()
  return row ? toTenant(row) : undefined
}

/** Whether any tenant lets browsers from `origin` call it (CORS preflights carry no key). */
export async function listTenants(db: D1Database): Promise<Tenant[]> {
  const { results } = await db.prepare('SELECT * FROM tenants ORDER BY id').all<TenantRow>()
  return results.map(toTenant)
}

export async function anyTenantAllowsOrigin(db: D1Database, origin: string): Promise<boolean> {
  const row = await db.prepare('SELECT 1 AS hit FROM tenants, json_each(tenants.cors_origins) WHERE json_each.value = ? LIMIT 1').bind(origin).first()
  return row !== null
}

export async function deleteTenant(db: D1Database, id: string): Promise<boolean> {
  const [, , result] = await db.batch([
    db.prepare('DELETE FROM api_keys WHERE tenant_id = ?').bind(id),
    // The unmark log is kept: Article 9 retention outlives the tenant.
    db.prepare('DELETE FROM unmark_grants WHERE tenant_id = ?').bind(id),
    db.prepare('DELETE FROM tenants WHERE id = ?').bind(id),
  ])
  return result!.meta.changes === 1
}

export async function findTenantByKeyHash(db: D1Database, keyHash: string): Promise<Tenant | undefined> {
  const row = await db
    .prepare('SELECT t.* FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = ?')
    .bind(keyHash)
    .first<TenantRow>()
  return row ? toTenant(row) : undefined
}

export async function insertApiKey(db: D1Database, key: ApiKeyRecord & { hash: string }): Promise<void> {
  await db
    .prepare('INSERT INTO api_keys (id, tenant_id, key_hash, key_prefix, created_at) VALUES (?, ?, ?, ?, ?)')
    .bind(key.id, key.tenantId, key.hash, key.prefix, key.createdAt)
    .run()
}

export async function listApiKeys(db: D1Database, tenantId: string): Promise<ApiKeyRecord[]> {
  const { results } = await db
    .prepare('SELECT id, tenant_id, key_prefix, created_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at')
    .bind(tenantId)
    .all<{ id: string; tenant_id: string; key_prefix: string; created_at: string }>()
  return results.map((r) => ({ id: r.id, tenantId: r.tenant_id, prefix: r.key_prefix, createdAt: r.created_at }))
}

/** Returns false when no such key belongs to the tenant. */
export async function deleteApiKey(db: D1Database, tenantId: string, keyId: string): Promise<boolean> {
  const result = await db.prepare('DELETE FROM api_keys WHERE id = ? AND tenant_id = ?').bind(keyId, tenantId).run()
  return result.meta.changes === 1
}
