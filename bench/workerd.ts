/**
 * What users get: /v1/aigc/label and /v1/aigc/detect through the gateway in workerd, as
 * `wrangler deploy` would upload it (the bundle from `wrangler deploy --dry-run`, the
 * bindings of wrangler.toml's top level, a tenant made through the admin API), against
 * baselines measured in the same run:
 * - a bare echo Worker in the same Miniflare (the transport floor: the body read whole and
 *   sent back), and the same Worker making one plain copy of it (what metadata work costs
 *   at best);
 * - sharp (libvips, in Node) for the visible mark: decode, the same overlay, encode, XMP.
 * Each Worker gets a socket of its own, so neither pays Miniflare's entry router.
 * Timings are wall time from Node, request sent to answer read, median of several runs.
 */
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { request } from 'node:http'
import { Miniflare, type WorkerOptions } from 'miniflare'
import sharp from 'sharp'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'
import { createLabel, serializeLabel } from '../src/label/annex-e'
import { DEFAULT_IMAGE_MARK, placeMark } from '../src/label/image-mark'
import { createXmpPacket } from '../src/label/xmp'
import { FONT } from '../test/interop/codecs'
import { applyMigrations, buildDeployedBundle } from './deployed'
import { fmt, median } from './stats'

export const ADMIN_TOKEN = 'bench-admin-token-0123456789'
const PROVIDER = '001191110000MA01ABCD2X00000'

const ECHO_WORKER = `export default {
  async fetch(request) {
    const body = new Uint8Array(await request.arrayBuffer())
    return new Response(new URL(request.url).searchParams.has('copy') ? body.slice() : body)
  },
}`
/** The body read chunk by chunk and joined, as the gateway's readBody reads an upstream answer (a client's body with a Content-Length is read in one call). */
const CHUNKED_ECHO_WORKER = `export default {
  async fetch(request) {
    const parts = []
    let size = 0
    for await (const part of request.body) {
      parts.push(part)
      size += part.length
    }
    const body = new Uint8Array(size)
    let at = 0
    for (const part of parts) {
      body.set(part, at)
      at += part.length
    }
    return new Response(body)
  },
}`

export interface Workerd {
  gateway: string
  echo: string
  chunkedEcho: string
  key: string
  dispose(): Promise<void>
}

/** The deployed bundle and bindings in Miniflare, next to the echo Worker; migrations applied, one tenant. */
export async function startWorkerd(options: { inspectorPort?: number } = {}): Promise<Workerd> {
  const bundle = buildDeployedBundle()
  const { workerOptions } = unstable_getMiniflareWorkerOptions('wrangler.toml')
  const gatewayWorker = {
    ...workerOptions,
    name: 'gateway',
    ...bundle.script,
    bindings: { ...workerOptions.bindings, ADMIN_TOKEN, MASTER_KEY: 'bench-master-key-0123456789abcdef' },
    unsafeDirectSockets: [{ port: 0 }],
  } as WorkerOptions
  const echoWorker: WorkerOptions = { name: 'echo', modules: true, script: ECHO_WORKER, compatibilityDate: workerOptions.compatibilityDate, unsafeDirectSockets: [{ port: 0 }] }
  const chunkedEchoWorker: WorkerOptions = { ...echoWorker, name: 'chunked-echo', script: CHUNKED_ECHO_WORKER }
  const mf = new Miniflare({ workers: [gatewayWorker, echoWorker, chunkedEchoWorker], inspectorPort: options.inspectorPort, handleRuntimeStdio: quietRequestLog })
  try {
    await mf.ready
    await applyMigrations(await mf.getD1Database('DB', 'gateway'))
    const gateway = (await mf.unsafeGetDirectURL('gateway')).origin
    const echo = (await mf.unsafeGetDirectURL('echo')).origin
    const chunkedEcho = (await mf.unsafeGetDirectURL('chunked-echo')).origin
    const key = await createTenant(gateway)
    return { gateway, echo, chunkedEcho, key, dispose: () => mf.dispose().finally(bundle.remove) }
  } catch (error) {
    await mf.dispose()
    bundle.remove()
    throw error
  }
}

/** workerd's output without the gateway's one-line request log, which would drown the figures. */
function quietRequestLog(stdout: Readable, stderr: Readable): void {
  const pass = (stream: Readable, out: NodeJS.WriteStream) =>
    createInterface({ input: stream }).on('line', (line) => line.includes('{"event":"request"') || out.write(`${line}\n`))
  pass(stdout, process.stdout)
  pass(stderr, process.stderr)
}

