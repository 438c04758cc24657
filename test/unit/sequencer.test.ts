import { describe, expect, it } from 'vitest'
import { GENESIS_HASH, verifyRows, type LogEntry, type LogRow } from '../../src/unmark/chain'
import { createSequencer, type SequencerStore } from '../../src/unmark/sequencer'

const entry = (endUser: string): LogEntry => ({
  event: 'delivery', at: '2027-01-01T00:00:00.000Z', grantId: 'g', endUser, produceIds: ['p'],
  contentKind: 'text', route: 'test', clientIp: null, userAgent: null, requestId: null, details: null,
})

/** A store like D1: transactions are all or nothing, and the key (seq) is unique. */
function memoryStore(refuse: (row: LogRow) => boolean = () => false) {
  const rows: LogRow[] = []
  const writes: number[] = []
  const store: SequencerStore = {
    head: async () => rows.at(-1),
    write: async (batch) => {
      await Promise.resolve()
      if (batch.some(refuse) || batch[0]!.seq !== (rows.at(-1)?.seq ?? 0) + 1) throw new Error('refused')
      writes.push(batch.length)
      rows.push(...batch)
    },
  }
  return { rows, writes, store }
}

describe('the log sequencer', () => {
  it('chains concurrent appends in arrival order and writes them in few transactions', async () => {
    const { rows, writes, store } = memoryStore()
    const log = createSequencer('t', store)
    const written = await Promise.all(Array.from({ length: 250 }, (_, i) => log.append(entry(`u${i}`))))
    expect(written.map((r) => r.endUser)).toEqual(Array.from({ length: 250 }, (_, i) => `u${i}`))
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1))
    expect(await verifyRows({ seq: 0, hash: GENESIS_HASH }, rows)).toMatchObject({ ok: true, head: { seq: 250 } })
    // The first append goes alone; the rest queue behind it and go in batches of at most 100.
    expect(writes.length).toBeLessThan(10)
    expect(Math.max(...writes)).toBeLessThanOrEqual(100)
  })

  it('fails only the entry the store refuses, and goes on from the stored head', async () => {
    const { rows, store } = memoryStore((row) => row.endUser === 'bad')
    const log = createSequencer('t', store)
    const results = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((u) => log.append(entry(u))))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect(rows.map((r) => [r.seq, r.endUser])).toEqual([[1, 'a'], [2, 'b'], [3, 'c']])
    expect(await verifyRows({ seq: 0, hash: GENESIS_HASH }, rows)).toMatchObject({ ok: true })
  })

  it('re-reads the head after a failed write, so a row another writer stored is not forked', async () => {
    const { rows, store } = memoryStore()
    const log = createSequencer('t', store)
    await log.append(entry('a'))
    // Someone else extends the chain: the cached head is stale and the next write is refused.
    const other = await createSequencer('t', store).append(entry('other'))
    await expect(log.append(entry('b'))).rejects.toThrow('refused')
    const next = await log.append(entry('c'))
    expect(next).toMatchObject({ seq: 3, prevHash: other.hash })
    expect(rows.map((r) => r.endUser)).toEqual(['a', 'other', 'c'])
  })
})
