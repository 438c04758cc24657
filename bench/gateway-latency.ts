/**
 * Added latency of the gateway: a 1,000-chunk chat stream read directly from a loopback
 * upstream versus through the gateway, in the same run. The gateway is the bundle
 * `wrangler deploy` would upload, run in workerd through Miniflare (wrangler dev puts a
 * development proxy in front that adds far more than the gateway itself).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Miniflare } from 'miniflare'
import { applyMigrations, buildDeployedBundle, type DeployedBundle } from './deployed'
import { fmt, median } from './stats'

const CHUNKS = 1000
const ROUNDS = 30
const PROVIDER = '001191110000MA01ABCD2X00000'

function chunk(delta: object, finish: string | null): string {
  const body = { id: 'b', object: 'chat.completion.chunk', created: 1, model: 'b', choices: [{ index: 0, delta, finish_reason: finish }] }
  return `data: ${JSON.stringify(body)}\n\n`
}

/** Streams CHUNKS frames, one write each, yielding to the event loop between writes. */
function startUpstream(): Promise<Server> {
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (let i = 0; i < CHUNKS; i++) {
      res.write(chunk({ content: `第${i}块 token ` }, null))
      await new Promise((r) => setImmediate(r))
    }
    res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

async function startGateway(): Promise<{ mf: Miniflare; bundle: DeployedBundle }> {
  const bundle = buildDeployedBundle()
  const mf = new Miniflare({
    ...bundle.script,
    compatibilityDate: '2026-04-20',
    compatibilityFlags: ['nodejs_compat'],
    d1Databases: { DB: 'bench' },
    r2Buckets: ['FILES'],
    bindings: { GATEWAY_ENV: 'development' },
  })
  await mf.ready
  await applyMigrations(await mf.getD1Database('DB'))
  return { mf, bundle }
}

interface Timing {
  ttfb: number
  total: number
}

async function timeStream(url: string, key: string, body: object): Promise<Timing> {
  const start = performance.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'b', stream: true, messages: [{ role: 'user', content: 'hi' }], ...body }),
  })
  const reader = res.body!.getReader()
  let ttfb = 0
  for (let r = await reader.read(); !r.done; r = await reader.read()) ttfb ||= performance.now() - start
  return { ttfb, total: performance.now() - start }
}

export async function gatewayLatency(): Promise<string[]> {
  const upstream = await startUpstream()
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`
  const { mf, bundle } = await startGateway()
  try {
    const base = (await mf.ready).origin
    const admin = { authorization: 'Bearer dev-admin-token', 'content-type': 'application/json' }
    const tenant = { id: 'bench', name: 'Bench', providerCode: PROVIDER, upstream: { baseUrl: upstreamUrl, apiKey: 'x' } }
    await fetch(`${base}/admin/tenants`, { method: 'POST', headers: admin, body: JSON.stringify(tenant) })
    const { key } = (await (await fetch(`${base}/admin/tenants/bench/keys`, { method: 'POST', headers: admin })).json()) as { key: string }

    const cases = {
      direct: () => timeStream(`${upstreamUrl}/chat/completions`, 'x', {}),
      labelled: () => timeStream(`${base}/v1/chat/completions`, key, {}),
      // JSON mode: header label only, the upstream body goes back untouched.
      untouched: () => timeStream(`${base}/v1/chat/completions`, key, { response_format: { type: 'json_object' } }),
    }
    const runs: Record<keyof typeof cases, Timing[]> = { direct: [], labelled: [], untouched: [] }
    for (let i = 0; i < 3; i++) for (const run of Object.values(cases)) await run()
    for (let i = 0; i < ROUNDS; i++) for (const [name, run] of Object.entries(cases)) runs[name as keyof typeof cases].push(await run())

    const m = (name: keyof typeof cases, k: keyof Timing) => median(runs[name].map((r) => r[k]))
    const line = (name: keyof typeof cases, label: string) =>
      `  ${label.padEnd(34)} TTFB ${fmt(m(name, 'ttfb')).padStart(6)} ms   total ${fmt(m(name, 'total')).padStart(7)} ms`
    return [
      `Gateway in workerd (Miniflare) vs direct loopback upstream, ${CHUNKS}-chunk chat stream, median of ${ROUNDS}:`,
      line('direct', 'direct to upstream'),
      line('labelled', 'via gateway, labelled'),
      line('untouched', 'via gateway, body passed natively'),
      `  added TTFB (labelled - direct)     ${fmt(m('labelled', 'ttfb') - m('direct', 'ttfb'))} ms  (goal < 2 ms)`,
      `  total ratio labelled / direct      ${fmt(m('labelled', 'total') / m('direct', 'total'))}`,
      `  total ratio labelled / untouched   ${fmt(m('labelled', 'total') / m('untouched', 'total'))}  (JS stream per-chunk cost in workerd + labelling)`,
    ]
  } finally {
    await mf.dispose()
    upstream.close()
    bundle.remove()
  }
}