async function createTenant(gateway: string): Promise<string> {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }
  const tenant = { id: 'bench', name: 'Bench', providerCode: PROVIDER, upstream: { baseUrl: 'https://upstream.invalid/v1', apiKey: 'x' } }
  const created = await fetch(`${gateway}/admin/tenants`, { method: 'POST', headers, body: JSON.stringify(tenant) })
  if (created.status !== 201) throw new Error(`creating the tenant: ${created.status} ${await created.text()}`)
  const issued = await fetch(`${gateway}/admin/tenants/bench/keys`, { method: 'POST', headers })
  return ((await issued.json()) as { key: string }).key
}

/**
 * One request on a connection of its own, answer read whole; throws on a status other
 * than 200. (Not fetch: undici reuses idle connections that workerd may have closed, and a
 * request written to one fails with EPIPE or waits for the headers timeout.)
 */
export function post(url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': body.length } }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (part: Buffer) => parts.push(part))
      res.on('error', reject)
      res.on('end', () => {
        const answer = new Uint8Array(Buffer.concat(parts))
        if (res.statusCode === 200) resolve(answer)
        else reject(new Error(`${url}: ${res.statusCode} ${new TextDecoder().decode(answer.subarray(0, 300))}`))
      })
    })
    req.on('error', (error) => reject(new Error(`${url}: ${error.message}`)))
    req.end(body)
  })
}

/**
 * Median ms of each case, the cases taken in turn within every round (after one warm-up
 * round), so that load on a shared machine weighs on a case and its baselines alike.
 */
export async function timed<K extends string>(rounds: number, cases: Record<K, () => Promise<unknown>>): Promise<Record<K, number>> {
  const runs = Object.fromEntries(Object.keys(cases).map((name) => [name, [] as number[]])) as Record<K, number[]>
  for (let round = 0; round <= rounds; round++) {
    for (const [name, run] of Object.entries(cases) as [K, () => Promise<unknown>][]) {
      const start = performance.now()
      await run()
      if (round > 0) runs[name].push(performance.now() - start)
    }
  }
  return Object.fromEntries(Object.entries(runs).map(([name, times]) => [name, median(times as number[])])) as Record<K, number>
}

type Kind = 'png' | 'jpeg'

/**
 * Inputs made by sharp. `noisy`: uniform noise, so the file's size is set by its pixel
 * count (metadata cases of ~1 and ~50 MB); otherwise gradients like generated art.
 */
export async function makeImage(width: number, height: number, kind: Kind, noisy: boolean): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3)
  let seed = 11
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      if (noisy) {
        seed = (Math.imul(seed, 1103515245) + 12345) | 0
        raw[i] = seed >>> 24
        raw[i + 1] = seed >>> 16
        raw[i + 2] = seed >>> 8
      } else {
        // Fine texture on the JPEG (its size then is what a 4096² generated image has, ~5 MB); a
        // PNG keeps to gradients, or it would be noise-sized.
        const detail = kind === 'jpeg' ? 24 * Math.sin(x / 2.3 + Math.sin(y / 7)) * Math.sin(y / 3.1) : 0
        raw[i] = (255 * x) / width + detail
        raw[i + 1] = (255 * y) / height - detail
        raw[i + 2] = 128 + 100 * Math.sin((x + y) / 97) + detail
      }
    }
  }
  const image = sharp(raw, { raw: { width, height, channels: 3 } })
  return new Uint8Array(await (kind === 'png' ? image.png({ compressionLevel: noisy ? 1 : 6 }) : image.jpeg({ quality: noisy ? 95 : 90 })).toBuffer())
}

/** Noise at the pixel count that gives about `bytes`, measured on a small sample. */
export async function makeImageOfSize(bytes: number, kind: Kind): Promise<Uint8Array> {
  const sample = await makeImage(256, 256, kind, true)
  const side = Math.round(256 * Math.sqrt(bytes / sample.length))
  return makeImage(side, side, kind, true)
}

const MB = (bytes: number) => bytes / 1e6
const mbps = (bytes: number, ms: number) => MB(bytes) / (ms / 1000)

