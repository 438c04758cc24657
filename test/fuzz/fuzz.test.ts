/**
 * A fixed-seed mutation run over every format's fixtures and hostile files: each case must
 * end in a labelled file that reads back with exactly one label, a detection report, or a
 * FormatError (a 4xx), within the case budget. Capped by cases and by time per format; the
 * count that ran is printed. `npm run fuzz` runs more.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { corpus } from './corpus'
import { CaseRunner, describeFailure, fuzzFormat } from './harness'
import { FUZZ_FORMATS } from './mutate'

const SEED = 20261202
const CASES = 3000
const SECONDS = 20
const OUT = join(tmpdir(), `aigc-fuzz-${SEED}`)

describe(`mutation fuzzing, seed ${SEED}`, () => {
  const runner = new CaseRunner()
  afterAll(() => runner.stop())

  it.each(FUZZ_FORMATS)('%s: every case is labelled once or refused with a FormatError, within budget', async (format) => {
    const report = await fuzzFormat(runner, format, corpus(format), { seed: SEED, cases: CASES, seconds: SECONDS, outDir: OUT, log: console.log })
    console.log(
      `fuzz ${format}: ${report.ran} cases in ${report.seconds.toFixed(1)} s (${(report.ran / report.seconds).toFixed(1)}/s), ` +
        `${report.failedCases} failed${report.skipped ? `, ${report.skipped} skipped` : ''}; reproducers in ${OUT}`,
    )
    expect(report.ran).toBeGreaterThan(0)
    expect(report.failures.map(describeFailure)).toEqual([])
  })
})
