/**
 * The watermark's part of a detection report, and what it changes in the verdict: a
 * verified payload with its record counts as a label found; a presence without one is a
 * trace (propagate treats it as suspected); anything less claims nothing. With a label in
 * the metadata too, the two are cross-checked. Pure: the caller reads the pixels and
 * resolves the payload.
 */
import type { AigcLabel } from '../label/annex-e'
import { MEANINGS, type Inspection } from './inspect'

export const WATERMARK_SCHEME = 'aigc-tile-ss/1'

export interface WatermarkReport {
  scheme: typeof WATERMARK_SCHEME
  present: boolean
  /** The pilot's z-score. */
  score: number
  /** Chance of a score this high on an unmarked image (Gaussian tail, over every offset, period and key tried). */
  pValue: number
  /** The payload's CRC checked and the gateway holds a file with that payload. */
  payloadVerified: boolean
  /** The label the watermarked file was made with. */
  record?: AigcLabel
}

/** Adds the watermark report to an inspection and lets it speak where the metadata is silent. */
export function withWatermark(inspection: Inspection, watermark: WatermarkReport | undefined): Inspection {
  if (!watermark) return inspection
  const out: Inspection = { ...inspection, watermark, findings: [...inspection.findings] }
  const metadata = inspection.labels.find((l) => l.fields)?.fields
  const record = watermark.payloadVerified ? watermark.record : undefined
  if (metadata && record) {
    const same = metadata.ProduceID === record.ProduceID
    out.findings.push(
      same
        ? { level: 'info', code: 'watermark-matches', message: 'the watermark resolves to the same ProduceID as the implicit label' }
        : { level: 'warning', code: 'watermark-mismatch', message: `the watermark resolves to ProduceID ${record.ProduceID}, not the implicit label's ${metadata.ProduceID}` },
    )
  } else if (record) {
    out.labelled = true
    out.verdict = { label: record.Label, meaning: `${MEANINGS[record.Label] ?? `unknown Label "${record.Label}"`}, from the watermark` }
    delete out.propagate
    out.findings.push({ level: 'info', code: 'watermark-label', message: `no implicit label in the metadata; the watermark resolves to the label of ProduceID ${record.ProduceID}` })
  } else if (watermark.present && !metadata) {
    out.propagate = { state: 'suspected', reason: `a watermark trace (score ${watermark.score.toFixed(1)}) whose payload does not resolve, without an implicit label` }
    out.findings.push({ level: 'warning', code: 'watermark-trace', message: 'the pixels carry the gateway watermark, but its payload could not be read or resolved' })
  }
  return out
}
