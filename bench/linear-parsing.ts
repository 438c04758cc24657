/**
 * Linear-time parsing, checked by doubling (issue 9): the XMP scanner and the Markdown
 * front matter reader on hostile inputs of size n and 2n. Linear work shows a ratio near
 * 2; the quadratic code this replaced showed about 4. Printed, never asserted: timings on
 * a shared machine are for reading, not for tests.
 */
import { markdown } from '../src/formats/markdown'
import { readXmpLabels, setXmpLabel, TC260_NS } from '../src/label/xmp'
import { fmt, median } from './stats'

const LABEL = '{"Label":"1","ContentProducer":"P","ProduceID":"I"}'

/** Median milliseconds of `run` over a few repetitions. */
function time(run: () => unknown, repeat = 5): number {
  const ms: number[] = []
  for (let i = 0; i < repeat; i++) {
    const start = performance.now()
    run()
    ms.push(performance.now() - start)
  }
  return median(ms)
}

const cases: [string, (n: number) => () => unknown][] = [
  [
    'XMP read+write, n rdf:Description',
    (n) => {
      const first = `<rdf:Description rdf:about="" xmlns:TC260="${TC260_NS}"><TC260:AIGC>x</TC260:AIGC></rdf:Description>`
      const packet = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${first}${'<rdf:Description rdf:about=""/>'.repeat(n)}</rdf:RDF></x:xmpmeta>`
      return () => readXmpLabels(setXmpLabel(packet, LABEL))
    },
  ],
  [
    'XMP malformed, n unclosed tags',
    (n) => {
      const packet = `<x:xmpmeta>${'<rdf:Description '.repeat(n)}`
      return () => {
        try {
          setXmpLabel(packet, LABEL)
        } catch {
          // refused as malformed: the time to find that out is what is measured
        }
      }
    },
  ],
  ['front matter, AIGC line of n blanks', (n) => ((bytes) => () => markdown.read(bytes))(new TextEncoder().encode(`---\nAIGC:${' '.repeat(n)}x${' '.repeat(n)}y\n---\n`))],
  ['front matter, n lines', (n) => ((bytes) => () => markdown.write(bytes, LABEL))(new TextEncoder().encode(`---\n${'k: v\n'.repeat(n)}AIGC: '{}'\n---\nbody\n`))],
]

export function linearParsing(n = 40_000): string[] {
  const lines = ['Core in Node: linear parsing, time at n and 2n (ratio ~2 is linear, ~4 quadratic)']
  for (const [name, make] of cases) {
    const small = make(n)
    const large = make(2 * n)
    small() // warm up the JIT before either is timed
    const a = time(small)
    const b = time(large)
    lines.push(`  ${name.padEnd(38)} n=${n}: ${fmt(a)} ms  2n: ${fmt(b)} ms  ratio ${fmt(b / a)}`)
  }
  return lines
}
