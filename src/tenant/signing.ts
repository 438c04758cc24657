/**
 * Each tenant's label signing key: created with the tenant (or on first use, for tenants
 * older than signing), rotated on request or when the configured algorithm changes, the
 * private part sealed under MASTER_KEY, the public part published forever.
 */
import type { GatewayConfig } from '../config'
import { decryptSecret, encryptSecret, randomToken } from '../crypto'
import * as db from '../db/signing-keys'
import type { SigningKeyRecord } from '../db/signing-keys'
import { GatewayError } from '../errors'
import { generateKeyPair, type Signer, type SigningAlgorithm } from '../label/signature'
import { masterKeyOf } from '../config'
import type { Tenant } from '../db/tenants'

export type { SigningKeyRecord }

async function newKey(config: GatewayConfig, tenant: Tenant, algorithm: SigningAlgorithm, now: Date) {
  const pair = await generateKeyPair(algorithm)
  const id = `${tenant.id}.${randomToken(10)}`
  return {
    id,
    tenantId: tenant.id,
    providerCode: tenant.providerCode,
    algorithm,
    publicKey: pair.publicKey.toLowerCase(),
    // The key id is the associated data: a sealed key cannot be moved to another row.
    privateKeySealed: await encryptSecret(masterKeyOf(config), pair.privateKey, `signing-key:${id}`),
    validFrom: now.toISOString(),
  }
}

const CACHE_TTL_MS = 30_000
const signers = new Map<string, { signer: Promise<Signer>; expires: number }>()

/** The tenant's active signer; creates the first key when the tenant has none. */
export function tenantSigner(database: D1Database, config: GatewayConfig, tenant: Tenant): Promise<Signer> {
  const now = Date.now()
  const hit = signers.get(tenant.id)
  if (hit && hit.expires > now) return hit.signer
  const signer = loadSigner(database, config, tenant).catch((error) => {
    signers.delete(tenant.id)
    throw error
  })
  signers.set(tenant.id, { signer, expires: now + CACHE_TTL_MS })
  return signer
}

async function loadSigner(database: D1Database, config: GatewayConfig, tenant: Tenant): Promise<Signer> {
  let key = await db.activeKey(database, tenant.id)
  if (!key) {
    await db.insertFirstKey(database, await newKey(config, tenant, tenant.labels.signing.algorithm, new Date()))
    key = await db.activeKey(database, tenant.id)
    if (!key) throw new GatewayError(500, 'internal_error', 'the tenant signing key could not be created')
  }
  const privateKey = await decryptSecret(masterKeyOf(config), key.privateKeySealed, `signing-key:${key.id}`)
  return { keyId: key.id, algorithm: key.algorithm, publicKey: key.publicKey, privateKey }
}

export async function createFirstKey(database: D1Database, config: GatewayConfig, tenant: Tenant, now: Date): Promise<void> {
  await db.insertFirstKey(database, await newKey(config, tenant, tenant.labels.signing.algorithm, now))
}

/** Retires the active key and makes a new one; returns the new key's public record. */
export async function rotateKey(database: D1Database, config: GatewayConfig, tenant: Tenant, now: Date): Promise<SigningKeyRecord> {
  const key = await newKey(config, tenant, tenant.labels.signing.algorithm, now)
  await db.replaceActiveKey(database, key)
  signers.delete(tenant.id)
  const { privateKeySealed: _, ...record } = key
  return { ...record, validUntil: null }
}

export async function retireTenantKeys(database: D1Database, tenantId: string, now: Date): Promise<void> {
  await db.retireKeys(database, tenantId, now.toISOString())
  signers.delete(tenantId)
}

export const listSigningKeys = db.listKeys

const known = new Map<string, SigningKeyRecord>()

/** The published key with this public key, if any (found keys are remembered: they never change but for retirement). */
export async function publishedKey(database: D1Database, publicKey: string): Promise<SigningKeyRecord | undefined> {
  const id = publicKey.toLowerCase()
  const cached = known.get(id)
  if (cached) return cached
  const found = await db.findKeyByPublicKey(database, id)
  if (found && known.size < 10_000) known.set(id, found)
  return found
}
