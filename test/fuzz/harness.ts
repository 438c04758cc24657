/**
 * The fuzz harness (main thread): makes each case from its seed, runs it in a worker thread
 * under a watchdog, judges it, and keeps one reproducer (the smallest) per distinct failure.
 * A case that hangs is terminated with its worker and reported; the next case gets a fresh one.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { caseSeed, mutate, rng, type FuzzFormat } from './mutate'
import type { Op, OpOutcome } from './oracle'
import type { CaseRequest, WorkerMessage } from './protocol'

export interface Seed {
  name: string
  bytes: Uint8Array
}

/** What one case did: the ops' outcomes, or how the worker failed to finish it. */
export interface CaseRun {
  ms: number
  outcomes?: OpOutcome[]
  /** The op running when the watchdog fired or the worker died. */
  stuck?: { op: Op | undefined; reason: 'hang' | 'worker-died'; detail: string }
}

export interface Failure {
  format: FuzzFormat
  /** Case coordinates: `npm run fuzz -- --seed S --format F --case I` replays it. */
  seed: number
  index: number
  seedFile: string
  steps: string[]
  op: Op | undefined
  kind: 'exception' | 'oracle' | 'over-budget' | 'hang' | 'worker-died'
  detail: string
  where?: string
  ms: number
  bytes: Uint8Array
  /** How many cases failed this way. */
  count: number
}

export interface Budget {
  /** A case (all four ops) taking longer is a failure. */
  caseMs: number
  /** The watchdog: no answer by then, the worker is terminated and the case is a hang. */
  hangMs: number
}

// The watchdog fires a little after the budget: a case past it has failed either way.
export const DEFAULT_BUDGET: Budget = { caseMs: 2000, hangMs: 3000 }

const BOOT = (url: string) => `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}) })`

/** A worker thread and the case it is running. */
class Slot {
  readonly worker: Worker
  readonly ready: Promise<void>
  dead = false
  onMessage: ((m: WorkerMessage) => void) | undefined
  onDeath: ((e: Error) => void) | undefined
  /** What the codecs printed (mozjpeg and libwebp say why they failed on stderr). */
  stderr = ''

  constructor() {
    // tsx runs the TypeScript worker, as it runs scripts/fuzz.ts.
    this.worker = new Worker(BOOT(new URL('./worker.ts', import.meta.url).href), { eval: true, stderr: true, stdout: true })
    this.worker.stdout.resume()
    this.worker.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-300)))
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: WorkerMessage) => (m.type === 'ready' ? resolve() : this.onMessage?.(m)))
      const die = (error: Error) => {
        this.dead = true
        if (this.onDeath) this.onDeath(error)
        else reject(error)
      }
      this.worker.on('error', die)
      this.worker.on('exit', (code) => die(new Error(`worker exited with code ${code}`)))
    })
    this.ready.catch(() => {}) // a spare that dies unused is replaced when it is needed
  }

  async stop(): Promise<void> {
    this.onDeath = this.onMessage = undefined
    this.dead = true
    await this.worker.terminate()
  }
}

/**
 * Runs cases one at a time in a worker thread. A worker that hung, died or whose wasm
 * trapped is thrown away and a spare, started while the cases ran, takes over at once.
 */
export class CaseRunner {
  private current: Slot | undefined
  private spare: Slot | undefined
  private nextId = 0

  constructor(readonly budget: Budget = DEFAULT_BUDGET) {}

  async stop(): Promise<void> {
    await Promise.all([this.current?.stop(), this.spare?.stop()])
    this.current = this.spare = undefined
  }

  private async slot(): Promise<Slot> {
    if (!this.current || this.current.dead) {
      this.current = this.spare && !this.spare.dead ? this.spare : new Slot()
      this.spare = undefined
    }
    await this.current.ready
    this.spare ??= new Slot()
    return this.current
  }

