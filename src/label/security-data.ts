/**
 * The TC260 security-protection practice guide's `SecurityData`, as it sits (as a compact
 * JSON string) in ReservedCode1 (producer) or ReservedCode2 (propagation platform):
 *
 *   {"SecurityData":{"Type":"TC260PG","Version":1,"PubSD":[
 *     {"Type":"DS","AlgID":…,"TBSData":{"Type":"LabelMataData"},"Signature":"<hex>"},
 *     {"Type":"PubKey","AlgID":…,"KeyValue":"<hex>"}]}}
 *
 * We add a content binding the guide leaves optional: a `Bindings` entry with the hash of
 * the content, and TBSData type `LabelMataData+Bindings` saying the signature covers it.
 * Pure: building, parsing and the exact bytes that get signed; no keys, no crypto.
 */
import type { AigcLabel, LabelField } from './annex-e'
import { isRecord } from '../guards'

/** Signature algorithms by object identifier. RSA is read, never written. */
export const SIGNATURE_OIDS = {
  SM2: '1.2.156.10197.1.501',
  Ed25519: '1.3.101.112',
  'RSA-SHA256': '1.2.840.113549.1.1.11',
} as const

export type SignatureAlgorithm = keyof typeof SIGNATURE_OIDS

export function signatureAlgorithmForOid(oid: string): SignatureAlgorithm | undefined {
  return (Object.keys(SIGNATURE_OIDS) as SignatureAlgorithm[]).find((a) => SIGNATURE_OIDS[a] === oid)
}

export const TBS_LABEL = 'LabelMataData'
export const TBS_LABEL_AND_BINDINGS = 'LabelMataData+Bindings'

/** ReservedCode1 protects the producer's fields; ReservedCode2 adds the platform's. */
export type SigningRole = 'producer' | 'propagator'

export const ROLE_FIELD: Record<SigningRole, 'ReservedCode1' | 'ReservedCode2'> = {
  producer: 'ReservedCode1',
  propagator: 'ReservedCode2',
}

const SIGNED_FIELDS: Record<SigningRole, LabelField[]> = {
  producer: ['Label', 'ContentProducer', 'ProduceID'],
  propagator: ['Label', 'ContentProducer', 'ProduceID', 'ContentPropagator', 'PropagateID'],
}

/**
 * The signed bytes: the role's fields in Annex E order as `"Name":"value"` pairs joined by
 * commas, no braces, no spaces (the guide's rule, which real MiniMax labels verify under),
 * then `,"Bindings":"<hex>"` when the content hash is bound.
 */
export function signingInput(label: AigcLabel, role: SigningRole, bindingHash?: string): string {
  const pairs = SIGNED_FIELDS[role].map((f) => `${JSON.stringify(f)}:${JSON.stringify(label[f])}`)
  if (bindingHash !== undefined) pairs.push(`"Bindings":${JSON.stringify(bindingHash)}`)
  return pairs.join(',')
}

export interface SecurityData {
  signature: { algId: string; tbsType: string; value: string }
  publicKey: { algId: string; value: string; keyId?: string }
  /** `version`: which bytes the hash covers (formats/types.ts BindingVersion); absent means 1. */
  binding?: { algId: string; value: string; version?: number }
}

/** The compact JSON string that goes into a ReservedCode field. */
export function serializeSecurityData({ signature, publicKey, binding }: SecurityData): string {
  const entries: object[] = [
    { Type: 'DS', AlgID: signature.algId, TBSData: { Type: signature.tbsType }, Signature: signature.value },
    { Type: 'PubKey', AlgID: publicKey.algId, ...(publicKey.keyId ? { KeyID: publicKey.keyId } : {}), KeyValue: publicKey.value },
  ]
  if (binding) entries.push({ Type: 'Bindings', AlgID: binding.algId, Value: binding.value, ...(binding.version ? { Version: binding.version } : {}) })
  return JSON.stringify({ SecurityData: { Type: 'TC260PG', Version: 1, PubSD: entries } })
}

export type ParsedSecurityData =
  | { ok: true; data: SecurityData; type: unknown; version: unknown; variants: string[] }
  | { ok: false; problem: string }

/**
 * Reads a ReservedCode value. Accepts the `PubSd` spelling seen in provider files and
 * reports it as a variant; anything that is not SecurityData says why.
 */
export function parseSecurityData(value: string): ParsedSecurityData {
  let json: unknown
  try {
    json = JSON.parse(value)
  } catch {
    return { ok: false, problem: 'not JSON' }
  }
  const root = field(json, 'SecurityData')
  if (!root) return { ok: false, problem: 'no SecurityData object' }
  const variants: string[] = []
  let list = root.PubSD
  if (list === undefined && root.PubSd !== undefined) {
    list = root.PubSd
    variants.push('PubSd spelling')
  }
  if (!Array.isArray(list)) return { ok: false, problem: 'SecurityData has no PubSD list' }
  const entries = list.filter(isRecord)
  const ds = entries.find((e) => e.Type === 'DS')
  const key = entries.find((e) => e.Type === 'PubKey')
  const bindings = entries.find((e) => e.Type === 'Bindings')
  if (!ds || typeof ds.Signature !== 'string' || typeof ds.AlgID !== 'string') return { ok: false, problem: 'no DS entry with AlgID and Signature' }
  if (!key || typeof key.KeyValue !== 'string') return { ok: false, problem: 'no PubKey entry with KeyValue' }
  const data: SecurityData = {
    signature: { algId: ds.AlgID, tbsType: String(field(ds, 'TBSData')?.Type ?? TBS_LABEL), value: ds.Signature },
    publicKey: {
      algId: typeof key.AlgID === 'string' ? key.AlgID : ds.AlgID,
      value: key.KeyValue,
      ...(typeof key.KeyID === 'string' ? { keyId: key.KeyID } : {}),
    },
  }
  if (bindings && typeof bindings.AlgID === 'string' && typeof bindings.Value === 'string') {
    data.binding = { algId: bindings.AlgID, value: bindings.Value, ...(typeof bindings.Version === 'number' ? { version: bindings.Version } : {}) }
  }
  return { ok: true, data, type: root.Type, version: root.Version, variants }
}

function field(value: unknown, name: string): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined
  const inner = value[name]
  return isRecord(inner) ? inner : undefined
}

