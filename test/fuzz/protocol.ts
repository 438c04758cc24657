/** Messages between the fuzz harness and its worker thread. */
import type { FuzzFormat } from './mutate'
import type { Op, OpOutcome } from './oracle'

export interface CaseRequest {
  id: number
  format: FuzzFormat
  bytes: Uint8Array
}

export type WorkerMessage = { type: 'ready' } | { type: 'op'; id: number; op: Op } | { type: 'done'; id: number; outcomes: OpOutcome[] }
