/**
 * One fuzz case through the pure core, the way the /v1/aigc routes drive it: label
 * (implicit only, and with the visible mark), detect (readLabels and the inspection report)
 * and propagate. Each step must end in a file that reads back with exactly the label written,
 * a report, or a FormatError (LimitError is one): what the routes answer with a 4xx.
 * Anything else thrown, or a second label, is a failure.
 */
import { detectFormat, FormatError, readLabels, type CarrierFormat } from '../../src/formats'
import { labelFile, type Signing } from '../../src/image/label-image'
import type { MarkContext } from '../../src/image/mark-image'
import { createLabel, serializeLabel, type AigcLabel } from '../../src/label/annex-e'
import { affixesFor, DEFAULT_TEXT_LABEL } from '../../src/label/explicit-text'
import { inspect } from '../../src/verify/inspect'
import { propagatedLabel } from '../../src/verify/propagate'
import type { FuzzFormat } from './mutate'

export const OPS = ['label-implicit', 'label-visible', 'detect', 'propagate'] as const
export type Op = (typeof OPS)[number]

export interface OpOutcome {
  op: Op
  /** `labelled`/`report`: done; `rejected`: a FormatError (4xx); `failed`: the oracle's verdict. */
  result: 'labelled' | 'report' | 'rejected' | 'failed'
  ms: number
  /** Rejections and failures: the error's class and message, or what the read-back found. */
  detail?: string
  /** Failures: the innermost frame in src/, for the diagnosis. */
  where?: string
}

export interface CoreContext {
  mark: MarkContext
  producer: Signing
  propagator: Signing
  isKnownKey(publicKey: string): boolean
}

const MIME: Record<FuzzFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  markdown: 'text/markdown',
  html: 'text/html',
  pdf: 'application/pdf',
  ooxml: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  aac: 'audio/aac',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
}
/** The carrier formats a fuzz format's cases may sniff as. */
const FAMILY: Record<FuzzFormat, CarrierFormat['name'][]> = {
  png: ['png'],
  jpeg: ['jpeg'],
  webp: ['webp'],
  gif: ['gif'],
  markdown: ['markdown'],
  html: ['html'],
  pdf: ['pdf'],
  ooxml: ['docx', 'xlsx', 'pptx'],
  mp4: ['mp4', 'mov', 'm4a'],
  mp3: ['mp3'],
  aac: ['aac'],
  wav: ['wav'],
  flac: ['flac'],
  ogg: ['ogg', 'opus'],
}
const PRODUCER = '001191110000MA01ABCD2X00000'
const PLATFORM = '001191110000MA01PLAT0X00000'

class OracleFailure extends Error {}

/** Runs every op on the bytes; `onOp` is told before each starts (a hang is then attributed). */
export async function runCore(bytes: Uint8Array, format: FuzzFormat, ctx: CoreContext, onOp: (op: Op) => void = () => {}): Promise<OpOutcome[]> {
  // The routes sniff and refuse (415) a file that is not what it says.
  let carrier
  try {
    carrier = detectFormat(bytes, MIME[format])
  } catch (error) {
    return OPS.map((op) => ({ op, ms: 0, ...classify(error) }))
  }
  if (!carrier || !FAMILY[format].includes(carrier.name)) return OPS.map((op) => ({ op, result: 'rejected', ms: 0, detail: `sniffed as ${carrier?.name ?? 'nothing'}` }))
  const steps: Record<Op, () => Promise<OpOutcome['result']>> = {
    'label-implicit': () => label(bytes, carrier, newLabel(), undefined, ctx.producer),
    // As the routes do it: the text label on documents, the image mark on images, the rhythm
    // mark on WAV and MP3; other audio takes the implicit label alone, video is refused (422).
    'label-visible': async () => {
      if (carrier.explicitText) return label(carrier.explicitText(bytes, affixesFor(DEFAULT_TEXT_LABEL)), carrier, newLabel(), undefined, ctx.producer)
      if (carrier.audibleMark) return label(carrier.audibleMark(bytes, 'both'), carrier, newLabel(), undefined, ctx.producer)
      if (carrier.mime.startsWith('audio/')) return label(bytes, carrier, newLabel(), undefined, ctx.producer)
      if (carrier.mime.startsWith('image/')) return label(bytes, carrier, newLabel(), ctx.mark, ctx.producer)
      return 'rejected'
    },
    detect: async () => {
      const report = await inspect(bytes, carrier, { isKnownKey: ctx.isKnownKey })
      if (report.labelled !== report.labels.some((l) => l.fields)) throw new OracleFailure('the report says labelled but lists no parsed label (or the reverse)')
      return 'report'
    },
    propagate: async () => {
      const existing = readLabels(bytes, carrier).find((f) => f.label)?.label
      const next = propagatedLabel(existing, 'suspected', PLATFORM, crypto.randomUUID())
      return label(bytes, carrier, next, undefined, ctx.propagator)
    },
  }
  const outcomes: OpOutcome[] = []
  for (const op of OPS) {
    onOp(op)
    const start = performance.now()
    try {
      const result = await steps[op]()
      outcomes.push({ op, result, ms: performance.now() - start })
    } catch (error) {
      outcomes.push({ op, ms: performance.now() - start, ...classify(error) })
    }
  }
  return outcomes
}

const newLabel = () => createLabel({ producer: PRODUCER, produceId: crypto.randomUUID() })

async function label(bytes: Uint8Array, format: CarrierFormat, input: AigcLabel, mark: MarkContext | undefined, signing: Signing): Promise<'labelled'> {
  const out = await labelFile(bytes, format, input, mark, signing)
  let found
  try {
    found = readLabels(out.bytes, format)
  } catch (error) {
    throw new OracleFailure(`our output does not read back: ${describe(error)}`)
  }
  if (found.length !== 1) throw new OracleFailure(`our output holds ${found.length} labels (${found.map((f) => f.carrier).join(', ')})`)
  if (!found[0]!.label || serializeLabel(found[0]!.label) !== serializeLabel(out.label)) throw new OracleFailure(`our output's label is not the one written: ${found[0]!.raw.slice(0, 120)}`)
  return 'labelled'
}

function classify(error: unknown): Pick<OpOutcome, 'result' | 'detail' | 'where'> {
  if (error instanceof FormatError) return { result: 'rejected', detail: describe(error) }
  return { result: 'failed', detail: describe(error), where: error instanceof OracleFailure ? 'oracle' : srcFrame(error) }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? error.constructor.name : error.name}: ${error.message.slice(0, 300)}`
  // Emscripten throws ExitStatus objects that are not Errors.
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown }
  return `non-Error thrown: ${String(name ?? typeof error)}: ${String(message ?? error).slice(0, 300)}`
}

/** The first stack frame in the project's src/ (where a parser threw), else the first frame. */
function srcFrame(error: unknown): string | undefined {
  const lines = (error instanceof Error ? (error.stack ?? '') : '').split('\n').filter((l) => l.trim().startsWith('at '))
  const frame = lines.find((l) => l.includes('/src/')) ?? lines[0]
  return frame?.trim().replace(/^at /, '').replace(/\(?(file:\/\/)?\/[^()]*\/(src|node_modules)\//, '($2/')
}
