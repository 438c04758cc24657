import { env } from 'cloudflare:workers'

/** A fixture file from test/fixtures/images as bytes. */
export function fixture(name: string): Uint8Array {
  const base64 = env.FIXTURE_IMAGES[name]
  if (!base64) throw new Error(`no fixture ${name}`)
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
}
