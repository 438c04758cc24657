/**
 * Markdown and plain text: the label is the `AIGC` key of YAML front matter, written as the
 * TC260 guide shows it: a nested mapping of the Annex E fields, each a single-quoted scalar
 * (no escaping but doubled `'`). Readers also take the one-line form (the JSON as one
 * scalar: single-quoted, double-quoted or plain). Only the front matter is parsed; other
 * keys stay as they are and the document body is never touched.
 */
import { labelText } from '../label/explicit-text'
import { jsonRecord } from '../guards'
import { concat, FormatError, fromUtf8, utf8 } from './bytes'

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** The document's text; one that is not UTF-8 is refused, since re-encoding would replace its characters. */
function documentText(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes)
  } catch {
    throw new FormatError('the text is not UTF-8: Markdown and plain text are labelled as UTF-8 only')
  }
}
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
  /** The lines the entry spans in the YAML: the `AIGC:` line and the indented lines under it. */
  start: number
  end: number
  raw: string
}

/** An entry being read: the value on the `AIGC:` line and the indented lines below it. */
interface OpenEntry {
  entry: AigcEntry
  value: string
  more: string[]
}

/**
 * Every top-level `AIGC:` key: a scalar holding the JSON, or (as the TC260 guide shows it)
 * a nested mapping of the Annex E fields, read back as the JSON of its fields in their
 * order. An entry spans every indented line under its key, so a write replacing it leaves
 * no orphaned lines; blank and comment lines inside it are skipped.
 */
function aigcEntries(yaml: string): AigcEntry[] {
  const entries: AigcEntry[] = []
  let open: OpenEntry | undefined
  for (const line of lines(yaml)) {
    const text = trimBlank(line.text)
    const indented = isBlank(line.text[0])
    if (open && (indented || text === '' || text.startsWith('#'))) {
      if (indented && text !== '' && (open.value !== '' || !text.startsWith('#'))) {
        open.more.push(text)
        open.entry.end = line.end
      }
      continue
    }
    if (open) finish(open)
    open = undefined
    const pair = indented ? undefined : keyValue(text)
    if (pair?.key !== 'AIGC') continue
    const entry = { start: line.start, end: line.end, raw: '' }
    entries.push(entry)
    open = { entry, value: withoutComment(pair.value), more: [] }
  }
  if (open) finish(open)
  return entries
}

/** The entry's value: a mapping's fields as JSON, a block scalar's lines, or a scalar folded over its lines. */
function finish({ entry, value, more }: OpenEntry): void {
  if (value === '') {
    const fields: Record<string, string> = {}
    for (const line of more) {
      const pair = keyValue(line)
      if (pair) fields[pair.key] = scalar(withoutComment(pair.value))
    }
    entry.raw = JSON.stringify(fields)
  } else if (BLOCK_SCALAR.test(value)) entry.raw = more.join(value.startsWith('|') ? '\n' : ' ')
  else entry.raw = scalar(withoutComment([value, ...more].join(' ')))
}

const BLOCK_SCALAR = /^[|>][-+0-9]*$/

/** `key: value` on one line (the key plain or quoted), or undefined when the line is no mapping entry. */
function keyValue(text: string): { key: string; value: string } | undefined {
  let colon: number
  let key: string
  if (text.startsWith("'") || text.startsWith('"')) {
    const end = quoteEnd(text)
    if (end === -1) return undefined
    key = scalar(text.slice(0, end + 1))
    colon = end + 1
    while (isBlank(text[colon])) colon++
    if (text[colon] !== ':') return undefined
  } else {
    // A plain key ends at the first `:` followed by a blank or the line's end (`a:b` is one scalar).
    colon = text.indexOf(':')
    while (colon !== -1 && colon + 1 < text.length && !isBlank(text[colon + 1])) colon = text.indexOf(':', colon + 1)
    if (colon === -1) return undefined
    key = trimBlank(text.slice(0, colon))
  }
  return { key, value: trimBlank(text, colon + 1) }
}

