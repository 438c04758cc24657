/**
 * Peak memory of one request in workerd, from outside: Miniflare's workerd is a child of this
 * process, so its resident set is in /proc. The peak (VmHWM) is reset just before the call
 * (writing 5 to clear_refs) and read after it; the rise over the resident set before is what
 * the request took at its worst. Measure in a fresh workerd after one small warm-up request:
 * memory an earlier request freed would be reused without showing as a rise.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'

const MB = 1024

function workerdChildren(): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (comm === 'workerd' && ppid === process.pid) pids.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return pids
}

const statusKb = (pid: number, field: string) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))![1])

/** MB the workerd processes rose above their resident set at their peak while `call` ran; undefined off Linux. */
export async function peakRise(call: () => Promise<unknown>): Promise<number | undefined> {
  const pids = workerdChildren()
  if (pids.length === 0) return undefined
  const before = pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0)
  for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, '5')
  await call()
  const peak = pids.reduce((sum, pid) => sum + statusKb(pid, 'VmHWM'), 0)
  return (peak - before) / MB
}
