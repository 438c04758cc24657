/**
 * Tenant operations behind the admin API and the proxy: validation, sealing the upstream
 * key, issuing gateway keys, the demo tenant, and the short-lived per-isolate cache.
 */
import { masterKeyOf, type GatewayConfig } from '../config'
import { DEFAULT_IMAGE_MARK } from '../label/image-mark'
import { decryptSecret, encryptSecret, randomToken, sha256Hex } from '../crypto'
import * as db from '../db/tenants'
import type { Tenant } from '../db/tenants'
import { GatewayError } from '../errors'
import { checkUpstreamUrl, parseUnmarkPolicy, parseWith, tenantCreateSchema, tenantPatchSchema, type Labels, type LabelsPatch } from './schema'
import { seedDevelopmentSigner } from './c2pa-signer'
import { createFirstKey, retireTenantKeys, rotateKey } from './signing'

export type { Tenant }

/** What the admin API shows of a tenant: never the upstream key. */
export function publicTenant({ upstreamKeySealed: _, ...tenant }: Tenant) {
  return tenant
}

function checkUpstream(upstream: { baseUrl?: string; anthropicBaseUrl?: string }, config: GatewayConfig): void {
  const opts = { development: config.development, demo: config.demoTenant }
  if (upstream.baseUrl) checkUpstreamUrl('upstream.baseUrl', upstream.baseUrl, opts)
  if (upstream.anthropicBaseUrl) checkUpstreamUrl('upstream.anthropicBaseUrl', upstream.anthropicBaseUrl, opts)
}

export async function createTenant(database: D1Database, config: GatewayConfig, input: unknown, now: Date): Promise<Tenant> {
  const spec = parseWith(tenantCreateSchema, input)
  checkUpstream(spec.upstream, config)
  const { apiKey, ...upstream } = spec.upstream
  const at = now.toISOString()
  const tenant: Tenant = {
    id: spec.id,
    name: spec.name,
    providerCode: spec.providerCode,
    upstream,
    upstreamKeySealed: await encryptSecret(masterKeyOf(config), apiKey, spec.id),
    labels: spec.labels,
    unmark: spec.unmark,
    corsOrigins: spec.corsOrigins,
    createdAt: at,
    updatedAt: at,
  }
  if (!(await db.insertTenant(database, tenant))) {
    throw new GatewayError(409, 'conflict', `tenant "${spec.id}" already exists`, 'id')
  }
  await createFirstKey(database, config, tenant, now)
  return tenant
}

export async function requireTenant(database: D1Database, id: string): Promise<Tenant> {
  const tenant = await db.getTenant(database, id)
  if (!tenant) throw new GatewayError(404, 'not_found', `no tenant "${id}"`)
  return tenant
}

/** Label settings after a change (also what the console's preview renders with). */
export function mergeLabels(current: Labels, patch: LabelsPatch = {}): Labels {
  return {
    text: { ...current.text, ...patch.text },
    image: { ...DEFAULT_IMAGE_MARK, ...current.image, ...patch.image },
    audio: { ...current.audio, ...patch.audio },
    signing: { ...current.signing, ...patch.signing },
  }
}

/** `beforeWrite` sees the validated change before it is stored (the audit log records it there). */
export async function patchTenant(
  database: D1Database,
  config: GatewayConfig,
  id: string,
  input: unknown,
  now: Date,
  beforeWrite?: (before: Tenant, after: Tenant) => Promise<void>,
): Promise<Tenant> {
  const patch = parseWith(tenantPatchSchema, input)
  const current = await requireTenant(database, id)
  const { apiKey, ...upstream } = patch.upstream ?? {}
  checkUpstream(upstream, config)
  const tenant: Tenant = {
    ...current,
    ...(patch.name ? { name: patch.name } : {}),
    ...(patch.providerCode ? { providerCode: patch.providerCode } : {}),
    upstream: { ...current.upstream, ...upstream },
    upstreamKeySealed: apiKey ? await encryptSecret(masterKeyOf(config), apiKey, id) : current.upstreamKeySealed,
    labels: mergeLabels(current.labels, patch.labels),
    unmark: patch.unmark ? parseUnmarkPolicy({ ...current.unmark, ...patch.unmark }) : current.unmark,
    corsOrigins: patch.corsOrigins ?? current.corsOrigins,
    updatedAt: now.toISOString(),
  }
  await beforeWrite?.(current, tenant)
  await db.updateTenant(database, tenant)
  // The active key always has the configured algorithm and names the current provider code.
  if (tenant.labels.signing.algorithm !== current.labels.signing.algorithm || tenant.providerCode !== current.providerCode) {
    await rotateKey(database, config, tenant, now)
  }
  forgetCachedTenants()
  return tenant
}

