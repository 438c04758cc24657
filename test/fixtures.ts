import { env } from 'cloudflare:workers'

/** A fixture file from test/fixtures/images (or, from `set`, another fixture folder) as bytes. */
export function fixture(name: string, set: Record<string, string> = env.FIXTURE_IMAGES): Uint8Array {
  const base64 = set[name]
  if (!base64) throw new Error(`no fixture ${name}`)
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
}

/** A file from test/fixtures/hostile: inputs that once hung or crashed the gateway. */
export const hostile = (name: string) => fixture(name, env.HOSTILE_FIXTURES)

/** The names of the hostile fixtures. */
export const hostileNames = () => Object.keys(env.HOSTILE_FIXTURES)

/** A PNG with one more chunk before IEND, as other tools write them. */
export function insertPngChunk(bytes: Uint8Array, type: string, text: string): Uint8Array {
  const end = bytes.length - 12 // IEND is the last 12 bytes of a well-formed PNG
  const data = new TextEncoder().encode(text)
  const chunk = new Uint8Array(12 + data.length)
  new DataView(chunk.buffer).setUint32(0, data.length)
  chunk.set(new TextEncoder().encode(type), 4)
  chunk.set(data, 8)
  new DataView(chunk.buffer).setUint32(8 + data.length, crc(chunk.subarray(4, 8 + data.length)))
  return new Uint8Array([...bytes.subarray(0, end), ...chunk, ...bytes.subarray(end)])
}

function crc(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}