export async function workerdBench(): Promise<string[]> {
  const inputs = {
    png1: await makeImageOfSize(1e6, 'png'),
    png50: await makeImageOfSize(48e6, 'png'),
    jpeg1: await makeImageOfSize(1e6, 'jpeg'),
    jpeg50: await makeImageOfSize(48e6, 'jpeg'),
    jpeg5: await makeImageOfSize(5e6, 'jpeg'),
  }
  const w = await startWorkerd()
  const auth = { authorization: `Bearer ${w.key}` }
  const lines = [
    'The gateway in workerd (Miniflare, deployed bundle and bindings), wall time per request from Node, median;',
    'baselines in the same run: echo = a bare Worker answering the body it read (transport floor), copy = the same plus one copy.',
    'CPU time per request: not available locally (a tail Worker in Miniflare gets cpuTime: 0, wallTime: 0); wall time stands in; `npm run bench profile` gives the isolate thread\'s busy time.',
  ]
  try {
    const echo = (bytes: Uint8Array) => () => post(w.echo, bytes)
    const label = (bytes: Uint8Array, type: string, query = '') => () => post(`${w.gateway}/v1/aigc/label${query}`, bytes, { ...auth, 'content-type': type })
    const detect = (bytes: Uint8Array) => () => post(`${w.gateway}/v1/aigc/detect`, bytes, { ...auth, 'content-type': 'image/jpeg' })
    const row = (name: string, size: number, ms: number, echoMs: number, extra = '') =>
      `  ${name.padEnd(34)} ${fmt(ms, 0).padStart(6)} ms ${fmt(mbps(size, ms), 1).padStart(7)} MB/s  ${fmt(echoMs / ms).padStart(5)}× echo's throughput${extra}`

    lines.push('', 'Metadata-only labelling, POST /v1/aigc/label?mark=implicit (SM2-signed, content-bound; goal ≥ 0.50× echo):')
    for (const [name, bytes, type] of [
      ['PNG', inputs.png1, 'image/png'],
      ['PNG', inputs.png50, 'image/png'],
      ['JPEG', inputs.jpeg1, 'image/jpeg'],
      ['JPEG', inputs.jpeg50, 'image/jpeg'],
    ] as const) {
      const t = await timed(bytes.length > 10e6 ? 5 : 11, {
        echo: echo(bytes),
        copy: () => post(`${w.echo}/?copy`, bytes),
        chunked: () => post(w.chunkedEcho, bytes),
        label: label(bytes, type, '?mark=implicit'),
      })
      lines.push(
        `  ${`${fmt(MB(bytes.length), 1)} MB ${name}`.padEnd(34)} echo ${fmt(t.echo, 0)} ms, copy ${fmt(t.copy, 0)} ms, ` +
          `echo reading the body chunk by chunk (readBody's path for upstream answers) ${fmt(t.chunked, 0)} ms (${fmt(t.echo / t.chunked)}× echo's throughput)`,
      )
      lines.push(row('  labelled', bytes.length, t.label, t.echo, `, ${fmt(t.copy / t.label)}× copy's`))
    }

    lines.push('', `Detection, POST /v1/aigc/detect with a tenant key, ${fmt(MB(inputs.jpeg5.length), 1)} MB JPEG (goal: labelled ≤ 2× unlabelled):`)
    const labelled = await label(inputs.jpeg5, 'image/jpeg', '?mark=implicit')()
    const d = await timed(11, { echo: echo(inputs.jpeg5), unlabelled: detect(inputs.jpeg5), labelled: detect(labelled) })
    lines.push(`  echo ${fmt(d.echo, 0)} ms`)
    lines.push(row('unlabelled', inputs.jpeg5.length, d.unlabelled, d.echo))
    lines.push(row('labelled (signature + binding)', labelled.length, d.labelled, d.echo, `; ${fmt(d.labelled / d.unlabelled)}× unlabelled's time`))

    lines.push('', 'Visible mark + signed label, POST /v1/aigc/label (default marks), against sharp in Node doing decode + the same overlay + encode + XMP:')
    for (const size of [1024, 4096]) {
      const viaSharp = await sharpMarker(size)
      for (const kind of ['png', 'jpeg'] as const) {
        const bytes = await makeImage(size, size, kind, false)
        const name = `${size}² ${kind.toUpperCase()} (${fmt(MB(bytes.length), 1)} MB)`
        try {
          const t = await timed(size > 2000 ? 3 : 7, { sharp: () => viaSharp(bytes, kind), echo: echo(bytes), label: label(bytes, `image/${kind}`) })
          lines.push(row(name, bytes.length, t.label, t.echo, `; sharp ${fmt(t.sharp, 0)} ms, ${fmt(t.label / t.sharp)}× sharp's time`))
        } catch (error) {
          lines.push(`  ${name.padEnd(34)} refused: ${(error as Error).message.slice(0, 160)}`)
        }
      }
    }
    return lines
  } finally {
    await w.dispose()
  }
}

const xmp = createXmpPacket(serializeLabel(createLabel({ producer: PROVIDER, produceId: 'bench' })))

/** sharp's run, given the overlay already rendered: the comparison is decode + composite + encode + XMP. */
async function sharpMarker(size: number): Promise<(bytes: Uint8Array, kind: Kind) => Promise<Buffer>> {
  const { overlay, x, y } = placeMark(FONT, DEFAULT_IMAGE_MARK, size, size)
  const input = await sharp(Buffer.from(overlay.rgba.buffer), { raw: { width: overlay.width, height: overlay.height, channels: 4 } }).png().toBuffer()
  return (bytes, kind) => {
    const image = sharp(bytes).composite([{ input, left: x, top: y }]).withXmp(xmp)
    return (kind === 'png' ? image.png() : image.jpeg({ quality: 92 })).toBuffer()
  }
}
