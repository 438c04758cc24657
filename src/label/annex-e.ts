/**
 * The implicit-label record of GB 45438-2025 Annex E, and the rules for its values.
 * Pure: no I/O, no clock, no randomness (the caller supplies the ProduceID).
 */
import { isRecord, jsonRecord } from '../guards'

/** Annex E field order; serialisation must keep it. */
export const LABEL_FIELDS = [
  'Label',
  'ContentProducer',
  'ProduceID',
  'ReservedCode1',
  'ContentPropagator',
  'PropagateID',
  'ReservedCode2',
] as const

export type LabelField = (typeof LABEL_FIELDS)[number]
export type AigcLabel = Record<LabelField, string>

/** "1" AI-generated, "2" possibly, "3" suspected. */
export type LabelState = '1' | '2' | '3'

/**
 * Annex E character set: printable ASCII without space, `"` and `\`
 * (GB18030 0x21, 0x23–0x5B, 0x5D–0x7E). Empty is allowed for optional fields.
 */
const ANNEX_E_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]*$/
/** ReservedCodes may hold a SecurityData JSON string, whose `"` serialise as `\"` (Annex E j). */
const RESERVED_VALUE = /^[\x21-\x5b\x5d-\x7e]*$/

/**
 * TC260 provider code: `00` + subject type (1 organisation, 2 person) + binding type
 * (1 = unified social credit code) + 18-char identifier + service extension
 * (`00000`, or `1`/`2` followed by 4 chars). 27 chars of [0-9A-Z] in all.
 */
const PROVIDER_CODE = /^00[12]1[0-9A-Z]{18}(?:00000|[12][0-9A-Z]{4})$/

export function isAnnexEValue(value: string): boolean {
  return ANNEX_E_VALUE.test(value)
}

/** Returns a reason when `code` is not a TC260 provider code, else undefined. */
export function providerCodeProblem(code: string): string | undefined {
  if (code.length !== 27) return `must be 27 characters, got ${code.length}`
  if (!/^[0-9A-Z]+$/.test(code)) return 'must use only 0-9 and A-Z'
  if (!PROVIDER_CODE.test(code)) {
    return 'must be "00" + subject type (1|2) + binding type (1) + 18-char identifier + service extension ("00000" or 1|2 + 4 chars)'
  }
  return undefined
}

export interface NewLabel {
  producer: string
  produceId: string
  state?: LabelState
}

/** A first-write label: the producer is also the propagator (DESIGN.md §1). */
export function createLabel({ producer, produceId, state = '1' }: NewLabel): AigcLabel {
  return {
    Label: state,
    ContentProducer: producer,
    ProduceID: produceId,
    ReservedCode1: '',
    ContentPropagator: producer,
    PropagateID: produceId,
    ReservedCode2: '',
  }
}

/** Names the first field whose value is outside the Annex E character set. */
export function labelProblem(label: AigcLabel): string | undefined {
  if (!['1', '2', '3'].includes(label.Label)) return 'Label must be "1", "2" or "3"'
  for (const field of LABEL_FIELDS) {
    const allowed = field.startsWith('ReservedCode') ? RESERVED_VALUE : ANNEX_E_VALUE
    if (!allowed.test(label[field])) return `${field} has characters outside the Annex E set`
  }
  return undefined
}

/**
 * The TC260 guide form: the unwrapped object, fields in Annex E order. Values are
 * JSON-escaped so a SecurityData string in a ReservedCode survives as `\"`.
 */
export function serializeLabel(label: AigcLabel): string {
  return `{${LABEL_FIELDS.map((f) => `${JSON.stringify(f)}:${JSON.stringify(label[f])}`).join(',')}}`
}

/** Misspellings some toolkits write for Annex E keys: read, reported, never written. */
export const MISSPELLED_KEYS: Record<string, LabelField> = {
  ReserveCode1: 'ReservedCode1',
  ReserveCode2: 'ReservedCode2',
  Propagator: 'ContentPropagator',
  PropatorID: 'PropagateID',
}

export interface ParsedLabel {
  label: AigcLabel
  wrapped: boolean
  /** Misspelled keys that were read in place of the Annex E names. */
  misspelled: string[]
}

/**
 * Reads either the guide form or Annex E's wrapped `{"AIGC":{...}}` form, taking a
 * misspelled key when the Annex E one is absent. Missing fields read as empty; returns
 * undefined when this is not a label at all.
 */
export function parseLabel(json: string): ParsedLabel | undefined {
  const value = jsonRecord(json)
  if (!value) return undefined
  const wrapped = isRecord(value.AIGC)
  const record = wrapped ? (value.AIGC as Record<string, unknown>) : value
  if (typeof record.Label !== 'string' && typeof record.Label !== 'number') return undefined
  const misspelled: string[] = []
  for (const [wrong, field] of Object.entries(MISSPELLED_KEYS)) {
    if (record[wrong] === undefined || record[field] !== undefined) continue
    record[field] = record[wrong]
    misspelled.push(wrong)
  }
  const label = Object.fromEntries(
    LABEL_FIELDS.map((f) => [f, record[f] === undefined || record[f] === null ? '' : String(record[f])]),
  ) as AigcLabel
  return { label, wrapped, misspelled }
}

