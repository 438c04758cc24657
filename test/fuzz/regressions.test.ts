/**
 * Every reproducer the fuzzer found (test/fixtures/fuzz, described in its README) stays
 * answered: labelled once, or refused with a FormatError, within the case budget.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { formatOfFile } from './corpus'
import { CaseRunner, judge } from './harness'

const DIR = 'test/fixtures/fuzz'
const FILES = readdirSync(DIR).filter((name) => name !== 'README.md' && formatOfFile(name))

describe('fuzz reproducers', () => {
  const runner = new CaseRunner()
  afterAll(() => runner.stop())

  it.each(FILES)('%s', async (name) => {
    const run = await runner.run(formatOfFile(name)!, new Uint8Array(readFileSync(join(DIR, name))))
    expect(judge(run, runner.budget)).toBeUndefined()
  })
})
