/**
 * Starts, once for the conformance project, what a developer starts with `npm start`: the
 * local D1 migrations applied, then the gateway in workerd through wrangler's
 * `unstable_startWorker` in the `dev` environment (GATEWAY_ENV=development, so a tenant
 * may use a plain-http upstream). One tenant per provider is created through the admin API,
 * each pointing at the replaying upstream on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { getPlatformProxy, unstable_startWorker } from 'wrangler'
import { PROVIDER_BASES, UPSTREAM_KEY } from './cases/index'
import { startReplayUpstream } from './replay-upstream'

export type Provider = keyof typeof PROVIDER_BASES
/** Providers with a tenant of their own; Anthropic is the OpenAI tenant's `anthropicBaseUrl`. */
const TENANTS = ['openai', 'dashscope', 'deepseek', 'vllm', 'mistral'] as const satisfies Provider[]
export type TenantName = (typeof TENANTS)[number]

export interface Conformance {
  /** The gateway's origin, e.g. http://127.0.0.1:41234 */
  gateway: string
  /** The replaying upstream's origin. */
  upstream: string
  keys: Record<TenantName, string>
}

declare module 'vitest' {
  export interface ProvidedContext {
    conformance: Conformance
  }
}

const ADMIN_TOKEN = 'conformance-admin-token-0123456789'
const PROVIDER_CODE = '001191110000MA01ABCD2X00000'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // No network here: do not let wrangler fetch the `Request.cf` placeholder.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false'
  const upstream = await startReplayUpstream()
  const persist = mkdtempSync(join(tmpdir(), 'aigc-conformance-'))
  await applyMigrations(persist)

  const worker = await unstable_startWorker({
    config: 'wrangler.toml',
    env: 'dev',
    // A developer's .dev.vars must not change what the suite runs against.
    envFiles: [],
    bindings: {
      GATEWAY_ENV: { type: 'plain_text', value: 'development' },
      ADMIN_TOKEN: { type: 'plain_text', value: ADMIN_TOKEN },
    },
    dev: { persist, server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, logLevel: 'warn' },
  })
  try {
    await worker.ready
    const gateway = (await worker.url).origin
    const keys = {} as Record<TenantName, string>
    for (const name of TENANTS) keys[name] = await createTenant(gateway, name, upstream.origin)
    project.provide('conformance', { gateway, upstream: upstream.origin, keys })
  } catch (error) {
    await worker.dispose()
    await upstream.close()
    throw error
  }
  return async () => {
    await worker.dispose()
    await upstream.close()
    rmSync(persist, { recursive: true, force: true })
  }
}

/**
 * The D1 migrations, applied to the local database the worker will open (the same
 * persistence directory; the dev server keeps its state under `v3/` there) through
 * wrangler's own local bindings. In-process, this costs a few seconds where
 * `wrangler d1 migrations apply` as a command costs a whole CLI start (20 s on a busy box).
 */
async function applyMigrations(persist: string): Promise<void> {
  const proxy = await getPlatformProxy<{ DB: D1Database }>({ configPath: 'wrangler.toml', environment: 'dev', persist: { path: join(persist, 'v3') }, envFiles: [] })
  try {
    for (const { queries } of await readD1Migrations('migrations')) await proxy.env.DB.batch(queries.map((q) => proxy.env.DB.prepare(q)))
  } finally {
    await proxy.dispose()
  }
}

async function createTenant(gateway: string, name: TenantName, upstream: string): Promise<string> {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }
  const tenant = {
    id: `conformance-${name}`,
    name: `Conformance ${name}`,
    providerCode: PROVIDER_CODE,
    upstream: {
      baseUrl: upstream + PROVIDER_BASES[name],
      apiKey: UPSTREAM_KEY,
      ...(name === 'openai' ? { anthropicBaseUrl: upstream + PROVIDER_BASES.anthropic } : {}),
    },
  }
  const created = await fetch(`${gateway}/admin/tenants`, { method: 'POST', headers, body: JSON.stringify(tenant) })
  if (created.status !== 201) throw new Error(`creating tenant ${name}: ${created.status} ${await created.text()}`)
  const issued = await fetch(`${gateway}/admin/tenants/${tenant.id}/keys`, { method: 'POST', headers })
  if (issued.status !== 201) throw new Error(`issuing a key for ${name}: ${issued.status} ${await issued.text()}`)
  return ((await issued.json()) as { key: string }).key
}
