/**
 * HTML and XHTML: the implicit label is one `<meta name="AIGC" content='…'>` in `<head>`
 * (common practice; no TC260 guide covers HTML). A tokenizer in the manner of the HTML
 * standard's, not a DOM: comments, declarations and the raw text of `<script>`, `<style>`
 * and their kin are skipped whole, attributes are read with their quoting, and every step
 * moves forward, so a hostile page costs one pass. Edits splice the input's bytes; nothing
 * else is re-encoded.
 */
import { checkLimit } from '../limits'
import { concat, FormatError, fromUtf8, startsWith, utf8 } from './bytes'
import type { CarrierFormat, FoundLabel } from './types'
import { escapeXmlText } from './xml'

// windows-1252 maps each byte to one UTF-16 unit, so offsets in this text are byte offsets.
const byteText = new TextDecoder('latin1')
const BOM = [0xef, 0xbb, 0xbf]

interface Attribute {
  name: string
  /** The value's byte range, quotes excluded; undefined for an attribute without `=`. */
  value?: [number, number]
}

interface Span {
  kind: 'text' | 'raw' | 'comment' | 'declaration'
  start: number
  end: number
}

interface Tag {
  kind: 'start' | 'end'
  /** Lower case. */
  name: string
  attributes: Attribute[]
  start: number
  end: number
}

type Token = Span | Tag

/** Elements whose content is text up to their end tag (a `<meta` in a script is no meta). */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript'])
/** Start tags the parser keeps in the head; any other element (or text) starts the body. */
/** The end tag of each raw text element, compiled once (a page may hold thousands of titles). */
const RAW_TEXT_END = new Map([...RAW_TEXT].map((name) => [name, new RegExp(`</${name}[\\t\\n\\f\\r />]`, 'gi')]))
const HEAD_ELEMENTS = new Set(['html', 'head', 'base', 'basefont', 'bgsound', 'link', 'meta', 'noframes', 'script', 'style', 'template', 'title', 'noscript'])
/** Tags that do not break a line of visible text. */
const INLINE = new Set(['a', 'abbr', 'b', 'bdi', 'bdo', 'cite', 'code', 'data', 'dfn', 'em', 'font', 'i', 'kbd', 'mark', 'q', 's', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'time', 'u', 'var'])

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f'
const isLetter = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))

/** The tokens of `text` from `from`: text, tags, comments, declarations, raw text. */
function* tokens(text: string, from: number): Generator<Token> {
  let at = from
  while (at < text.length) {
    // A `<` that opens no markup is text: the text runs on to the next `<` that does.
    let open = text.indexOf('<', at)
    let token: Token | undefined
    while (open !== -1 && !(token = markup(text, open))) open = text.indexOf('<', open + 1)
    const textEnd = open === -1 ? text.length : open
    if (textEnd > at) yield { kind: 'text', start: at, end: textEnd }
    if (!token) return
    yield token
    at = token.end
    if (token.kind === 'start' && RAW_TEXT.has(token.name)) {
      const close = RAW_TEXT_END.get(token.name)!
      close.lastIndex = at
      const end = close.exec(text)?.index ?? text.length
      if (end > at) yield { kind: 'raw', start: at, end }
      at = end
    } else if (token.kind === 'start' && token.name === 'plaintext') {
      yield { kind: 'raw', start: at, end: text.length }
      at = text.length
    }
  }
}

/** Just after the next `end` from `from`, or the end of the text. */
function past(text: string, end: string, from: number): number {
  const found = text.indexOf(end, from)
  return found === -1 ? text.length : found + end.length
}

