/**
 * Request bodies read under a named budget: the byte count is checked as each chunk
 * arrives (and against Content-Length before the first), so an oversized body is refused
 * after at most one chunk past the limit, never buffered whole first.
 */
import { concat, fromUtf8 } from '../formats/bytes'
import { checkLimit, type LimitName } from '../limits'
import { GatewayError } from '../errors'

/** A request's (or an upstream answer's) body, within the named budget. */
export async function readBody(request: Pick<Request, 'headers' | 'body'>, limit: LimitName, what: string): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > 0) checkLimit(limit, declared, what)
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
