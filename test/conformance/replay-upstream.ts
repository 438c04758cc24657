/**
 * The replaying upstream: a Node HTTP server on 127.0.0.1 that answers each request with
 * the recorded case it matches (cases/index.ts), byte for byte. Event streams go out in
 * small writes that cut frames, lines and UTF-8 characters, as a network does. Paths are
 * normalised the way nginx does by default (merged slashes), and a trailing slash is
 * ignored, so a gateway that forwards an odd path gets an answer it must still label.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { CASES, UPSTREAM_KEY, type ReplayCase } from './cases/index'

const CASE_DIR = join(import.meta.dirname, 'cases')
const IMAGE_DIR = join(import.meta.dirname, '..', 'fixtures', 'images')
/** Bytes per write of a replayed stream: small enough to cut most frames and characters. */
const STREAM_WRITE = 37

export interface RecordedRequest {
  method: string
  /** Path and query as received. */
  url: string
  authorization?: string
  apiKey?: string
  anthropicVersion?: string
  body: string
}

export interface ReplayUpstream {
  origin: string
  close(): Promise<void>
}

export async function startReplayUpstream(): Promise<ReplayUpstream> {
  const recorded: RecordedRequest[] = []
  const server = createServer((req, res) => {
    handle(req, res, recorded).catch((error: unknown) => {
      console.error('replay upstream failed', error)
      res.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { origin, close: () => closeServer(server) }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

async function handle(req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest[]): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://replay')
  const path = url.pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1')
  if (path === '/__requests') return send(res, 200, 'application/json', JSON.stringify(recorded))

  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks).toString('utf8')
  const method = req.method ?? 'GET'
  recorded.push({
    method,
    url: req.url ?? '/',
    authorization: req.headers.authorization,
    apiKey: header(req, 'x-api-key'),
    anthropicVersion: header(req, 'anthropic-version'),
    body,
  })

  if (method === 'GET' && path.startsWith('/cdn/')) {
    return send(res, 200, 'image/png', readFileSync(join(IMAGE_DIR, path.slice('/cdn/'.length))))
  }
  const json = (req.headers['content-type'] ?? '').includes('json') ? parseObject(body) : undefined
  const found = bestCase(method, path, json)
  if (!found) return send(res, 404, 'application/json', JSON.stringify({ error: { message: `no recorded case for ${method} ${path}`, type: 'invalid_request_error' } }))
  if (!authorised(req, found)) return unauthorised(res, found)

  const origin = `http://${req.headers.host}`
  const bytes = readFileSync(join(CASE_DIR, found.file), 'utf8').replaceAll('{{UPSTREAM}}', origin)
  const headers = { ...found.headers }
  if (!found.file.endsWith('.sse')) {
    const type = found.file.endsWith('.jsonl') ? 'application/octet-stream' : 'application/json'
    return send(res, 200, type, bytes, headers)
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers })
  const raw = Buffer.from(bytes, 'utf8')
  for (let at = 0; at < raw.length; at += STREAM_WRITE) {
    res.write(raw.subarray(at, at + STREAM_WRITE))
    await new Promise((resolve) => setImmediate(resolve))
  }
  res.end()
}

function bestCase(method: string, path: string, body: Record<string, unknown> | undefined): ReplayCase | undefined {
  let best: ReplayCase | undefined
  let bestScore = -1
  for (const c of CASES) {
    if (c.method !== method || c.path !== path) continue
    if (c.stream !== undefined && c.stream !== (body?.stream === true)) continue
    if (c.match && !(body && isSubset(c.match, body))) continue
    if (c.has && !(body && c.has.every((key) => key in body))) continue
    if (c.lastRole && lastRole(body) !== c.lastRole) continue
    const score = Object.keys(c.match ?? {}).length + (c.has?.length ?? 0) + (c.lastRole ? 1 : 0)
    if (score > bestScore) [best, bestScore] = [c, score]
  }
  return best
}

function isSubset(pattern: unknown, value: unknown): boolean {
  if (typeof pattern !== 'object' || pattern === null) return pattern === value
  if (typeof value !== 'object' || value === null) return false
  return Object.entries(pattern).every(([k, v]) => isSubset(v, (value as Record<string, unknown>)[k]))
}

function lastRole(body: Record<string, unknown> | undefined): unknown {
  const messages = body?.messages
  return Array.isArray(messages) ? (messages.at(-1) as { role?: unknown } | undefined)?.role : undefined
}

function authorised(req: IncomingMessage, c: ReplayCase): boolean {
  if (c.auth === 'bearer') return req.headers.authorization === `Bearer ${UPSTREAM_KEY}`
  return header(req, 'x-api-key') === UPSTREAM_KEY && header(req, 'anthropic-version') !== undefined
}

/** The provider's own 401, so a client sees what it would see from the real API. */
function unauthorised(res: ServerResponse, c: ReplayCase): void {
  const body =
    c.auth === 'x-api-key'
      ? { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }
      : { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }
  send(res, 401, 'application/json', JSON.stringify(body))
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, ...headers })
  res.end(body)
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