/** The markup token at the `<` at `at`, or undefined when that `<` is text. An unclosed one runs to the end. */
function markup(text: string, at: number): Token | undefined {
  if (text.startsWith('<!--', at)) {
    const short = text.startsWith('>', at + 4) ? 1 : text.startsWith('->', at + 4) ? 2 : 0
    return { kind: 'comment', start: at, end: short ? at + 4 + short : past(text, '-->', at + 4) }
  }
  if (text.startsWith('<![CDATA[', at)) return { kind: 'comment', start: at, end: past(text, ']]>', at + 9) }
  const declaration = text.slice(at + 1, at + 9).toLowerCase()
  if (declaration === '!doctype' || text[at + 1] === '?') return { kind: 'declaration', start: at, end: past(text, '>', at + 2) }
  if (text[at + 1] === '!') return { kind: 'comment', start: at, end: past(text, '>', at + 2) }
  const closing = text[at + 1] === '/'
  const nameStart = at + (closing ? 2 : 1)
  if (!isLetter(text[nameStart])) return closing ? { kind: 'comment', start: at, end: past(text, '>', at + 2) } : undefined
  let i = nameStart
  while (i < text.length && !isSpace(text[i]) && text[i] !== '/' && text[i] !== '>') i++
  const name = text.slice(nameStart, i).toLowerCase()
  const attributes: Attribute[] = []
  while (i < text.length) {
    const c = text[i]
    if (c === '>') return { kind: closing ? 'end' : 'start', name, attributes, start: at, end: i + 1 }
    if (isSpace(c) || c === '/') {
      i++
      continue
    }
    const attributeStart = i++
    while (i < text.length && !isSpace(text[i]) && text[i] !== '/' && text[i] !== '>' && text[i] !== '=') i++
    const attribute: Attribute = { name: text.slice(attributeStart, i).toLowerCase() }
    while (isSpace(text[i])) i++
    if (text[i] === '=') {
      i++
      while (isSpace(text[i])) i++
      const quote = text[i]
      if (quote === '"' || quote === "'") {
        const close = text.indexOf(quote, i + 1)
        if (close === -1) break
        attribute.value = [i + 1, close]
        i = close + 1
      } else {
        const valueStart = i
        while (i < text.length && !isSpace(text[i]) && text[i] !== '>') i++
        attribute.value = [valueStart, i]
      }
    }
    attributes.push(attribute)
  }
  // The end of the file inside a tag: the parser drops the tag.
  return { kind: 'comment', start: at, end: text.length }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

/** Character references: numeric ones and the few named ones a JSON value or label needs. */
function decodeReferences(text: string): string {
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos|nbsp));/g, (whole, decimal?: string, hex?: string, name?: string) => {
    if (name) return NAMED[name]!
    const code = decimal !== undefined ? Number(decimal) : parseInt(hex!, 16)
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd'
  })
}

/** Text as written in the document (UTF-8), references decoded. */
const textOf = (bytes: Uint8Array, [start, end]: [number, number]) => decodeReferences(fromUtf8(bytes.subarray(start, end)))

function attribute(bytes: Uint8Array, tag: Tag, name: string): string | undefined {
  const found = tag.attributes.find((a) => a.name === name)
  return found && (found.value ? textOf(bytes, found.value) : '')
}

const isAigcMeta = (bytes: Uint8Array, token: Token): token is Tag => token.kind === 'start' && token.name === 'meta' && attribute(bytes, token, 'name')?.trim().toLowerCase() === 'aigc'

const isCharsetMeta = (bytes: Uint8Array, tag: Tag) =>
  tag.name === 'meta' && (attribute(bytes, tag, 'charset') !== undefined || attribute(bytes, tag, 'http-equiv')?.trim().toLowerCase() === 'content-type')

/** What the label and the visible text need to know of a document, from one pass. */
interface Outline {
  text: string
  /** The AIGC metas among the head's elements: before any body content. */
  metas: Tag[]
  head?: Tag
  html?: Tag
  /** `<meta charset>` or its http-equiv form, which must stay within the first 1024 bytes. */
  charset?: Tag
  /** After the doctype or XML declaration: where a head goes in a page without html and head tags. */
  prologEnd: number
  /** Where the body's content starts (its first element or text), or the end. */
  headEnd: number
  /** After `<body…>`, and the last `</body>` and `</html>`. */
  bodyStart?: number
  bodyEnd?: number
  htmlEnd?: number
}

