/**
 * What the watermark carries and who can read it. 48 bits: a version (4), the tenant's
 * index (12) and a keyed tag of the label's ProduceID (32); the channel code adds the CRC.
 * Keys come from the deployment's secret, one per epoch: the tile key places and signs
 * the chips, the tag key makes ProduceIDs unguessable from the pixels.
 */
import { PAYLOAD_BITS } from './code'

export const PAYLOAD_VERSION = 1
const FIELDS = [
  ['version', 4],
  ['tenantIndex', 12],
  ['tag', 32],
] as const

export interface WatermarkPayload {
  version: number
  tenantIndex: number
  tag: number
}

export const TENANT_INDEXES = 1 << 12

export function payloadBits(payload: WatermarkPayload): Uint8Array {
  const bits = new Uint8Array(PAYLOAD_BITS)
  let at = 0
  for (const [field, width] of FIELDS) for (let i = width - 1; i >= 0; i--) bits[at++] = Math.floor(payload[field] / 2 ** i) % 2
  return bits
}

export function readPayload(bits: ArrayLike<number>): WatermarkPayload {
  const out = { version: 0, tenantIndex: 0, tag: 0 }
  let at = 0
  for (const [field, width] of FIELDS) for (let i = 0; i < width; i++) out[field] = out[field] * 2 + bits[at++]!
  return out
}

/** One epoch of the deployment's watermark secret. */
export interface WatermarkKey {
  epoch: number
  /** Seeds the keyed tile. */
  tile: Uint8Array
  hmac: CryptoKey
}

const encoder = new TextEncoder()

/**
 * The live keys from the secret: `secret` alone is epoch 0; `epoch:secret,epoch:secret`
 * lists several, the first embeds and all are tried on detect.
 */
export async function watermarkKeys(secret: string): Promise<WatermarkKey[]> {
  const epochs = secret.includes(':') ? secret.split(',').map((part) => part.trim().split(/:(.*)/s)) : [['0', secret]]
  return Promise.all(
    epochs.map(async ([epoch, value]) => {
      const hmac = await crypto.subtle.importKey('raw', encoder.encode(`aigc-label-gateway/watermark/v1\n${value ?? ''}`), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      const tile = new Uint8Array(await crypto.subtle.sign('HMAC', hmac, encoder.encode(`tile/${epoch}`)))
      return { epoch: Number(epoch), tile, hmac }
    }),
  )
}

/** The ProduceID's 32-bit tag under this epoch's key. */
export async function produceTag(key: WatermarkKey, produceId: string): Promise<number> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key.hmac, encoder.encode(`tag/${key.epoch}/${produceId}`)))
  return ((mac[0]! << 24) | (mac[1]! << 16) | (mac[2]! << 8) | mac[3]!) >>> 0
}
