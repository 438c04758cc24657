/**
 * Finds the rhythm mark in decoded audio by its envelope, knowing nothing of how it was
 * made: the RMS level in 5 ms windows, runs above a threshold are bursts, and the mark is
 * four bursts whose lengths go 1:3:1:1 with gaps 1:3:1, set apart from the content by silence.
 */
import { wavChunks } from '../src/formats/wav'

export interface Burst {
  startMs: number
  endMs: number
}

const WINDOW_MS = 5

/** Runs of windows whose RMS passes `threshold` (mono samples in [−1, 1]). */
export function bursts(samples: Float32Array, sampleRate: number, threshold = 0.05): Burst[] {
  const window = Math.max(1, Math.round((sampleRate * WINDOW_MS) / 1000))
  const found: Burst[] = []
  let open: number | undefined
  for (let w = 0; w * window < samples.length; w++) {
    let sum = 0
    const end = Math.min(samples.length, (w + 1) * window)
    for (let i = w * window; i < end; i++) sum += samples[i]! ** 2
    const loud = Math.sqrt(sum / (end - w * window)) > threshold
    if (loud && open === undefined) open = w
    if (!loud && open !== undefined) {
      found.push({ startMs: open * WINDOW_MS, endMs: w * WINDOW_MS })
      open = undefined
    }
  }
  if (open !== undefined) found.push({ startMs: open * WINDOW_MS, endMs: Math.ceil(samples.length / window) * WINDOW_MS })
  return found
}

/** Why four bursts are not the mark, or undefined when they are: · − · · at one dot length. */
export function markProblem(four: Burst[]): string | undefined {
  if (four.length !== 4) return `${four.length} bursts`
  const lengths = four.map((b) => b.endMs - b.startMs)
  const gaps = four.slice(1).map((b, i) => b.startMs - four[i]!.endMs)
  const dot = (lengths[0]! + lengths[2]! + lengths[3]!) / 3
  const near = (actual: number, dots: number) => Math.abs(actual - dots * dot) <= 0.2 * dot + WINDOW_MS * 2
  if (dot < 90 || dot > 130) return `dot of ${dot} ms`
  if (![1, 3, 1, 1].every((dots, i) => near(lengths[i]!, dots))) return `burst lengths ${lengths.join(', ')} ms`
  if (![1, 3, 1].every((dots, i) => near(gaps[i]!, dots))) return `gaps ${gaps.join(', ')} ms`
  return undefined
}

/** Where the mark is found: at the start (the first four bursts, then silence), the end, or both. */
export function markPositions(samples: Float32Array, sampleRate: number, minSilenceMs = 200): { start: boolean; end: boolean; found: Burst[] } {
  const found = bursts(samples, sampleRate)
  const first = found.slice(0, 4)
  const last = found.slice(-4)
  const after = found[4]
  const before = found.at(-5)
  const start = !markProblem(first) && (after === undefined || after.startMs - first[3]!.endMs >= minSilenceMs)
  const end = !markProblem(last) && (before === undefined || last[0]!.startMs - before.endMs >= minSilenceMs)
  return { start, end, found }
}

/** A 16-bit WAV's samples, first channel, as floats. */
export function wavSamples(bytes: Uint8Array): { samples: Float32Array; rate: number } {
  const chunks = wavChunks(bytes)
  const fmt = chunks.find((c) => c.id === 'fmt ')!
  const data = chunks.find((c) => c.id === 'data')!
  const view = new DataView(bytes.buffer, bytes.byteOffset)
  const channels = view.getUint16(fmt.body + 2, true)
  const samples = new Float32Array(data.size / 2 / channels)
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(data.body + i * 2 * channels, true) / 32768
  return { samples, rate: view.getUint32(fmt.body + 4, true) }
}
