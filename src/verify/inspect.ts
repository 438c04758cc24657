/**
 * What a propagation platform (or anyone) needs to know about a file's labels: every label
 * found, where and in which variant, whether it conforms to GB 45438 / the TC260 guides,
 * and the status of each signature. Pure: the caller says which keys it trusts.
 */
import { labelProblem, MISSPELLED_KEYS, parseLabel, providerCodeProblem, type AigcLabel } from '../label/annex-e'
import { explicitLabelProblem } from '../label/rules'
import { checkLabelSignature, type SignatureReport, type VerifyContext } from '../label/signature'
import { ROLE_FIELD, type SigningRole } from '../label/security-data'
import { readFound, type CarrierFormat, type CarrierVariant, type FoundLabel } from '../formats'
import type { BindingVersion } from '../formats/types'
import { c2paReport, type C2paReport } from './c2pa-report'
import type { X509Certificate } from '@peculiar/x509'
import { concat, fromUtf8 } from '../formats/bytes'
import { visibleText } from '../formats/html'
import { LIMITS } from '../limits'
import type { WatermarkReport } from './watermark-report'

export interface Finding {
  level: 'error' | 'warning' | 'info'
  code: string
  message: string
}

export interface DetectedLabel {
  carrier: string
  /** How the value was written: XMP element/attribute, or a plain text field. */
  form: string
  /** `guide`: the TC260 unwrapped object; `wrapped`: Annex E's {"AIGC":{…}}; `not-a-label`. */
  variant: 'guide' | 'wrapped' | 'not-a-label'
  raw: string
  /** Written in a way the TC260 guide does not: read, reported, replaced by the next write. */
  writtenAs?: CarrierVariant
  fields?: AigcLabel
  signatures?: SignatureReport[]
}

export interface Inspection {
  format: string
  labelled: boolean
  /** Label 1/2/3 as the platform shows it: 属于 / 可能 / 疑似 AI-generated. */
  verdict: { label: string; meaning: string } | undefined
  labels: DetectedLabel[]
  /** Text only: a visible label at the start or end of the document. */
  explicit?: { found: boolean; text?: string }
  /** No label, but metadata says the content is AI-generated: what `/propagate` should be told. */
  propagate?: { state: 'suspected'; reason: string }
  /** Images: the invisible watermark, when the caller looked for it (watermark-report.ts). */
  watermark?: WatermarkReport
  findings: Finding[]
  /** Images: C2PA Content Credentials (verify/c2pa-report.ts). */
  c2pa?: C2paReport
}

export const MEANINGS: Record<string, string> = {
  '1': '属于: AI-generated (Label 1)',
  '2': '可能: possibly AI-generated (Label 2)',
  '3': '疑似: suspected AI-generated (Label 3)',
}

/** IPTC DigitalSourceType values that say a model made the content. */
const AI_SOURCE_TYPES = new Set(['trainedAlgorithmicMedia', 'compositeSynthetic'])

const VARIANTS: Record<CarrierVariant, string> = {
  'xmp-kv-base64': "Volcengine's XmpKvBase64 (base64 of the label JSON)",
  'xmp-fields': 'each Annex E field as its own XMP property',
  'legacy-namespace': `the older namespace ${'http://ns.adobe.com/xap/1.0/tc/'}`,
  'mp4-moov-meta': 'a bare moov/meta box (the guide writes the AIGC key in moov/udta/meta)',
  'mp4-itunes-item': 'an iTunes (hdlr mdir) list item (the guide writes the mdta key AIGC in moov/udta/meta)',
}

/** The AI-generated DigitalSourceType among what a file's read found, if any. */
export function aiSourceType(found: FoundLabel[]): string | undefined {
  return found.find((f) => f.sign === 'digital-source-type' && AI_SOURCE_TYPES.has(f.raw.slice(f.raw.lastIndexOf('/') + 1)))?.raw
}