export async function removeTenant(database: D1Database, id: string): Promise<void> {
  if (!(await db.deleteTenant(database, id))) throw new GatewayError(404, 'not_found', `no tenant "${id}"`)
  await retireTenantKeys(database, id, new Date())
  forgetCachedTenants()
}

const KEY_PREFIX = 'sk-aigc-'

/** Issues a gateway key; the plain key is returned once and only its hash is stored. */
export async function issueKey(database: D1Database, tenantId: string, now: Date, key = KEY_PREFIX + randomToken(40)) {
  await requireTenant(database, tenantId)
  const record = { id: `key_${randomToken(16)}`, tenantId, prefix: key.slice(0, 12), createdAt: now.toISOString() }
  await db.insertApiKey(database, { ...record, hash: await sha256Hex(key) })
  return { ...record, key }
}

export async function revokeKey(database: D1Database, tenantId: string, keyId: string): Promise<void> {
  if (!(await db.deleteApiKey(database, tenantId, keyId))) {
    throw new GatewayError(404, 'not_found', `tenant "${tenantId}" has no key "${keyId}"`)
  }
  forgetCachedTenants()
}

export interface ResolvedTenant {
  tenant: Tenant
  upstreamKey: string
}

// Keys resolve from this isolate's memory for a short while instead of D1 on every
// request; admin changes clear it here, other isolates catch up within the TTL.
const CACHE_TTL_MS = 30_000
const CACHE_MAX_ENTRIES = 10_000
const cache = new Map<string, { value: ResolvedTenant | undefined; expires: number }>()

export function forgetCachedTenants(): void {
  cache.clear()
}

export async function tenantForKey(database: D1Database, config: GatewayConfig, key: string): Promise<ResolvedTenant | undefined> {
  if (config.demoTenant) await ensureDemoTenant(database, config)
  const hash = await sha256Hex(key)
  const now = Date.now()
  let hit = cache.get(hash)
  if (!hit || hit.expires <= now) {
    const tenant = await db.findTenantByKeyHash(database, hash)
    const value = tenant && {
      tenant,
      upstreamKey: await decryptSecret(masterKeyOf(config), tenant.upstreamKeySealed, tenant.id),
    }
    if (cache.size >= CACHE_MAX_ENTRIES) cache.clear()
    hit = { value, expires: now + CACHE_TTL_MS }
    cache.set(hash, hit)
  }
  // A demo tenant left in the database never serves where the demo is off.
  if (hit.value?.tenant.upstream.baseUrl.startsWith('demo:') && !config.demoTenant) return undefined
  return hit.value
}

export const DEMO_KEY = 'sk-demo-local'
export const DEMO_UPSTREAM = 'demo://model/v1'

let demoSeeded: Promise<void> | undefined

/**
 * Seeds tenant `demo` (key sk-demo-local → the built-in demo model) once per isolate, with a
 * development C2PA chain so the default shows the whole Content Credentials path.
 */
function ensureDemoTenant(database: D1Database, config: GatewayConfig): Promise<void> {
  demoSeeded ??= (async () => {
    if (await db.getTenant(database, 'demo')) return seedDevelopmentSigner(database, config, 'demo', 'Demo tenant')
    const input = {
      id: 'demo',
      name: 'Demo tenant (local development)',
      providerCode: '001191110108MA01DEMO0X00000',
      upstream: { baseUrl: DEMO_UPSTREAM, apiKey: 'demo' },
    }
    await createTenant(database, config, input, new Date()).catch((e) => {
      if (!(e instanceof GatewayError && e.status === 409)) throw e
    })
    await issueKey(database, 'demo', new Date(), DEMO_KEY)
    await seedDevelopmentSigner(database, config, 'demo', 'Demo tenant')
    forgetCachedTenants()
  })().catch((e) => {
    demoSeeded = undefined
    throw e
  })
  return demoSeeded
}
