import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { exports } from 'cloudflare:workers'
import type { Recorded } from './mock-upstream/server'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'
export const PROVIDER = '001191110000MA01ABCD2X00000'
export const PLATFORM = '001191310000MA1FL8XQ3010001'
export const GATEWAY = 'https://gateway.test'

/** Calls the gateway's own fetch handler, as a client on the network would. */
export function gateway(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(GATEWAY + path, init))
}

export function admin(method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<Response> {
  return gateway(`/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

let counter = 0

export interface TestTenant {
  id: string
  key: string
  keyId: string
  host: string
}

/** A tenant with its own mock upstream host and a fresh gateway key. */
export async function createTenant(overrides: Record<string, unknown> = {}): Promise<TestTenant> {
  const id = `t${Date.now().toString(36)}${counter++}`
  const host = `${id}.upstream.test`
  const res = await admin('POST', '/tenants', {
    id,
    name: `Tenant ${id}`,
    providerCode: PROVIDER,
    upstream: { baseUrl: `https://${host}/v1`, apiKey: `upstream-secret-${id}` },
    ...overrides,
  })
  if (res.status !== 201) throw new Error(`tenant create failed: ${res.status} ${await res.text()}`)
  const keyRes = await admin('POST', `/tenants/${id}/keys`)
  const { key, id: keyId } = (await keyRes.json()) as { key: string; id: string }
  return { id, key, keyId, host }
}

const viaGateway = (url: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init))

export function openai(key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${GATEWAY}/v1`, fetch: viaGateway, maxRetries: 0 })
}

export function anthropic(key: string): Anthropic {
  return new Anthropic({ apiKey: key, baseURL: GATEWAY, fetch: viaGateway, maxRetries: 0 })
}

/** What the mock upstream at `host` has received. */
export async function upstreamRequests(host: string): Promise<Recorded[]> {
  return (await fetch(`https://${host}/__requests`)).json()
}
