/**
 * Signing and verifying labels: SM3withSM2 (GB/T 32918, signer id 1234567812345678, DER
 * signature) through sm-crypto-v2, Ed25519 through WebCrypto, and RSA-SHA256 for reading
 * other providers' labels. The content binding is checked here too, so one call answers
 * "is this label intact, by a key we know, on the content it was made for".
 */
import { sm2 } from 'sm-crypto-v2'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils'
import type { AigcLabel } from './annex-e'
import { CURRENT_BINDING, type BindingVersion } from '../formats/types'
import { contentHash, HASH_OIDS, hashAlgorithmForOid, type ContentHashAlgorithm } from './content-hash'
import {
  parseSecurityData,
  ROLE_FIELD,
  serializeSecurityData,
  SIGNATURE_OIDS,
  signatureAlgorithmForOid,
  signingInput,
  TBS_LABEL,
  TBS_LABEL_AND_BINDINGS,
  type SigningRole,
} from './security-data'

export type SigningAlgorithm = 'SM2' | 'Ed25519'
export const SIGNING_ALGORITHMS = ['SM2', 'Ed25519'] as const

/** GB/T 35276's default distinguishing identifier, which the TC260 guide keeps. */
export const SM2_SIGNER_ID = '1234567812345678'

const BINDING_HASH: Record<SigningAlgorithm, ContentHashAlgorithm> = { SM2: 'SM3', Ed25519: 'SHA-256' }

export interface KeyPair {
  algorithm: SigningAlgorithm
  /** SM2: uncompressed point `04…` (130 hex); Ed25519: the raw 32-byte key. */
  publicKey: string
  /** SM2: the 32-byte scalar; Ed25519: PKCS#8. Hex either way. */
  privateKey: string
}

export async function generateKeyPair(algorithm: SigningAlgorithm): Promise<KeyPair> {
  if (algorithm === 'SM2') {
    const { publicKey, privateKey } = sm2.generateKeyPairHex()
    return { algorithm, publicKey, privateKey }
  }
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const publicKey = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer)
  const privateKey = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer)
  return { algorithm, publicKey: bytesToHex(publicKey), privateKey: bytesToHex(privateKey) }
}

/** A tenant's key as the labelling code needs it. */
export interface Signer {
  keyId: string
  algorithm: SigningAlgorithm
  publicKey: string
  privateKey: string
}

export async function signInput(signer: Signer, input: string): Promise<string> {
  if (signer.algorithm === 'SM2') {
    return sm2.doSignature(input, signer.privateKey, { hash: true, der: true, userId: SM2_SIGNER_ID, publicKey: signer.publicKey })
  }
  const key = await crypto.subtle.importKey('pkcs8', hexToBytes(signer.privateKey), { name: 'Ed25519' }, false, ['sign'])
  return bytesToHex(new Uint8Array(await crypto.subtle.sign('Ed25519', key, new TextEncoder().encode(input))))
}

/** True or false, or undefined when the algorithm or key encoding is not one we can check. */
export async function verifyInput(algId: string, publicKey: string, input: string, signature: string): Promise<boolean | undefined> {
  const algorithm = signatureAlgorithmForOid(algId)
  const message = new TextEncoder().encode(input)
  try {
    switch (algorithm) {
      case 'SM2':
        return sm2.doVerifySignature(input, signature, publicKey, { hash: true, der: true, userId: SM2_SIGNER_ID })
      case 'Ed25519': {
        const key = await crypto.subtle.importKey('raw', hexToBytes(publicKey), { name: 'Ed25519' }, false, ['verify'])
        return await crypto.subtle.verify('Ed25519', key, hexToBytes(signature), message)
      }
      case 'RSA-SHA256': {
        const key = await crypto.subtle.importKey('spki', hexToBytes(publicKey), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify'])
        return await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, hexToBytes(signature), message)
      }
      default:
        return undefined
    }
  } catch {
    // A malformed key or signature (bad hex, bad DER, wrong length) is a failed signature.
    return algorithm === 'RSA-SHA256' ? undefined : false
  }
}

/** The content a binding of this version covers, as parts (formats/types.ts BindingVersion). */
export type ContentParts = (binding?: BindingVersion) => Iterable<Uint8Array>

/**
 * The label with the role's ReservedCode filled: a signature over the role's fields and,
 * given the content, over its hash.
 */
