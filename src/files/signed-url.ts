/**
 * Signed, expiring download URLs for labelled files kept in R2: HMAC-SHA-256 over the key
 * and expiry, with a key derived from MASTER_KEY, so a URL cannot be forged or extended.
 */
import { deriveKey } from '../crypto'

const encoder = new TextEncoder()
const signingKey = (masterKey: string) =>
  deriveKey(masterKey, 'aigc-label-gateway/file-urls/v1', { name: 'HMAC', hash: 'SHA-256' }, ['sign', 'verify'])

const message = (objectKey: string, expires: number) => encoder.encode(`${objectKey}\n${expires}`)

export async function signFileUrl(origin: string, objectKey: string, masterKey: string, expires: number): Promise<string> {
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await signingKey(masterKey), message(objectKey, expires)))
  const hex = Array.from(sig, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${origin}/files/${objectKey}?expires=${expires}&sig=${hex}`
}

/** True when the signature matches and `now` (seconds) is before the expiry. */
export async function verifyFileUrl(objectKey: string, expires: number, sig: string, masterKey: string, now: number): Promise<boolean> {
  if (!Number.isSafeInteger(expires) || expires < now || !/^[0-9a-f]{64}$/.test(sig)) return false
  const bytes = Uint8Array.from(sig.match(/../g)!, (h) => Number.parseInt(h, 16))
  return crypto.subtle.verify('HMAC', await signingKey(masterKey), bytes, message(objectKey, expires))
}
