/**
 * Markdown and plain text: the label is the `AIGC` key of YAML front matter (TC260 guide),
 * written as a single-quoted scalar so the JSON needs no escaping but doubled `'`. Readers
 * also take double-quoted and plain (flow) values. Only the front matter is parsed; the
 * document body is never touched.
 */
import { labelText } from '../label/explicit-text'
import { concat, fromUtf8, utf8 } from './bytes'
import type { CarrierFormat, FoundLabel } from './types'

const OPEN = /^---[ \t]*(\r?\n)/

interface FrontMatter {
  /** The lines between the delimiters, with their line endings. */
  body: string
  /** Where the YAML starts and where the document after the closing delimiter starts. */
  yamlStart: number
  rest: number
  newline: string
}

interface Line {
  start: number
  /** After the line ending. */
  end: number
  /** Without the line ending. */
  text: string
}

/** The lines of `text` from `from`, each found by one indexOf: linear, no backtracking. */
function* lines(text: string, from = 0, to = text.length): Generator<Line> {
  for (let start = from; start < to; ) {
    const newline = text.indexOf('\n', start)
    const end = newline === -1 || newline >= to ? to : newline + 1
    const stop = newline === -1 || newline >= to ? to : text[newline - 1] === '\r' ? newline - 1 : newline
    yield { start, end, text: text.slice(start, stop) }
    start = end
  }
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t'

/** Spaces and tabs off both ends, by index: `/[ \t]+$/` is quadratic on a long run of blanks. */
function trimBlank(s: string, start = 0): string {
  let end = s.length
  while (start < end && isBlank(s[start])) start++
  while (end > start && isBlank(s[end - 1])) end--
  return s.slice(start, end)
}

function frontMatter(text: string): FrontMatter | undefined {
  const open = OPEN.exec(text)
  if (!open) return undefined
  const yamlStart = open[0].length
  for (const line of lines(text, yamlStart)) {
    const mark = line.text.slice(0, 3)
    if ((mark === '---' || mark === '...') && trimBlank(line.text, 3) === '') return { body: text.slice(yamlStart, line.start), yamlStart, rest: line.end, newline: open[1]! }
  }
  return undefined
}

interface AigcEntry {
  /** The lines the entry spans in the YAML: the `AIGC:` line and, for a mapping, its indented lines. */
  start: number
  end: number
  raw: string
}

/**
 * Every top-level `AIGC:` key: a scalar holding the JSON, or (as the TC260 guide shows it)
 * a nested mapping of the Annex E fields, read back as the JSON of that mapping.
 */
function aigcEntries(yaml: string): AigcEntry[] {
  const entries: AigcEntry[] = []
  let mapping: { entry: AigcEntry; fields: Record<string, string> } | undefined
  for (const line of lines(yaml)) {
    if (mapping && isBlank(line.text[0])) {
      const colon = line.text.indexOf(':')
      if (colon !== -1) mapping.fields[trimBlank(line.text.slice(0, colon))] = scalar(trimBlank(line.text.slice(colon + 1)))
      mapping.entry.end = line.end
      continue
    }
    if (mapping) mapping.entry.raw = JSON.stringify(mapping.fields)
    mapping = undefined
    if (!line.text.startsWith('AIGC')) continue
    const rest = trimBlank(line.text, 4)
    if (!rest.startsWith(':')) continue
    const value = trimBlank(rest, 1)
    const entry = { start: line.start, end: line.end, raw: scalar(value) }
    entries.push(entry)
    if (value === '') mapping = { entry, fields: {} }
  }
  if (mapping) mapping.entry.raw = JSON.stringify(mapping.fields)
  return entries
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
  types: ['text/plain', 'text/x-markdown'],
  detect: (bytes) => OPEN.test(fromUtf8(bytes.subarray(0, 8))),

  read(bytes) {
    const fm = frontMatter(fromUtf8(bytes))
    if (!fm) return []
    return aigcEntries(fm.body).map((e): FoundLabel => ({ carrier: 'markdown:front-matter:AIGC', form: 'text', raw: e.raw }))
  },

  write(bytes, json) {
    const text = fromUtf8(bytes)
    const fm = frontMatter(text)
    const newline = fm?.newline ?? (text.includes('\r\n') ? '\r\n' : '\n')
    const line = `AIGC: '${json.replaceAll("'", "''")}'${newline}`
    if (!fm) return concat([utf8.encode(`---${newline}${line}---${newline}`), bytes])
    const entries = aigcEntries(fm.body)
    let yaml = entries.length ? '' : line
    let at = 0
    for (const [i, e] of entries.entries()) {
      yaml += fm.body.slice(at, e.start) + (i === 0 ? line : '')
      at = e.end
    }
    yaml += fm.body.slice(at)
    return utf8.encode(text.slice(0, fm.yamlStart) + yaml + text.slice(fm.yamlStart + fm.body.length))
  },

  // The document after its front matter: what a reader sees as the text.
  content(bytes) {
    const text = fromUtf8(bytes)
    const fm = frontMatter(text)
    return [fm ? utf8.encode(text.slice(fm.rest)) : bytes]
  },

  // Around the body; the front matter stays first.
  explicitText(bytes, affixes) {
    const text = fromUtf8(bytes)
    const start = frontMatter(text)?.rest ?? 0
    return utf8.encode(text.slice(0, start) + labelText(text.slice(start), affixes))
  },
}