  async run(format: FuzzFormat, bytes: Uint8Array): Promise<CaseRun> {
    const slot = await this.slot()
    const id = this.nextId++
    const started = performance.now()
    let op: Op | undefined
    slot.stderr = ''
    const run = await new Promise<CaseRun>((resolve) => {
      const stuck = (reason: 'hang' | 'worker-died', detail: string) => resolve({ ms: performance.now() - started, stuck: { op, reason, detail } })
      const timer = setTimeout(() => stuck('hang', `no answer within ${this.budget.hangMs} ms`), this.budget.hangMs)
      slot.onDeath = (e) => {
        clearTimeout(timer)
        stuck('worker-died', e.message)
      }
      slot.onMessage = (m) => {
        if (m.type === 'op' && m.id === id) op = m.op
        if (m.type === 'done' && m.id === id) {
          clearTimeout(timer)
          resolve({ ms: performance.now() - started, outcomes: m.outcomes })
        }
      }
      slot.worker.postMessage({ id, format, bytes } satisfies CaseRequest)
    })
    slot.onMessage = slot.onDeath = undefined
    const said = slot.stderr.trim().split('\n').pop()
    for (const o of run.outcomes ?? []) if (o.result === 'failed' && said) o.detail += ` (stderr: ${said})`
    // A terminated worker is gone, and a codec whose wasm trapped or aborted stays broken.
    // A codec's exit() or thrown decode error leaves it usable, as in the gateway's isolate,
    // so what those leak builds up across cases (mozjpeg aborts after ~100 exit(1)s).
    if (run.stuck || run.outcomes?.some((o) => o.result === 'failed' && /RuntimeError|Aborted\(/.test(o.detail ?? ''))) await slot.stop()
    return run
  }
}

/** The oracle's verdict on a case, or undefined when it passed. */
export function judge(run: CaseRun, budget: Budget): Pick<Failure, 'op' | 'kind' | 'detail' | 'where'> | undefined {
  if (run.stuck) return { op: run.stuck.op, kind: run.stuck.reason, detail: run.stuck.detail }
  const failed = run.outcomes!.find((o) => o.result === 'failed')
  if (failed) return { op: failed.op, kind: failed.where === 'oracle' ? 'oracle' : 'exception', detail: failed.detail!, where: failed.where }
  if (run.ms > budget.caseMs) {
    const slowest = run.outcomes!.reduce((a, b) => (b.ms > a.ms ? b : a))
    return { op: slowest.op, kind: 'over-budget', detail: `${Math.round(run.ms)} ms > ${budget.caseMs} ms (${slowest.op}: ${Math.round(slowest.ms)} ms)` }
  }
  return undefined
}

/** Case `index` of a run: the seeds first as they are, then mutants, seed files in turn. */
export function makeCase(seed: number, format: FuzzFormat, index: number, seeds: Seed[]): { seedFile: Seed; bytes: Uint8Array; steps: string[] } {
  const seedFile = seeds[index % seeds.length]!
  if (index < seeds.length) return { seedFile, bytes: seedFile.bytes, steps: [] }
  const { bytes, steps } = mutate(seedFile.bytes, format, rng(caseSeed(seed, format, index)))
  return { seedFile, bytes, steps }
}

export interface FuzzOptions {
  seed: number
  /** Stop after this many cases, or after `seconds`, whichever comes first. */
  cases: number
  seconds: number
  /** Where reproducers are written (one per distinct failure); none when undefined. */
  outDir?: string
  log?: (line: string) => void
}

export interface FormatReport {
  format: FuzzFormat
  ran: number
  /** Cases of seeds not mutated because the seed itself took more than half the budget. */
  skipped: number
  seconds: number
  outcomes: Record<OpOutcome['result'], number>
  /** Distinct failures, each with its smallest reproducer. */
  failures: Failure[]
  failedCases: number
}

/** Fuzzes one format; a failure's signature is its op, kind, and the start of its message without numbers. */
export async function fuzzFormat(runner: CaseRunner, format: FuzzFormat, seeds: Seed[], options: FuzzOptions): Promise<FormatReport> {
  const budget = runner.budget
  const log = options.log ?? (() => {})
  const started = performance.now()
  const failures = new Map<string, Failure>()
  const dropped = new Set<string>()
  const outcomes = { labelled: 0, report: 0, rejected: 0, failed: 0 }
  let ran = 0
  let skipped = 0
  let failedCases = 0
  for (let index = 0; ran < options.cases && performance.now() - started < options.seconds * 1000; index++) {
    const { seedFile, bytes, steps } = makeCase(options.seed, format, index, seeds)
    if (dropped.has(seedFile.name)) {
      if (dropped.size === seeds.length) break
      skipped++
      continue
    }
    const run = await runner.run(format, bytes)
    ran++
    for (const o of run.outcomes ?? []) outcomes[o.result]++
    const verdict = judge(run, budget)
    // Mutants of a seed that is itself slow would spend the run rediscovering it.
    if (steps.length === 0 && (run.stuck || run.ms > budget.caseMs / 2)) {
      dropped.add(seedFile.name)
      log(`slow seed ${seedFile.name} (${Math.round(run.ms)} ms): not mutated`)
    }
    if (!verdict) continue
    failedCases++
    // Slow cases have no message to tell them apart: their seed file does, roughly.
    const timed = verdict.kind === 'hang' || verdict.kind === 'over-budget'
    const signature = [verdict.op, verdict.kind, timed ? seedFile.name : verdict.detail.replace(/\d+/g, 'N').slice(0, 60), verdict.where?.replace(/:\d+:\d+\)?$/, '')].join('|')
    const known = failures.get(signature)
    if (known) {
      known.count++
      if (bytes.length >= known.bytes.length) continue
    }
    const failure: Failure = { format, seed: options.seed, index, seedFile: seedFile.name, steps, ...verdict, ms: run.ms, bytes, count: known ? known.count : 1 }
    failures.set(signature, failure)
    if (!options.outDir) log(`FAIL ${describeFailure(failure)}`)
    else {
      if (known) removeReproducer(options.outDir, known)
      const path = saveReproducer(options.outDir, failure)
      if (!known) log(`FAIL ${describeFailure(failure)} → ${path}`)
    }
  }
  // The notes again, with the final counts.
  if (options.outDir) for (const f of failures.values()) saveReproducer(options.outDir, f)
  return { format, ran, skipped, seconds: (performance.now() - started) / 1000, outcomes, failures: [...failures.values()], failedCases }
}

