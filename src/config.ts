/**
 * Worker bindings and the settings derived from them. Development (`GATEWAY_ENV =
 * "development"`, what `npm start` runs) has embedded defaults so the gateway works
 * offline; a deployed environment has none of them unless they are set explicitly.
 */
import { GatewayError } from './errors'
import type { UnmarkLog } from './unmark/log-object'

export interface Env {
  DB: D1Database
  /** Labelled images stored for signed download URLs. */
  FILES: R2Bucket
  /** One Durable Object per tenant that orders the appends to its delivery log. */
  UNMARK_LOG: DurableObjectNamespace<UnmarkLog>
  /** "development" enables the embedded defaults; anything else is a deployed environment. */
  GATEWAY_ENV?: string
  /** Bearer token of the admin API; at least 16 characters when deployed. */
  ADMIN_TOKEN?: string
  /** Secret the upstream API keys are encrypted with (AES-GCM, key derived by HKDF). */
  MASTER_KEY?: string
  /**
   * The invisible watermark's secret: `secret`, or `epoch:secret,…` (the first embeds, all
   * are tried on detect). Unset: a key derived from MASTER_KEY (epoch 0).
   */
  WATERMARK_KEY?: string
  /** Per-IP limit of unauthenticated detection; without it, public detection is unlimited. */
  PUBLIC_DETECT_LIMITER?: RateLimit
  /** "on" seeds the demo tenant outside development too. */
  DEMO_TENANT?: string
  /** PEM root certificates C2PA signers are checked against (src/c2pa/trust.ts); unset: trust not checked. */
  C2PA_TRUST_ANCHORS?: string
}

export interface GatewayConfig {
  development: boolean
  /** Undefined when the admin API must not be served. */
  adminToken: string | undefined
  masterKey: string | undefined
  /** Never in a response or a log line. */
  watermarkSecret: string | undefined
  demoTenant: boolean
  /** PEM, parsed where it is used (src/c2pa/trust.ts). */
  c2paTrustAnchors: string | undefined
}

export const DEV_ADMIN_TOKEN = 'dev-admin-token'
/** Not a secret: only ever used for local development data. */
const DEV_MASTER_KEY = 'dev-master-key-for-local-data-only'
const MIN_ADMIN_TOKEN_LENGTH = 16

export function resolveConfig(env: Env): GatewayConfig {
  const development = env.GATEWAY_ENV === 'development'
  const adminToken = env.ADMIN_TOKEN ?? (development ? DEV_ADMIN_TOKEN : undefined)
  const masterKey = env.MASTER_KEY || (development ? DEV_MASTER_KEY : undefined)
  return {
    development,
    adminToken: development || (adminToken?.length ?? 0) >= MIN_ADMIN_TOKEN_LENGTH ? adminToken : undefined,
    masterKey,
    // Derived, not the master key itself: the watermark key is hashed into a tile anyone can estimate from many images.
    watermarkSecret: env.WATERMARK_KEY || (masterKey && `0:derived-from-master-key/${masterKey}`),
    demoTenant: development || env.DEMO_TENANT === 'on',
    c2paTrustAnchors: env.C2PA_TRUST_ANCHORS,
  }
}

/** The secret that seals upstream and signing keys; a 503 naming the fix when it is unset. */
export function masterKeyOf(config: GatewayConfig): string {
  if (!config.masterKey) throw new GatewayError(503, 'not_configured', 'MASTER_KEY is not set; run `wrangler secret put MASTER_KEY`')
  return config.masterKey
}
