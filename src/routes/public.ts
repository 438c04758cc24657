/**
 * What the gateway serves to anyone: the published label-signing keys, and detection,
 * which verification in the public interest needs (rate-limited per IP when anonymous).
 */
import type { Context } from 'hono'
import { GatewayError } from '../errors'
import { SIGNATURE_OIDS } from '../label/security-data'
import { listSigningKeys } from '../tenant/signing'
import { detect } from './aigc'
import type { AppEnv } from './types'
import { authenticate, hasCredentials } from './v1'

/** POST /v1/aigc/detect: a tenant's call when it carries a key, else an anonymous one. */
export async function publicDetect(c: Context<AppEnv>): Promise<Response> {
  if (hasCredentials(c)) {
    await authenticate(c)
    return detect(c)
  }
  const limiter = c.env.PUBLIC_DETECT_LIMITER
  const ip = c.req.header('cf-connecting-ip') ?? 'unknown'
  if (limiter && !(await limiter.limit({ key: ip })).success) {
    const error = new GatewayError(429, 'rate_limited', 'too many anonymous detection requests from this address; retry later or use a tenant key')
    return Response.json(error.toOpenAI(), { status: 429, headers: { 'retry-after': '60' } })
  }
  return detect(c)
}

/** GET /.well-known/aigc-keys.json: every signing key ever used, so labels verify offline. */
export async function publishedKeys(c: Context<AppEnv>): Promise<Response> {
  const keys = (await listSigningKeys(c.env.DB)).map((k) => ({
    kid: k.id,
    provider: k.providerCode,
    alg: k.algorithm,
    algId: SIGNATURE_OIDS[k.algorithm],
    publicKey: k.publicKey,
    validFrom: k.validFrom,
    validUntil: k.validUntil,
  }))
  return c.json({ keys }, 200, { 'cache-control': 'public, max-age=300' })
}
