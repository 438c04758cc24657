/**
 * What a propagation platform (or anyone) needs to know about a file's labels: every label
 * found, where and in which variant, whether it conforms to GB 45438 / the TC260 guides,
 * and the status of each signature. Pure: the caller says which keys it trusts.
 */
import { labelProblem, parseLabel, providerCodeProblem, type AigcLabel } from '../label/annex-e'
import { explicitLabelProblem } from '../label/explicit-text'
import { checkLabelSignature, type SignatureReport, type VerifyContext } from '../label/signature'
import type { CarrierFormat } from '../formats'
import { concat, fromUtf8 } from '../formats/bytes'

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
  findings: Finding[]
}

const MEANINGS: Record<string, string> = {
  '1': '属于: AI-generated (Label 1)',
  '2': '可能: possibly AI-generated (Label 2)',
  '3': '疑似: suspected AI-generated (Label 3)',
}

export async function inspect(bytes: Uint8Array, format: CarrierFormat, context: Omit<VerifyContext, 'content'>): Promise<Inspection> {
  const content = () => format.content(bytes)
  const findings: Finding[] = []
  const labels: DetectedLabel[] = []
  for (const found of format.read(bytes)) {
    const parsed = parseLabel(found.raw)
    if (!parsed) {
      labels.push({ carrier: found.carrier, form: found.form, variant: 'not-a-label', raw: found.raw })
      findings.push({ level: 'error', code: 'not-annex-e', message: `${found.carrier} holds a value that is not an Annex E label` })
      continue
    }
    const { label, wrapped } = parsed
    if (wrapped) findings.push({ level: 'info', code: 'wrapped-form', message: `${found.carrier}: Annex E's wrapped {"AIGC":{…}} form; the TC260 guides write the unwrapped object` })
    findings.push(...fieldFindings(label))
    const signatures = [await checkLabelSignature(label, 'producer', { ...context, content })]
    if (label.ReservedCode2 !== '') signatures.push(await checkLabelSignature(label, 'propagator', { ...context, content }))
    findings.push(...signatures.flatMap(signatureFinding))
    labels.push({ carrier: found.carrier, form: found.form, variant: wrapped ? 'wrapped' : 'guide', raw: found.raw, fields: label, signatures })
  }
  const parsedLabels = labels.filter((l) => l.fields)
  if (labels.length === 0) findings.push({ level: 'info', code: 'unlabelled', message: 'no implicit label found' })
  if (labels.length > 1) findings.push({ level: 'error', code: 'multiple-labels', message: `${labels.length} labels found; a file must carry exactly one` })
  const first = parsedLabels[0]?.fields
  const inspection: Inspection = {
    format: format.name,
    labelled: parsedLabels.length > 0,
    verdict: first ? { label: first.Label, meaning: MEANINGS[first.Label] ?? `unknown Label "${first.Label}"` } : undefined,
    labels,
    findings,
  }
  if (format.name === 'markdown') inspection.explicit = explicitTextLabel(fromUtf8(concat(content())))
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
      return [{ level: 'warning', code: `signature-${report.status}`, message }]
    default:
      return report.variants?.length ? [{ level: 'info', code: 'signature-variant', message: `${report.field}: accepted ${report.variants.join(', ')}` }] : []
  }
}

/** A short line at the very start or end that reads as an explicit label (GB 45438 §4). */
function explicitTextLabel(text: string): { found: boolean; text?: string } {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
  for (const line of [lines[0], lines.at(-1)]) {
    if (line !== undefined && line.length <= 60 && !explicitLabelProblem(line)) return { found: true, text: line }
  }
  return { found: false }
}
