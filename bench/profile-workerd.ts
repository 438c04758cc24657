/**
 * Where the time of metadata-only labelling goes in workerd: V8's sampling profiler, over the
 * inspector Miniflare opens, while the gateway labels ~1 MB and ~48 MB files with
 * `?mark=implicit`. Prints self time per function (and the idle/GC shares), heaviest first.
 * Needs a WebSocket client (Node 20: --experimental-websocket; `npm run bench` passes it).
 */
import { createServer } from 'node:net'
import { fmt } from './stats'
import { makeImageOfSize, post, startWorkerd } from './workerd'

interface ProfileNode {
  id: number
  children?: number[]
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** A minimal Chrome DevTools Protocol session: one command at a time, answers matched by id. */
async function devtools(url: string): Promise<{ send: (method: string, params?: object) => Promise<Record<string, unknown>>; close: () => void }> {
  const socket = new WebSocket(url)
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve)
    socket.addEventListener('error', reject)
  })
  let next = 0
  const waiting = new Map<number, (result: Record<string, unknown>) => void>()
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> }
    if (message.id !== undefined) waiting.get(message.id)?.(message.result ?? {})
  })
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next
        waiting.set(id, resolve)
        socket.send(JSON.stringify({ id, method, params }))
      }),
    close: () => socket.close(),
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * Self time by function. A built-in (no script of its own: a stream's `next`, `set`) is
 * named with the nearest caller of ours, so that its cost lands where it is paid for.
 */
function selfTimes(profile: Profile): { name: string; ms: number }[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map(profile.nodes.flatMap((n) => (n.children ?? []).map((child) => [child, n.id] as const)))
  const named = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame
    return `${functionName || '(anonymous)'}${url ? ` ${url.split('/').at(-1)}:${lineNumber + 1}` : ''}`
  }
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id)!
    let name = named(node)
    if (!node.callFrame.url && !name.startsWith('(')) {
      let caller = parent.get(id)
      while (caller !== undefined && !byNode.get(caller)!.callFrame.url) caller = parent.get(caller)
      if (caller !== undefined) name += ` ← ${named(byNode.get(caller)!)}`
    }
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  })
  return [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms)
}

export async function profileWorkerd(): Promise<string[]> {
  const inputs = [
    ['~1 MB JPEG', await makeImageOfSize(1e6, 'jpeg'), 'image/jpeg', 10],
    ['~1 MB PNG', await makeImageOfSize(1e6, 'png'), 'image/png', 10],
    ['~48 MB JPEG', await makeImageOfSize(48e6, 'jpeg'), 'image/jpeg', 2],
    ['~48 MB PNG', await makeImageOfSize(48e6, 'png'), 'image/png', 2],
  ] as const
  const inspectorPort = await freePort()
  const w = await startWorkerd({ inspectorPort })
  const session = await devtools(`ws://127.0.0.1:${inspectorPort}/core:user:gateway`)
  const lines = ['Profile of the gateway in workerd (V8 sampling profiler over the inspector), ?mark=implicit, self time per function:']
  try {
    await session.send('Profiler.enable')
    await session.send('Profiler.setSamplingInterval', { interval: 200 })
    for (const [name, bytes, type, rounds] of inputs) {
      const label = () => post(`${w.gateway}/v1/aigc/label?mark=implicit`, bytes, { authorization: `Bearer ${w.key}`, 'content-type': type })
      await label()
      await session.send('Profiler.start')
      const start = performance.now()
      for (let i = 0; i < rounds; i++) await label()
      const wall = (performance.now() - start) / rounds
      const { profile } = (await session.send('Profiler.stop')) as unknown as { profile: Profile }
      const times = selfTimes(profile)
      const busy = times.filter((t) => t.name !== '(idle)').reduce((sum, t) => sum + t.ms, 0) / rounds
      lines.push(`  ${name}: ${fmt(wall, 0)} ms per request from Node, ${fmt(busy, 0)} ms of it on the isolate's thread (not idle); heaviest:`)
      for (const { name: fn, ms } of times.filter((t) => t.name !== '(idle)').slice(0, 10)) {
        lines.push(`    ${fmt(ms / rounds, 1).padStart(7)} ms  ${fn}`)
      }
    }
    return lines
  } finally {
    session.close()
    await w.dispose()
  }
}
