/**
 * SSE rewrite throughput: the chat labeler over a long stream versus a plain pass-through
 * TransformStream over the very same chunks, measured in one run.
 */
import { affixesFor } from '../src/label/explicit-text'
import { chatCompletions } from '../src/protocols'
import { labelEventStream } from '../src/stream/label-stream'
import { buildAnswer, sseText } from '../test/mock-upstream/server'
import { fmt, median } from './stats'

function chunks(frames: number): Uint8Array[] {
  const answer = buildAnswer('/chat/completions', { stream: true }, 'plain')!
  const [first, ...rest] = answer.frames
  const content = rest.slice(0, -2)
  const body = [first!, ...Array.from({ length: frames }, (_, i) => content[i % content.length]!), ...rest.slice(-2)]
  const encoder = new TextEncoder()
  // One network chunk per frame, as model APIs flush them.
  return body.map((f) => encoder.encode(sseText([f], 'plain')))
}

function source(data: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream({
    pull(c) {
      if (i < data.length) c.enqueue(data[i++]!)
      else c.close()
    },
  })
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0
  const reader = stream.getReader()
  for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.byteLength
  return bytes
}

export async function sseThroughput(): Promise<string[]> {
  const data = chunks(20_000)
  const total = data.reduce((n, c) => n + c.byteLength, 0)
  const affixes = affixesFor({ text: '本内容由人工智能生成', position: 'both' })
  const runs = { passthrough: [] as number[], labelled: [] as number[] }
  for (let round = 0; round < 7; round++) {
    let t = performance.now()
    await drain(source(data).pipeThrough(new TransformStream()))
    runs.passthrough.push(performance.now() - t)
    t = performance.now()
    await drain(labelEventStream(source(data), chatCompletions.streamLabeler(affixes, {})))
    runs.labelled.push(performance.now() - t)
  }
  const mbps = (ms: number) => total / 1e6 / (ms / 1000)
  const pass = mbps(median(runs.passthrough))
  const label = mbps(median(runs.labelled))
  return [
    `Core in Node: SSE rewrite, ${data.length} chunks (${fmt(total / 1e6)} MB), median of 7:`,
    `  pass-through TransformStream  ${fmt(pass, 1)} MB/s`,
    `  chat labeler (start+end)      ${fmt(label, 1)} MB/s`,
    `  ratio labelled / pass-through ${fmt(label / pass)}  (goal >= 0.80)`,
  ]
}
