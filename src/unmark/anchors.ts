/**
 * Signed anchors: once a day each tenant's chain head (seq and hash) and its start are
 * signed with the tenant's label signing key and kept twice, as a D1 record and as an R2
 * object per tenant and day. Whoever can rewrite D1 cannot sign, so a chain rewritten or
 * cut short before the last signed head no longer matches it (see verifyLog).
 */
import type { Env, GatewayConfig } from '../config'
import { getTenant } from '../db/tenants'
import * as db from '../db/unmark'
import type { SignedAnchor } from '../db/unmark'
import { SIGNATURE_OIDS } from '../label/security-data'
import { signInput, verifyInput } from '../label/signature'
import { publishedKey, tenantSigner } from '../tenant/signing'
import { GENESIS_HASH } from './chain'

export type { SignedAnchor }
export type AnchorStores = Pick<Env, 'DB' | 'FILES'>

const R2_PREFIX = 'unmark-log/anchors/'
const tenantPrefix = (tenantId: string) => `${R2_PREFIX}${tenantId}/`
const objectKey = (tenantId: string, day: string) => `${tenantPrefix(tenantId)}${day}.json`

type Unsigned = Omit<SignedAnchor, 'keyId' | 'algorithm' | 'publicKey' | 'signature'>

/** What the signature covers: a JSON array in fixed order, tagged so it can mean nothing else. */
function anchorInput(a: Unsigned): string {
  return JSON.stringify(['aigc-label-gateway unmark-log anchor v1', a.tenantId, a.day, a.seq, a.hash, a.startSeq, a.startHash, a.signedAt])
}

/** Signs the head of every existing tenant's chain; a tenant that fails is logged and skipped. */
export async function signChainHeads(stores: AnchorStores, config: GatewayConfig, now: Date): Promise<SignedAnchor[]> {
  const signed: SignedAnchor[] = []
  for (const tenantId of await db.chainedTenants(stores.DB)) {
    try {
      signed.push(await signChainHead(stores, config, tenantId, now))
    } catch (error) {
      console.error(`unmark log anchor: ${tenantId}: not signed`, error)
    }
  }
  return signed
}

async function signChainHead(stores: AnchorStores, config: GatewayConfig, tenantId: string, now: Date): Promise<SignedAnchor> {
  const tenant = await getTenant(stores.DB, tenantId)
  const head = await db.chainHead(stores.DB, tenantId)
  if (!tenant || !head) throw new Error('the tenant or its chain is gone')
  const start = (await db.anchor(stores.DB, tenantId)) ?? { seq: 0, hash: GENESIS_HASH }
  const signer = await tenantSigner(stores.DB, config, tenant)
  const unsigned: Unsigned = {
    tenantId, day: now.toISOString().slice(0, 10), seq: head.seq, hash: head.hash, startSeq: start.seq, startHash: start.hash, signedAt: now.toISOString(),
  }
  const anchor: SignedAnchor = {
    ...unsigned, keyId: signer.keyId, algorithm: signer.algorithm, publicKey: signer.publicKey, signature: await signInput(signer, anchorInput(unsigned)),
  }
  // D1 first: an anchor in R2 that D1 lacks can then only mean a removed D1 record.
  await db.putSignedAnchor(stores.DB, anchor)
  await stores.FILES.put(objectKey(tenantId, anchor.day), JSON.stringify(anchor), { httpMetadata: { contentType: 'application/json' } })
  return anchor
}

/** Signed by a key the gateway published for this tenant, over exactly these fields. */
async function signatureHolds(database: D1Database, a: SignedAnchor): Promise<boolean> {
  const key = await publishedKey(database, a.publicKey)
  if (!key || key.tenantId !== a.tenantId || key.id !== a.keyId) return false
  return (await verifyInput(SIGNATURE_OIDS[key.algorithm], key.publicKey, anchorInput(a), a.signature)) === true
}

export type AnchorCheck = { anchor: SignedAnchor | null } | { problem: string }

/** The newest signed anchor, provided D1 and R2 agree on which it is and its signature holds. */
export async function latestSignedAnchor(stores: AnchorStores, tenantId: string): Promise<AnchorCheck> {
  const [latest] = await db.signedAnchors(stores.DB, tenantId, 1)
  const prefix = tenantPrefix(tenantId)
  const newer = await stores.FILES.list({ prefix, startAfter: latest ? objectKey(tenantId, latest.day) : undefined, limit: 1 })
  const missing = newer.objects[0]
  if (missing) return { problem: `the signed anchor of ${missing.key.slice(prefix.length, -'.json'.length)} is in R2 but not in D1: anchor records were removed` }
  if (!latest) return { anchor: null }
  if (!(await signatureHolds(stores.DB, latest))) return { problem: `the signed anchor of ${latest.day} does not verify with a key of this tenant` }
  return { anchor: latest }
}
