/**
 * The fuzz oracle on every reproducer the fuzzer found (test/fixtures/fuzz, described in its
 * README) and on every hostile file as it is: labelled once, or refused with a FormatError,
 * within the case budget. The seeded run starts from the same hostile files, but its time cap
 * may stop it before it reaches them all.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fileBytes, formatOfFile } from './corpus'
import { CaseRunner, judge } from './harness'

const files = (dir: string) => readdirSync(dir).filter((name) => name !== 'README.md' && formatOfFile(name)).map((name) => join(dir, name))

describe('fuzz oracle on reproducers and hostile files', () => {
  const runner = new CaseRunner()
  afterAll(() => runner.stop())

  it.each([...files('test/fixtures/fuzz'), ...files('test/fixtures/hostile')])('%s', async (path) => {
    const run = await runner.run(formatOfFile(path)!, fileBytes(path))
    expect(judge(run, runner.budget)).toBeUndefined()
  })
})
