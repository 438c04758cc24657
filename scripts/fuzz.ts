/**
 * More fuzzing than `npm test` runs:
 *   npm run fuzz -- --seed 7 --cases 20000 [--seconds 600] [--format gif,png] [--out dir]
 *   npm run fuzz -- --seed 7 --format gif --case 1234     (replay one case, write it out)
 *   npm run fuzz -- --file some.gif                       (run one file through the oracle)
 *   --corpus test/fixtures/images                         (seed from these folders only)
 * Exits 1 when any case failed. Reproducers go to --out (default: a temporary directory).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { corpus, fileBytes, formatOfFile } from '../test/fuzz/corpus'
import { CaseRunner, DEFAULT_BUDGET, EXTENSIONS, fuzzFormat, judge, makeCase } from '../test/fuzz/harness'
import { FUZZ_FORMATS, type FuzzFormat } from '../test/fuzz/mutate'

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '3600' },
    format: { type: 'string', default: FUZZ_FORMATS.join(',') },
    case: { type: 'string' },
    file: { type: 'string' },
    out: { type: 'string' },
    budget: { type: 'string', default: String(DEFAULT_BUDGET.caseMs) },
    corpus: { type: 'string' },
  },
})

const seed = Number(values.seed)
const formats = values.format.split(',') as FuzzFormat[]
const unknown = formats.find((f) => !FUZZ_FORMATS.includes(f))
if (unknown) throw new Error(`--format: ${unknown} is not one of ${FUZZ_FORMATS.join(', ')}`)
const caseMs = Number(values.budget)
const runner = new CaseRunner({ caseMs, hangMs: Math.max(DEFAULT_BUDGET.hangMs, caseMs * 2) })
const out = values.out ?? mkdtempSync(join(tmpdir(), 'aigc-fuzz-'))
const seedsOf = (format: FuzzFormat) => corpus(format, values.corpus?.split(','))
let failed = false

/** One case, verbose: every op's outcome. */
async function single(format: FuzzFormat, bytes: Uint8Array, what: string) {
  const run = await runner.run(format, bytes)
  console.log(`${what}: ${bytes.length} bytes, ${Math.round(run.ms)} ms`)
  for (const o of run.outcomes ?? []) console.log(`  ${o.op}: ${o.result} (${Math.round(o.ms)} ms)${o.detail ? ` ${o.detail}` : ''}${o.where ? ` at ${o.where}` : ''}`)
  const verdict = judge(run, runner.budget)
  if (verdict) console.log(`  FAIL ${verdict.op ?? 'start'} ${verdict.kind}: ${verdict.detail}`)
  failed ||= verdict !== undefined
}

try {
  if (values.file) {
    const format = formatOfFile(values.file)
    if (!format) throw new Error(`--file: no format for ${values.file}`)
    await single(format, fileBytes(values.file), values.file)
  } else if (values.case !== undefined) {
    const format = formats[0]!
    const made = makeCase(seed, format, Number(values.case), seedsOf(format))
    const path = join(out, `${format}-${seed}-${values.case}.${EXTENSIONS[format]}`)
    writeFileSync(path, made.bytes)
    await single(format, made.bytes, `${format} case ${values.case} of seed ${seed}: ${made.seedFile.name} [${made.steps.join('; ')}] → ${path}`)
  } else {
    const seconds = Number(values.seconds)
    console.log(`seed ${seed}, up to ${values.cases} cases or ${seconds} s per format, case budget ${caseMs} ms; reproducers in ${out}`)
    for (const format of formats) {
      const report = await fuzzFormat(runner, format, seedsOf(format), { seed, cases: Number(values.cases), seconds, outDir: out, log: console.log })
      const rate = report.ran / report.seconds
      console.log(
        `${format}: ${report.ran} cases in ${report.seconds.toFixed(1)} s (${rate.toFixed(1)}/s), ${report.failedCases} failed in ${report.failures.length} distinct ways` +
          `${report.skipped ? `, ${report.skipped} skipped (seed too slow)` : ''}; ops: ${JSON.stringify(report.outcomes)}`,
      )
      failed ||= report.failures.length > 0
    }
  }
} finally {
  await runner.stop()
}
process.exitCode = failed ? 1 : 0
