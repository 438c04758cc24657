import { GatewayError } from '../errors'
import { isRecord } from '../guards'

/** Parses a JSON object body; a JSON array or scalar is refused too. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new GatewayError(400, 'invalid_json', 'the request body is not valid JSON')
  }
  if (!isRecord(value)) throw new GatewayError(400, 'invalid_json', 'the request body must be a JSON object')
  return value
}