export async function signLabel(label: AigcLabel, role: SigningRole, signer: Signer, content?: ContentParts): Promise<AigcLabel> {
  const hashAlgorithm = BINDING_HASH[signer.algorithm]
  const binding = content ? contentHash(hashAlgorithm, content(CURRENT_BINDING)) : undefined
  const algId = SIGNATURE_OIDS[signer.algorithm]
  const signature = await signInput(signer, signingInput(label, role, binding))
  const securityData = serializeSecurityData({
    signature: { algId, tbsType: binding === undefined ? TBS_LABEL : TBS_LABEL_AND_BINDINGS, value: signature },
    publicKey: { algId, keyId: signer.keyId, value: signer.publicKey },
    ...(binding === undefined ? {} : { binding: { algId: HASH_OIDS[hashAlgorithm], value: binding, version: CURRENT_BINDING } }),
  })
  return { ...label, [ROLE_FIELD[role]]: securityData }
}

/** `not-checked`: a budget of verifications per request was spent before this one (src/limits.ts). */
export type SignatureStatus = 'valid' | 'invalid' | 'unknown-key' | 'content-changed' | 'unsigned' | 'unsupported' | 'not-checked'

export interface SignatureReport {
  field: 'ReservedCode1' | 'ReservedCode2'
  role: SigningRole
  status: SignatureStatus
  detail: string
  algorithm?: string
  keyId?: string
  publicKey?: string
  /** Whether the signature covers a content hash. */
  bound?: boolean
  /** Departures from the guide's format that were accepted, e.g. `PubSd spelling`. */
  variants?: string[]
}

export interface VerifyContext {
  content?: ContentParts
  /** Whether the public key (hex, any case) is one this verifier trusts. */
  isKnownKey(publicKey: string): boolean | Promise<boolean>
}

// A file's producer and platform signatures usually bind the same hash of the same content:
// it is computed once per content and algorithm, not once per signature.
const hashes = new WeakMap<ContentParts, Map<string, string>>()

function hashOf(content: ContentParts, algorithm: ContentHashAlgorithm, binding: BindingVersion): string {
  const known = hashes.get(content) ?? new Map<string, string>()
  const key = `${algorithm}/${binding}`
  const hash = known.get(key) ?? contentHash(algorithm, content(binding))
  known.set(key, hash)
  hashes.set(content, known)
  return hash
}

/** Checks the signature in the role's ReservedCode field. Never throws for bad input. */
export async function checkLabelSignature(label: AigcLabel, role: SigningRole, context: VerifyContext): Promise<SignatureReport> {
  const field = ROLE_FIELD[role]
  const base = { field, role }
  const value = label[field]
  if (value === '') return { ...base, status: 'unsigned', detail: `${field} is empty` }
  const parsed = parseSecurityData(value)
  if (!parsed.ok) return { ...base, status: 'unsupported', detail: `${field} is not TC260 SecurityData: ${parsed.problem}` }
  const { signature, publicKey, binding } = parsed.data
  const algorithm = signatureAlgorithmForOid(signature.algId)
  const described = {
    ...base,
    algorithm: algorithm ?? signature.algId,
    publicKey: publicKey.value,
    ...(publicKey.keyId ? { keyId: publicKey.keyId } : {}),
    bound: signature.tbsType === TBS_LABEL_AND_BINDINGS,
    variants: parsed.variants,
  }
  if (signature.tbsType !== TBS_LABEL && signature.tbsType !== TBS_LABEL_AND_BINDINGS) {
    return { ...described, status: 'unsupported', detail: `unknown TBSData type "${signature.tbsType}"` }
  }
  if (described.bound && !binding) return { ...described, status: 'invalid', detail: 'TBSData says the content is bound but there is no Bindings entry' }
  const bindingHash = described.bound ? binding!.value : undefined
  const verified = await verifyInput(signature.algId, publicKey.value, signingInput(label, role, bindingHash), signature.value)
  if (verified === undefined) return { ...described, status: 'unsupported', detail: `cannot verify algorithm ${signature.algId}` }
  if (!verified) return { ...described, status: 'invalid', detail: 'the signature does not match the label fields' }
  if (described.bound) {
    const hashAlgorithm = hashAlgorithmForOid(binding!.algId)
    if (!hashAlgorithm) return { ...described, status: 'unsupported', detail: `unknown content hash algorithm ${binding!.algId}` }
    if (!context.content) return { ...described, status: 'unsupported', detail: 'the content is bound but was not provided' }
    const version = binding!.version ?? 1
    if (version !== 1 && version !== CURRENT_BINDING) return { ...described, status: 'unsupported', detail: `unknown content binding version ${version}` }
    if (hashOf(context.content, hashAlgorithm, version) !== binding!.value.toLowerCase()) {
      return { ...described, status: 'content-changed', detail: 'the signature is intact but the content is not the content it was made for' }
    }
  }
  if (!(await context.isKnownKey(publicKey.value))) {
    return { ...described, status: 'unknown-key', detail: 'the signature matches its embedded key, which is not a published key' }
  }
  return { ...described, status: 'valid', detail: described.bound ? 'label and content are as signed' : 'label fields are as signed (no content binding)' }
}