/** `c2paTrustAnchors`: the roots a C2PA signer is checked against (none: trust not checked). */
export async function inspect(bytes: Uint8Array, format: CarrierFormat, context: Omit<VerifyContext, 'content'>, c2paTrustAnchors: X509Certificate[] = []): Promise<Inspection> {
  const content = (binding?: BindingVersion) => format.content(bytes, binding)
  const findings: Finding[] = []
  const labels: DetectedLabel[] = []
  const found = readFound(bytes, format)
  // Signature checks cost CPU the sender chose: at most this many per request, the rest reported.
  let budget: number = LIMITS.signaturesPerRequest.max
  let skipped = 0
  const check = async (label: AigcLabel, role: SigningRole): Promise<SignatureReport> => {
    const field = ROLE_FIELD[role]
    if (label[field] !== '' && budget === 0) {
      skipped++
      const limit = LIMITS.signaturesPerRequest
      return { field, role, status: 'not-checked', detail: `not verified: the ${limit.name} limit of ${limit.max} was reached` }
    }
    if (label[field] !== '') budget--
    return checkLabelSignature(label, role, { ...context, content })
  }
  for (const f of found) {
    if (f.sign === 'foreign-namespace') {
      findings.push({ level: 'info', code: 'foreign-aigc-property', message: `${f.carrier}: an AIGC property outside the TC260 namespace is not a label; ignored` })
      continue
    }
    if (f.sign) continue
    const parsed = parseLabel(f.raw)
    const writtenAs = f.variant ? { writtenAs: f.variant } : {}
    if (f.variant) findings.push({ level: 'warning', code: 'non-conformant-carrier', message: `${f.carrier}: ${VARIANTS[f.variant]}; the TC260 guide writes one TC260:AIGC property` })
    if (!parsed) {
      labels.push({ carrier: f.carrier, form: f.form, variant: 'not-a-label', raw: f.raw, ...writtenAs })
      findings.push({ level: 'error', code: 'not-annex-e', message: `${f.carrier} holds a value that is not an Annex E label` })
      continue
    }
    const { label, wrapped, misspelled } = parsed
    if (wrapped) findings.push({ level: 'info', code: 'wrapped-form', message: `${f.carrier}: Annex E's wrapped {"AIGC":{…}} form; the TC260 guides write the unwrapped object` })
    if (misspelled.length) {
      const names = misspelled.map((k) => `${k} (for ${MISSPELLED_KEYS[k]})`).join(', ')
      findings.push({ level: 'warning', code: 'misspelled-keys', message: `${f.carrier}: misspelled Annex E keys read: ${names}` })
    }
    findings.push(...fieldFindings(label))
    const signatures = [await check(label, 'producer')]
    if (label.ReservedCode2 !== '') signatures.push(await check(label, 'propagator'))
    findings.push(...signatures.flatMap(signatureFinding))
    labels.push({ carrier: f.carrier, form: f.form, variant: wrapped ? 'wrapped' : 'guide', raw: f.raw, ...writtenAs, fields: label, signatures })
  }
  if (skipped) {
    const limit = LIMITS.signaturesPerRequest
    findings.push({ level: 'warning', code: 'limit-exceeded', message: `${skipped} signatures not verified: beyond the ${limit.name} limit of ${limit.max}: ${limit.why}` })
  }
  const parsedLabels = labels.filter((l) => l.fields)
  const sourceType = aiSourceType(found)
  if (sourceType) findings.push({ level: 'warning', code: 'digital-source-type', message: `IPTC DigitalSourceType ${sourceType} says the content is AI-generated` })
  if (labels.length === 0) findings.push({ level: 'info', code: 'unlabelled', message: 'no implicit label found' })
  if (labels.length > 1) findings.push({ level: 'error', code: 'multiple-labels', message: `${labels.length} labels found; a file must carry exactly one` })
  const first = parsedLabels[0]?.fields
  const inspection: Inspection = {
    format: format.name,
    labelled: parsedLabels.length > 0,
    verdict: first ? { label: first.Label, meaning: MEANINGS[first.Label] ?? `unknown Label "${first.Label}"` } : undefined,
    labels,
    ...(sourceType && parsedLabels.length === 0 ? { propagate: { state: 'suspected' as const, reason: `IPTC DigitalSourceType ${sourceType}, without an implicit label` } } : {}),
    findings,
  }
  const c2pa = await c2paReport(bytes, format, c2paTrustAnchors)
  if (c2pa) inspection.c2pa = c2pa
  const visible = VISIBLE_TEXT[format.name]
  if (visible) inspection.explicit = explicitTextLabel(visible(concat([...content()])))
  return inspection
}

function fieldFindings(label: AigcLabel): Finding[] {
  const findings: Finding[] = []
  const problem = labelProblem(label)
  if (problem) findings.push({ level: 'error', code: 'character-set', message: problem })
  for (const field of ['ContentProducer', 'ContentPropagator'] as const) {
    const value = label[field]
    if (value === '') continue
    const codeProblem = providerCodeProblem(value)
    if (codeProblem) findings.push({ level: 'warning', code: 'provider-code', message: `${field} is not a TC260 provider code: ${codeProblem}` })
  }
  if (label.Label === '1' && (label.ContentProducer === '' || label.ProduceID === '')) {
    findings.push({ level: 'error', code: 'producer-fields', message: 'a Label 1 record needs ContentProducer and ProduceID' })
  }
  if (label.ContentPropagator === '' || label.PropagateID === '') {
    findings.push({ level: 'warning', code: 'propagator-fields', message: 'ContentPropagator and PropagateID are empty; the first writer sets them to its own code and ID' })
  }
  return findings
}

function signatureFinding(report: SignatureReport): Finding[] {
  const message = `${report.field}: ${report.detail}`
  switch (report.status) {
    case 'invalid':
    case 'content-changed':
      return [{ level: 'error', code: `signature-${report.status}`, message }]
    case 'unknown-key':
    case 'unsupported':
    case 'not-checked':
      return [{ level: 'warning', code: `signature-${report.status}`, message }]
    default:
      return report.variants?.length ? [{ level: 'info', code: 'signature-variant', message: `${report.field}: accepted ${report.variants.join(', ')}` }] : []
  }
}

/** Text documents: what a reader sees of the bytes a label's content binding covers. */
const VISIBLE_TEXT: Partial<Record<CarrierFormat['name'], (bytes: Uint8Array) => string>> = { markdown: fromUtf8, html: visibleText }

/** A short line at the very start or end that reads as an explicit label (GB 45438 §4). */
function explicitTextLabel(text: string): { found: boolean; text?: string } {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
  for (const line of [lines[0], lines.at(-1)]) {
    if (line !== undefined && line.length <= 60 && !explicitLabelProblem(line)) return { found: true, text: line }
  }
  return { found: false }
}
