/**
 * Every budget an attacker-controlled size is checked against, in one place, each with the
 * reason for its value. Checks run before the work they guard (a length field is checked
 * before the buffer it names is allocated), and exceeding one is a LimitError that names the
 * limit: routes answer it with the limit's status (413 for sizes a client chose, 422 for a
 * file whose structure claims too much).
 */
import { FormatError } from './formats/bytes'

export interface Limit {
  /** Stable name, sent to clients in the error's `param`. */
  readonly name: string
  readonly max: number
  readonly unit: 'bytes' | 'pixels' | 'count'
  readonly status: 413 | 422
  /** Why the value is what it is. */
  readonly why: string
}

const MiB = 1024 * 1024

export const LIMITS = {
  uploadBytes: {
    name: 'upload_bytes',
    max: 50 * MiB,
    unit: 'bytes',
    status: 413,
    why: 'one file held in memory with its labelled copy must leave room in a 128 MB isolate',
  },
  jsonBodyBytes: {
    name: 'json_body_bytes',
    max: 4 * MiB,
    unit: 'bytes',
    status: 413,
    why: 'a JSON request body is parsed whole in memory; a longer document goes to detect as the raw file',
  },
  labelsPerFile: {
    name: 'labels_per_file',
    max: 16,
    unit: 'count',
    status: 422,
    why: 'a file carries exactly one implicit label (GB 45438); every further one costs parsing and signature checks the sender chose',
  },
  signaturesPerRequest: {
    name: 'signatures_per_request',
    max: 8,
    unit: 'count',
    status: 422,
    why: 'an SM2 verification costs milliseconds of CPU; signatures beyond this are reported as not checked, not verified',
  },
  imageAnswerBytes: {
    name: 'image_answer_bytes',
    max: 200 * MiB,
    unit: 'bytes',
    status: 413,
    why: 'an images API JSON answer is read as bytes and its base64 images are decoded in slices',
  },
} as const satisfies Record<string, Limit>

export type LimitName = keyof typeof LIMITS

/** A budget was exceeded; the message says which, by how much, and why the limit exists. */
export class LimitError extends FormatError {
  constructor(
    readonly limit: Limit,
    what: string,
    actual?: number,
  ) {
    super(`${what}${actual === undefined ? '' : ` (${actual} ${limit.unit})`} exceeds the ${limit.name} limit of ${limit.max} ${limit.unit}: ${limit.why}`)
    this.name = 'LimitError'
  }
}

/** Throws a LimitError when `actual` is over the named limit. */
export function checkLimit(name: LimitName, actual: number, what: string): void {
  const limit: Limit = LIMITS[name]
  if (!(actual <= limit.max)) throw new LimitError(limit, what, actual)
}
