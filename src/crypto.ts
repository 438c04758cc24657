/** Hashing, random tokens and secret encryption, on WebCrypto. */
import { toBase64 } from './formats/bytes'

const encoder = new TextEncoder()

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text))
  return toHex(new Uint8Array(digest))
}

export function toHex(bytes: Uint8Array): string {
  let hex = ''
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return hex
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A random string over [A-Za-z0-9]; 32 chars carry about 190 bits. */
export function randomToken(length = 32): string {
  // 248 is the largest multiple of 62 below 256: rejecting above it keeps the draw uniform.
  let out = ''
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62]
    }
  }
  return out
}

const derived = new Map<string, Promise<CryptoKey>>()

/** A key derived from MASTER_KEY with HKDF-SHA-256, one per purpose (`info`), cached. */
export function deriveKey(
  masterKey: string,
  info: string,
  algorithm: { name: string; length?: number; hash?: string },
  usages: string[],
): Promise<CryptoKey> {
  const id = `${info}\n${masterKey}`
  let key = derived.get(id)
  if (!key) {
    key = crypto.subtle
      .importKey('raw', encoder.encode(masterKey), 'HKDF', false, ['deriveKey'])
      .then((base) =>
        crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(info) }, base, algorithm, false, usages),
      )
    derived.set(id, key)
  }
  return key
}

const secretKey = (masterKey: string) => deriveKey(masterKey, 'aigc-label-gateway/secrets/v1', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt'])

/** `v1.<iv>.<ciphertext>` in base64; `context` (e.g. the tenant id) is bound as AAD. */
export async function encryptSecret(masterKey: string, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(context) },
    await secretKey(masterKey),
    encoder.encode(plaintext),
  )
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`
}

export async function decryptSecret(masterKey: string, sealed: string, context: string): Promise<string> {
  const [version, iv, data] = sealed.split('.')
  if (version !== 'v1' || !iv || !data) throw new Error('unknown secret format')
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(iv), additionalData: encoder.encode(context) },
    await secretKey(masterKey),
    fromBase64(data),
  )
  return new TextDecoder().decode(plain)
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}
