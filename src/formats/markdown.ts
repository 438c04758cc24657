/**
 * Markdown and plain text: the label is the `AIGC` key of YAML front matter (TC260 guide),
 * written as a single-quoted scalar so the JSON needs no escaping but doubled `'`. Readers
 * also take double-quoted and plain (flow) values. Only the front matter is parsed; the
 * document body is never touched.
 */
import { labelText, type TextAffixes } from '../label/explicit-text'
import { concat, fromUtf8, utf8 } from './bytes'
import type { CarrierFormat, FoundLabel } from './types'

const OPEN = /^---[ \t]*(\r?\n)/
const CLOSE = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m
const AIGC_LINE = /^AIGC[ \t]*:[ \t]*(.*?)[ \t]*(?:\r?\n|$)/gm

interface FrontMatter {
  /** The lines between the delimiters, with their line endings. */
  body: string
  /** Where the YAML starts and where the document after the closing delimiter starts. */
  yamlStart: number
  rest: number
  newline: string
}

function frontMatter(text: string): FrontMatter | undefined {
  const open = OPEN.exec(text)
  if (!open) return undefined
  const yamlStart = open[0].length
  const close = CLOSE.exec(text.slice(yamlStart))
  if (!close) return undefined
  return { body: text.slice(yamlStart, yamlStart + close.index), yamlStart, rest: yamlStart + close.index + close[0].length, newline: open[1]! }
}

/** The scalar's value: single-quoted, double-quoted (JSON-compatible escapes) or plain. */
function scalar(value: string): string {
  if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) return value.slice(1, -1).replaceAll("''", "'")
  if (value.startsWith('"')) {
    try {
      return String(JSON.parse(value))
    } catch {
      return value
    }
  }
  return value
}

export const markdown: CarrierFormat = {
  name: 'markdown',
  mime: 'text/markdown',
  detect: (bytes) => OPEN.test(fromUtf8(bytes.subarray(0, 8))),

  read(bytes) {
    const fm = frontMatter(fromUtf8(bytes))
    if (!fm) return []
    const found: FoundLabel[] = []
    for (const m of fm.body.matchAll(AIGC_LINE)) found.push({ carrier: 'markdown:front-matter:AIGC', form: 'text', raw: scalar(m[1]!) })
    return found
  },

  write(bytes, json) {
    const text = fromUtf8(bytes)
    const fm = frontMatter(text)
    const newline = fm?.newline ?? (text.includes('\r\n') ? '\r\n' : '\n')
    const line = `AIGC: '${json.replaceAll("'", "''")}'${newline}`
    if (!fm) return concat([utf8.encode(`---${newline}${line}---${newline}`), bytes])
    let placed = false
    const yaml = fm.body.replace(AIGC_LINE, () => {
      if (placed) return ''
      placed = true
      return line
    })
    return utf8.encode(text.slice(0, fm.yamlStart) + (placed ? yaml : line + yaml) + text.slice(fm.yamlStart + fm.body.length))
  },

  // The document after its front matter: what a reader sees as the text.
  content(bytes) {
    const text = fromUtf8(bytes)
    const fm = frontMatter(text)
    return [fm ? utf8.encode(text.slice(fm.rest)) : bytes]
  },
}

/** The document with the explicit text label around its body; front matter stays first. */
export function withExplicitText(bytes: Uint8Array, affixes: TextAffixes): Uint8Array {
  const text = fromUtf8(bytes)
  const start = frontMatter(text)?.rest ?? 0
  return utf8.encode(text.slice(0, start) + labelText(text.slice(start), affixes))
}
