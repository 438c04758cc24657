/**
 * Request bodies read under a named budget: the byte count is checked as each chunk
 * arrives (and against Content-Length before the first), so an oversized body is refused
 * after at most one chunk past the limit, never buffered whole first.
 */
import { concat, fromUtf8 } from '../formats/bytes'
import { checkLimit, type LimitName } from '../limits'
import { GatewayError } from '../errors'

/**
 * A request's (or an upstream answer's) body, within the named budget. A client's request
 * with a Content-Length is read in one call: the runtime holds its body to that length, and
 * the chunk loop with its copy costs a quarter of a metadata-only label at 48 MB. An
 * upstream answer's length may be of its compressed form, so it is always counted as it
 * streams.
 */
export async function readBody(request: Request | Response, limit: LimitName, what: string): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > 0) checkLimit(limit, declared, what)
  if (declared > 0 && request instanceof Request) return new Uint8Array(await request.arrayBuffer())
  const parts: Uint8Array[] = []
  let size = 0
  if (request.body) {
    for await (const part of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += part.length
      checkLimit(limit, size, what)
      parts.push(part)
    }
  }
  return concat(parts)
}

/** A text body within the named budget. */
export async function cappedText(request: Request, limit: LimitName, what: string): Promise<string> {
  return fromUtf8(await readBody(request, limit, what))
}

/** A JSON body within the json_body_bytes budget. */
export async function cappedJson(request: Request): Promise<unknown> {
  const text = await cappedText(request, 'jsonBodyBytes', 'the JSON request body')
  try {
    return JSON.parse(text)
  } catch {
    throw new GatewayError(400, 'invalid_json', 'the request body is not valid JSON')
  }
}
