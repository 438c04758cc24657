/**
 * What signing a tenant's file needs, gathered once per request: the label signer (SM2 or
 * Ed25519) and, for images, the C2PA signer with what its manifest says (the gateway as claim
 * generator, the model as softwareAgent, the operator's namespace for the TC260 assertion).
 */
import type { Context } from 'hono'
import { trustAnchors } from '../c2pa/trust'
import type { Tenant } from '../db/tenants'
import type { Signing } from '../image/label-image'
import { tenantC2paSigner } from '../tenant/c2pa-signer'
import { tenantSigner } from '../tenant/signing'
import type { AppEnv } from './types'

export const GATEWAY_GENERATOR = { name: 'aigc-label-gateway', version: '0.1.0' }

/**
 * `model`: what made the content, as the request names it; an upload's maker is unknown, so
 * the tenant's service stands for it.
 */
export async function tenantSigning(c: Context<AppEnv>, tenant: Tenant, role: Signing['role'], model?: string): Promise<Signing> {
  const config = c.get('config')
  const [signer, c2pa] = await Promise.all([tenantSigner(c.env.DB, config, tenant), tenantC2paSigner(c.env.DB, config, tenant.id)])
  const plan = c2pa && { generator: GATEWAY_GENERATOR, model: model || tenant.name, labelAssertion: c2pa.labelAssertion }
  return { signer, role, c2pa: { trustAnchors: trustAnchors(config.c2paTrustAnchors), ...(c2pa && plan ? { signer: { credential: c2pa.credential, plan } } : {}) } }
}

/** The request's `model`, when it names one. */
export const requestModel = (request: Record<string, unknown>) => (typeof request.model === 'string' ? request.model : undefined)