/** The page's text (one byte a character, so offsets are byte offsets), within its budget. */
function pageText(bytes: Uint8Array): string {
  checkLimit('htmlBytes', bytes.length, 'the HTML page')
  // Offsets are byte offsets of an ASCII-compatible page; UTF-16 would be cut between its bytes.
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) throw new FormatError('UTF-16 HTML pages are not supported: send the page as UTF-8')
  return byteText.decode(bytes)
}

function outline(bytes: Uint8Array): Outline {
  const text = pageText(bytes)
  const from = startsWith(bytes, BOM) ? BOM.length : 0
  const o: Outline = { text, metas: [], prologEnd: from, headEnd: text.length }
  let inHead = true
  for (const token of tokens(text, from)) {
    if (inHead) inHead = headToken(o, bytes, token)
    if (token.kind === 'start' && token.name === 'body') o.bodyStart ??= token.end
    if (token.kind === 'end' && token.name === 'body') o.bodyEnd = token.start
    if (token.kind === 'end' && token.name === 'html') o.htmlEnd = token.start
  }
  return o
}

/** Takes one token of the head into the outline; false once the body has begun (as the HTML parser decides it). */
function headToken(o: Outline, bytes: Uint8Array, token: Token): boolean {
  if (token.kind === 'text') {
    let i = token.start
    while (i < token.end && isSpace(o.text[i])) i++
    if (i === token.end) return true
    o.headEnd = i
    return false
  }
  if (token.kind === 'start' && !HEAD_ELEMENTS.has(token.name)) {
    o.headEnd = token.start
    return false
  }
  if (token.kind === 'end' && (token.name === 'body' || token.name === 'html' || token.name === 'br')) {
    o.headEnd = token.start
    return false
  }
  if (token.kind === 'start') {
    if (token.name === 'html') o.html ??= token
    if (token.name === 'head') o.head ??= token
    if (isAigcMeta(bytes, token)) o.metas.push(token)
    else if (isCharsetMeta(bytes, token)) o.charset ??= token
  }
  if (token.kind === 'declaration' && !o.html && !o.head) o.prologEnd = token.end
  return true
}

/** Non-ASCII as numeric references: text a page in any charset (GBK, Big5) reads the same. */
const asciiMarkup = (markup: string) => markup.replace(/[^\x00-\x7f]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16)};`)

/**
 * Whether the page itself says it is UTF-8 (a BOM, or a meta charset or its http-equiv form).
 * Any other page may be in a charset only its HTTP header names: it gets ASCII markup.
 */
function utf8Page(bytes: Uint8Array, o: Outline): boolean {
  if (startsWith(bytes, BOM)) return true
  if (!o.charset) return false
  const declared = attribute(bytes, o.charset, 'charset') ?? /charset\s*=\s*([^\s;]+)/i.exec(attribute(bytes, o.charset, 'content') ?? '')?.[1] ?? ''
  return /^\s*utf-?8\s*$/i.test(declared)
}

/** A label element HTML and XHTML parse alike, and naive readers too (no raw `'`, `<` or `>` in the value). */
const metaElement = (json: string) => asciiMarkup(`<meta name="AIGC" content='${escapeXmlText(json).replaceAll("'", '&#39;')}' />`)
const HEAD = '<head>'

/** The byte ranges a write replaces: the AIGC metas and, with `withHead`, the head start tag. */
function carriers(o: Outline, withHead: boolean): Edit[] {
  const tags = withHead && o.head ? [o.head, ...o.metas] : o.metas
  return tags.map(({ start, end }) => ({ start, end }))
}

/** A byte range of the input replaced by `insert` (or removed). */
interface Edit {
  start: number
  end: number
  insert?: string
}