/** The index of the closing quote of the scalar `text` starts with, or -1: one pass, `''` and `\"` skipped. */
function quoteEnd(text: string): number {
  const quote = text[0]
  for (let i = 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++
      else return i
    }
  }
  return -1
}

/** The value without a trailing `# comment`: after a quoted scalar's closing quote, or at a plain scalar's first ` #`. */
function withoutComment(value: string): string {
  if (value.startsWith("'") || value.startsWith('"')) {
    const end = quoteEnd(value)
    return end === -1 ? value : value.slice(0, end + 1)
  }
  if (value.startsWith('#')) return ''
  const comment = /[ \t]#/.exec(value)
  return comment ? trimBlank(value.slice(0, comment.index)) : value
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

/** YAML keys the nested form writes unquoted. */
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_]*$/
/** Characters a single-quoted YAML scalar cannot hold as they are (line breaks, controls, BOM). */
const NOT_IN_QUOTES = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff]/

const quoted = (value: string) => `'${value.replaceAll("'", "''")}'`

/**
 * The label as the TC260 guide writes it: `AIGC:` and one indented single-quoted field a
 * line. Only a flat object of strings that reads back as this very JSON takes that form;
 * anything else stays one single-quoted scalar, which holds any JSON.
 */
function labelEntry(json: string, newline: string): string {
  const fields = flatFields(json)
  if (!fields) return `AIGC: ${quoted(json)}${newline}`
  return `AIGC:${newline}${fields.map(([key, value]) => `  ${key}: ${quoted(value)}${newline}`).join('')}`
}

function flatFields(json: string): [string, string][] | undefined {
  const value = jsonRecord(json)
  if (!value) return undefined
  const fields = Object.entries(value)
  const flat = fields.length > 0 && fields.every(([key, field]) => PLAIN_KEY.test(key) && typeof field === 'string' && !NOT_IN_QUOTES.test(field))
  return flat && JSON.stringify(value) === json ? (fields as [string, string][]) : undefined
}

export const markdown: CarrierFormat = {
  name: 'markdown',
  mime: 'text/markdown',
  types: ['text/plain', 'text/x-markdown'],
  detect: (bytes) => OPEN.test(fromUtf8(bytes.subarray(0, 8))),

  read(bytes) {
    const fm = frontMatter(documentText(bytes))
    if (!fm) return []
    return aigcEntries(fm.body).map((e): FoundLabel => ({ carrier: 'markdown:front-matter:AIGC', form: 'text', raw: e.raw }))
  },

  write(bytes, json) {
    const text = documentText(bytes)
    const fm = frontMatter(text)
    const newline = fm?.newline ?? (text.includes('\r\n') ? '\r\n' : '\n')
    const label = labelEntry(json, newline)
    if (!fm) return concat([utf8.encode(`---${newline}${label}---${newline}`), bytes])
    const entries = aigcEntries(fm.body)
    let yaml = ''
    let at = 0
    for (const [i, e] of entries.entries()) {
      yaml += fm.body.slice(at, e.start) + (i === 0 ? label : '')
      at = e.end
    }
    // A first label goes last: no indented line of the front matter can then fall under it.
    yaml += fm.body.slice(at) + (entries.length ? '' : label)
    return utf8.encode(text.slice(0, fm.yamlStart) + yaml + text.slice(fm.yamlStart + fm.body.length))
  },

  // The document after its front matter: what a reader sees as the text.
  content(bytes) {
    const text = documentText(bytes)
    const fm = frontMatter(text)
    return [fm ? utf8.encode(text.slice(fm.rest)) : bytes]
  },

  // Around the body; the front matter stays first.
  explicitText(bytes, affixes) {
    const text = documentText(bytes)
    const start = frontMatter(text)?.rest ?? 0
    return utf8.encode(text.slice(0, start) + labelText(text.slice(start), affixes))
  },
}
