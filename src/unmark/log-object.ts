/**
 * The single writer of one tenant's delivery log: a Durable Object per tenant
 * (`idFromName(tenantId)`), so every append of that tenant, from any isolate anywhere,
 * goes through one sequencer. Rows are written into D1, the store export, verify and
 * retention read; the object keeps nothing but the head in memory.
 */
import { DurableObject } from 'cloudflare:workers'
import * as db from '../db/unmark'
import type { LogEntry, LogRow } from './chain'
import { createSequencer, type Sequencer } from './sequencer'

/** The bindings the object uses (not the Worker's whole Env, which names this class). */
interface LogObjectEnv {
  DB: D1Database
}

export class UnmarkLog extends DurableObject<LogObjectEnv> {
  #sequencer: Sequencer | undefined

  /** Appends one entry to the chain of `tenantId` (the name this object was got by). */
  append(tenantId: string, entry: LogEntry): Promise<LogRow> {
    const database = this.env.DB
    this.#sequencer ??= createSequencer(tenantId, {
      head: () => db.chainHead(database, tenantId),
      write: (rows) => db.insertLogRows(database, rows),
    })
    if (this.#sequencer.tenantId !== tenantId) {
      throw new Error(`the unmark log of ${this.#sequencer.tenantId} was asked to append for ${tenantId}`)
    }
    return this.#sequencer.append(entry)
  }
}