/** The input with `edits` applied, as parts: untouched ranges are views of the input. */
function splice(bytes: Uint8Array, edits: Edit[]): Uint8Array[] {
  const parts: Uint8Array[] = []
  let at = 0
  for (const { start, end, insert } of edits.sort((a, b) => a.start - b.start || a.end - b.end)) {
    parts.push(bytes.subarray(at, start))
    if (insert) parts.push(utf8.encode(insert))
    at = end
  }
  parts.push(bytes.subarray(at))
  return parts
}

const labelElement = (text: string) => `<p data-aigc-label="">${escapeXmlText(text)}</p>`

/**
 * The document's visible text: text outside tags, comments and raw-text elements (scripts,
 * styles, the title), references decoded, a line break at every tag but inline ones.
 */
export function visibleText(bytes: Uint8Array): string {
  const text = pageText(bytes)
  let visible = ''
  for (const token of tokens(text, startsWith(bytes, BOM) ? BOM.length : 0)) {
    if (token.kind === 'text') visible += textOf(bytes, [token.start, token.end])
    else if ((token.kind === 'start' || token.kind === 'end') && !INLINE.has(token.name)) visible += '\n'
  }
  return visible
}

export const html: CarrierFormat = {
  name: 'html',
  mime: 'text/html',
  types: ['application/xhtml+xml'],

  // A doctype or html element after an optional BOM, blanks, comments and XML declaration.
  detect(bytes) {
    const text = byteText.decode(bytes.subarray(0, 1024))
    let at = startsWith(bytes, BOM) ? BOM.length : 0
    for (;;) {
      while (isSpace(text[at])) at++
      const close = text.startsWith('<!--', at) ? '-->' : text.startsWith('<?xml', at) ? '?>' : undefined
      const end = close ? text.indexOf(close, at + 4) : -1
      if (end === -1) break
      at = end + close!.length
    }
    return /^(?:<!doctype\s+html|<html[\s/>])/i.test(text.slice(at, at + 15))
  },

  read(bytes) {
    return outline(bytes).metas.map((meta): FoundLabel => ({ carrier: 'html:head:meta:AIGC', form: 'text', raw: attribute(bytes, meta, 'content') ?? '' }))
  },

  /**
   * Every AIGC meta out, then one right after `<head…>`, or after the charset meta when the
   * head has one (so the charset stays in the first 1024 bytes a browser looks at). A page
   * without a head tag gets `<head>` after `<html…>` (or after the doctype): header readers
   * such as exiftool look for it, and its end tag may be left out, so nothing else moves.
   */
  write(bytes, json) {
    const o = outline(bytes)
    const headAt = o.html?.end ?? o.prologEnd
    const metaAt = o.charset?.end ?? o.head?.end ?? headAt
    const head: Edit[] = o.head ? [] : [{ start: headAt, end: headAt, insert: HEAD }]
    return concat(splice(bytes, [...head, { start: metaAt, end: metaAt, insert: metaElement(json) }, ...carriers(o, false)]))
  },

  // The document without its AIGC metas and its head start tag, markup a write adds (the tag is optional): a labelled page's content is its input's.
  content(bytes) {
    return splice(bytes, carriers(outline(bytes), true))
  },

  // A paragraph first in the body and/or last in it (without a body: where its content starts, and the end).
  explicitText(bytes, affixes) {
    const o = outline(bytes)
    const start = o.bodyStart ?? o.headEnd
    const end = Math.max(start, o.bodyEnd ?? o.htmlEnd ?? o.text.length)
    const [before, after] = [affixes.prefix.trim(), affixes.suffix.trim()]
    const edits: Edit[] = []
    const element = (text: string) => (utf8Page(bytes, o) ? labelElement(text) : asciiMarkup(labelElement(text)))
    if (before) edits.push({ start, end: start, insert: element(before) })
    if (after) edits.push({ start: end, end, insert: element(after) })
    return concat(splice(bytes, edits))
  },
}