export function describeFailure(f: Failure): string {
  const origin = f.steps.length ? `mutant of ${f.seedFile} [${f.steps.join('; ')}]` : `seed file ${f.seedFile} as it is`
  return `${f.format} case ${f.index} (seed ${f.seed}, ${origin}): ${f.op ?? 'start'} ${f.kind}: ${f.detail}${f.where ? ` at ${f.where}` : ''}`
}

export const EXTENSIONS: Record<FuzzFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif', markdown: 'md', html: 'html', pdf: 'pdf', ooxml: 'docx', mp4: 'mp4', mp3: 'mp3', aac: 'aac', wav: 'wav', flac: 'flac', ogg: 'ogg' }

const reproducerName = (f: Failure) => `${f.format}-${f.seed}-${f.index}`

/** Writes the reproducer and a note saying how it was made; returns the file's path. */
function saveReproducer(dir: string, f: Failure): string {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${reproducerName(f)}.${EXTENSIONS[f.format]}`)
  writeFileSync(path, f.bytes)
  writeFileSync(join(dir, `${reproducerName(f)}.txt`), `${describeFailure(f)}\n${f.count} case(s) failed this way.\n`)
  return path
}

/** A smaller reproducer of the same failure replaces this one. */
function removeReproducer(dir: string, f: Failure): void {
  for (const ext of [EXTENSIONS[f.format], 'txt']) rmSync(join(dir, `${reproducerName(f)}.${ext}`), { force: true })
}
