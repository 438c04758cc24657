/**
 * Each tenant's C2PA signer: an ES256 key sealed under MASTER_KEY (held in memory as a
 * non-extractable WebCrypto key) and the certificate chain a CA issued for it. The gateway
 * makes the key and a CSR (pending until the chain comes back), or the operator imports
 * key and chain; a new CSR rotates without a gap (the active signer signs until the chain
 * for the new key is set). Without an active signer, images are stripped of C2PA.
 */
import {
  certificateRequest,
  certificateSummary,
  chainPem,
  checkChain,
  CertificateError,
  exportableKeyPair,
  exportPrivateKey,
  importedKeyPair,
  parseChain,
  signingKey,
  type CertificateSummary,
} from '../c2pa/certificates'
import { developmentChain } from '../c2pa/dev-chain'
import type { C2paCredential } from '../c2pa/sign'
import { masterKeyOf, type GatewayConfig } from '../config'
import { decryptSecret, encryptSecret, randomToken } from '../crypto'
import * as db from '../db/c2pa-signers'
import type { C2paSignerRow } from '../db/c2pa-signers'
import { GatewayError } from '../errors'

export interface TenantC2paSigner {
  id: string
  credential: C2paCredential
  /** The TC260 label's assertion label: `<namespace>.tc260.label`. */
  labelAssertion: string
}

const sealContext = (id: string) => `c2pa-signer:${id}`
const invalid = (error: unknown): never => {
  if (error instanceof CertificateError) throw new GatewayError(422, 'invalid_request', error.message)
  throw error
}

async function sealedRow(config: GatewayConfig, tenantId: string, namespace: string, key: CryptoKey, now: Date, extra: Pick<C2paSignerRow, 'state' | 'csr' | 'certificate_chain'>): Promise<C2paSignerRow> {
  const id = `c2pa_${randomToken(16)}`
  const at = now.toISOString()
  return {
    id,
    tenant_id: tenantId,
    namespace,
    private_key_sealed: await encryptSecret(masterKeyOf(config), await exportPrivateKey(key), sealContext(id)),
    created_at: at,
    activated_at: extra.state === 'active' ? at : null,
    ...extra,
  }
}

const privateKeyPem = (config: GatewayConfig, row: C2paSignerRow) => decryptSecret(masterKeyOf(config), row.private_key_sealed, sealContext(row.id))

/** A new key and its CSR, as a pending row (not yet stored). */
export async function pendingSigner(config: GatewayConfig, tenantId: string, input: { namespace: string; subject: { commonName: string; organization?: string; country?: string } }, now: Date) {
  const keys = await exportableKeyPair()
  const csr = await certificateRequest(keys, input.subject)
  return sealedRow(config, tenantId, input.namespace, keys.privateKey, now, { state: 'pending', csr, certificate_chain: null })
}

/** The tenant's pending key with the chain a CA issued for it, checked; not yet stored. */
export async function pendingWithChain(database: D1Database, config: GatewayConfig, tenantId: string, pem: string, now: Date): Promise<{ row: C2paSignerRow; chain: string; certificate: CertificateSummary }> {
  const row = (await db.signerRows(database, tenantId)).find((r) => r.state === 'pending')
  if (!row) throw new GatewayError(409, 'conflict', 'no pending C2PA key: POST …/c2pa-signer/csr first, or import a key with PUT …/c2pa-signer')
  const { publicKey } = await importedKeyPair(await privateKeyPem(config, row))
  const chain = parseChainOrReject(pem)
  const certificate = await checkChain(chain, publicKey, now).catch(invalid)
  return { row, chain: chainPem(chain), certificate }
}

/** An operator's key and chain, checked, as an active row (not yet stored). */
export async function importedSigner(config: GatewayConfig, tenantId: string, input: { namespace: string; privateKey: string; chain: string }, now: Date): Promise<{ row: C2paSignerRow; certificate: CertificateSummary }> {
  const keys = await importedKeyPair(input.privateKey).catch(invalid)
  const chain = parseChainOrReject(input.chain)
  const certificate = await checkChain(chain, keys.publicKey, now).catch(invalid)
  return { row: await sealedRow(config, tenantId, input.namespace, keys.privateKey, now, { state: 'active', csr: null, certificate_chain: chainPem(chain) }), certificate }
}

function parseChainOrReject(pem: string) {
  try {
    return parseChain(pem)
  } catch (error) {
    return invalid(error)
  }
}

/** What the admin API shows: the active signer's certificate and the pending CSR, never a key. */
export async function signerStatus(database: D1Database, tenantId: string) {
  const rows = await db.signerRows(database, tenantId)
  const active = rows.find((r) => r.state === 'active')
  const pending = rows.find((r) => r.state === 'pending')
  return {
    active: active
      ? { id: active.id, namespace: active.namespace, activatedAt: active.activated_at, certificate: await certificateSummary(parseChain(active.certificate_chain!)[0]!), chain: active.certificate_chain }
      : null,
    pending: pending ? { id: pending.id, namespace: pending.namespace, createdAt: pending.created_at, csr: pending.csr } : null,
  }
}

const CACHE_TTL_MS = 30_000
const cache = new Map<string, { signer: Promise<TenantC2paSigner | undefined>; expires: number }>()

export const forgetC2paSigner = (tenantId: string) => cache.delete(tenantId)

/** The tenant's active C2PA signer, or undefined (its images are then stripped of C2PA). */
export function tenantC2paSigner(database: D1Database, config: GatewayConfig, tenantId: string): Promise<TenantC2paSigner | undefined> {
  const now = Date.now()
  const hit = cache.get(tenantId)
  if (hit && hit.expires > now) return hit.signer
  const signer = loadSigner(database, config, tenantId).catch((error: unknown) => {
    cache.delete(tenantId)
    throw error
  })
  cache.set(tenantId, { signer, expires: now + CACHE_TTL_MS })
  return signer
}

async function loadSigner(database: D1Database, config: GatewayConfig, tenantId: string): Promise<TenantC2paSigner | undefined> {
  const row = await db.activeSignerRow(database, tenantId)
  if (!row) return undefined
  const key = await signingKey(await privateKeyPem(config, row))
  return { id: row.id, credential: { key, chain: parseChain(row.certificate_chain!) }, labelAssertion: `${row.namespace}.tc260.label` }
}

/** The demo tenant's signer: a development chain (viewers show it "untrusted"), made once. */
export async function seedDevelopmentSigner(database: D1Database, config: GatewayConfig, tenantId: string, organization: string): Promise<void> {
  if (await db.activeSignerRow(database, tenantId)) return
  const keys = await exportableKeyPair()
  const { credential } = await developmentChain(organization, new Date(), keys)
  const row = await sealedRow(config, tenantId, 'local.demo', keys.privateKey, new Date(), { state: 'active', csr: null, certificate_chain: chainPem(credential.chain) })
  await db.insertFirstActive(database, row)
  forgetC2paSigner(tenantId)
}
