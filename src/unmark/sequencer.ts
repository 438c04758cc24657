/**
 * One tenant's log appends, in order: a group commit. Entries that arrive while a write is
 * in flight are chained onto the head in arrival order and written together in the next
 * transaction, so N concurrent appends cost about N / MAX_BATCH_ROWS writes instead of N
 * racing retries. It holds the head in memory and trusts it only after a write succeeded:
 * after any failure it re-reads the head from the store.
 *
 * No I/O of its own: the store is passed in (D1 in the Durable Object, anything in tests).
 */
import { GENESIS_HASH, rowHash, type ChainHead, type LogEntry, type LogRow } from './chain'

export interface SequencerStore {
  /** The last written row (or the retention anchor); undefined for an empty chain. */
  head(): Promise<ChainHead | undefined>
  /** Writes consecutive rows in one transaction: all of them or none. */
  write(rows: LogRow[]): Promise<void>
}

export interface Sequencer {
  tenantId: string
  /** Resolves once the row is stored; rejects when it was not. */
  append(entry: LogEntry): Promise<LogRow>
}

/** Rows per transaction: D1 batches are transactions, and a smaller one fails less at once. */
const MAX_BATCH_ROWS = 100

interface Pending {
  entry: LogEntry
  resolve(row: LogRow): void
  reject(error: unknown): void
}

export function createSequencer(tenantId: string, store: SequencerStore): Sequencer {
  let head: ChainHead | undefined
  const queue: Pending[] = []
  let draining = false

  async function commit(batch: Pending[]): Promise<void> {
    try {
      head ??= (await store.head()) ?? { seq: 0, hash: GENESIS_HASH }
      let { seq, hash } = head
      const rows: LogRow[] = []
      for (const { entry } of batch) {
        seq += 1
        const next = await rowHash(hash, tenantId, seq, entry)
        rows.push({ ...entry, tenantId, seq, prevHash: hash, hash: next })
        hash = next
      }
      await store.write(rows)
      head = { seq, hash }
      batch.forEach((p, i) => p.resolve(rows[i]!))
    } catch (error) {
      // The write may or may not have landed: the store's head is the truth from here on.
      head = undefined
      if (batch.length === 1) return batch[0]!.reject(error)
      // One bad entry must not fail the others: each goes again on its own.
      for (const p of batch) await commit([p])
    }
  }

  async function drain(): Promise<void> {
    draining = true
    while (queue.length > 0) await commit(queue.splice(0, MAX_BATCH_ROWS))
    draining = false
  }

  return {
    tenantId,
    append(entry) {
      return new Promise<LogRow>((resolve, reject) => {
        queue.push({ entry, resolve, reject })
        if (!draining) void drain()
      })
    },
  }
}
