/**
 * A small XML scanner for the few package parts the OOXML carrier edits: elements with their
 * attributes and source offsets, so an edit splices text into the original and keeps every
 * other byte. One pass of indexOf over the text (no regex over markup, no backtracking);
 * comments, processing instructions and CDATA are skipped as such; nesting (xml_depth) and
 * the count of elements (xml_elements) are budgeted, and only the elements a caller asks for
 * are kept. A DTD is refused: OPC packages may not carry one (ECMA-376 Part 2, 8.1.4), and it
 * is how entity-expansion bombs start.
 */
import { checkLimit, LIMITS } from '../limits'
import { FormatError } from './bytes'

export interface XmlElement {
  /** The qualified name, its prefix ('' for none) and local part. */
  name: string
  prefix: string
  local: string
  /** Attribute values, entities decoded. */
  attrs: Map<string, string>
  /** `<` of the start tag; just after its `>`; `<` of the end tag (= openEnd when self-closing); after the end tag. */
  start: number
  openEnd: number
  closeStart: number
  end: number
  selfClosing: boolean
  /** The child elements the caller asked to keep (see ParseOptions). */
  children: XmlElement[]
  /** The last child element, kept or not. */
  lastChild?: XmlElement
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Character and the five predefined entity references decoded; anything else is malformed. */
export function decodeXml(text: string, what: string): string {
  if (!text.includes('&')) return text
  let out = ''
  let at = 0
  for (let amp = text.indexOf('&'); amp !== -1; amp = text.indexOf('&', at)) {
    const semi = text.indexOf(';', amp)
    // Entity names are short: a missing `;` is found within a few characters, not at the end.
    if (semi === -1 || semi - amp > 10) throw new FormatError(`malformed entity reference in ${what}`)
    const ref = text.slice(amp + 1, semi)
    const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : ref.startsWith('#') ? parseInt(ref.slice(1), 10) : undefined
    const char = code === undefined ? ENTITIES[ref] : Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined
    if (char === undefined) throw new FormatError(`unknown entity &${ref}; in ${what}`)
    out += text.slice(at, amp) + char
    at = semi + 1
  }
  return out + text.slice(at)
}

export const escapeXmlText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
export const escapeXmlAttr = (text: string) => escapeXmlText(text).replaceAll('"', '&quot;')

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r'

/** Where a name that starts at `at` ends: at white space, `/`, `>` or `=`. */
function nameEnd(text: string, at: number): number {
  let i = at
  while (i < text.length && !isSpace(text[i]) && text[i] !== '/' && text[i] !== '>' && text[i] !== '=') i++
  return i
}

function skipSpace(text: string, at: number): number {
  while (isSpace(text[at])) at++
  return at
}

function skipPast(text: string, at: number, close: string, what: string): number {
  const end = text.indexOf(close, at)
  if (end === -1) throw new FormatError(`unterminated markup in ${what}`)
  return end + close.length
}

function element(name: string, start: number): XmlElement {
  const colon = name.indexOf(':')
  return { name, prefix: colon === -1 ? '' : name.slice(0, colon), local: name.slice(colon + 1), attrs: new Map(), start, openEnd: 0, closeStart: 0, end: 0, selfClosing: false, children: [] }
}

/** Reads a start tag from `<` at `start`; returns the element with `openEnd` set. */
function startTag(text: string, start: number, what: string): XmlElement {
  const end = nameEnd(text, start + 1)
  if (end === start + 1) throw new FormatError(`malformed start tag in ${what}`)
  const el = element(text.slice(start + 1, end), start)
  let at = end
  for (;;) {
    at = skipSpace(text, at)
    if (text[at] === '>') break
    if (text.startsWith('/>', at)) {
      el.selfClosing = true
      at++
      break
    }
    const attrEnd = nameEnd(text, at)
    const eq = skipSpace(text, attrEnd)
    const quote = text[skipSpace(text, eq + 1)]
    if (attrEnd === at || text[eq] !== '=' || (quote !== '"' && quote !== "'")) throw new FormatError(`malformed attribute in <${el.name}> of ${what}`)
    const valueStart = skipSpace(text, eq + 1) + 1
    const valueEnd = text.indexOf(quote, valueStart)
    if (valueEnd === -1) throw new FormatError(`unterminated attribute in <${el.name}> of ${what}`)
    el.attrs.set(text.slice(at, attrEnd), decodeXml(text.slice(valueStart, valueEnd), what))
    at = valueEnd + 1
  }
  el.openEnd = at + 1
  if (el.selfClosing) el.closeStart = el.end = el.openEnd
  return el
}

export interface ParseOptions {
  /**
   * Whether `el`, a child of the kept element `parent`, at `depth` (the root's children are at
   * 1), is kept in `parent.children`; by default the root's children are. An element not kept
   * is still checked, counted and visited, then dropped: a part of millions of elements is
   * scanned without holding them.
   */
  keep?: (el: XmlElement, parent: XmlElement, depth: number) => boolean
  /** Called for every element once its end is known, with its parent (none for the root) and depth. */
  visit?: (el: XmlElement, parent: XmlElement | undefined, depth: number) => void
}

const rootChildren = (_el: XmlElement, _parent: XmlElement, depth: number) => depth === 1

/** The root element of `text`, with the descendants `keep` asks for. Throws FormatError unless well-formed. */
export function parseXml(text: string, what: string, { keep = rootChildren, visit }: ParseOptions = {}): XmlElement {
  const stack: XmlElement[] = []
  const kept: boolean[] = []
  let root: XmlElement | undefined
  let elements = 0
  let keptCount = 0
  let at = 0
  for (let lt = text.indexOf('<'); lt !== -1; lt = text.indexOf('<', at)) {
    if (text.startsWith('<!--', lt)) at = skipPast(text, lt + 4, '-->', what)
    else if (text.startsWith('<![CDATA[', lt)) {
      if (!stack.length) throw new FormatError(`CDATA outside the root element of ${what}`)
      at = skipPast(text, lt + 9, ']]>', what)
    } else if (text.startsWith('<?', lt)) at = skipPast(text, lt + 2, '?>', what)
    else if (text.startsWith('<!', lt)) throw new FormatError(`${what} has a DTD, which a package part may not have`)
    else if (text[lt + 1] === '/') {
      const gt = skipPast(text, lt + 2, '>', what)
      const name = text.slice(lt + 2, gt - 1).trimEnd()
      const open = stack.pop()
      kept.pop()
      if (!open || open.name !== name) throw new FormatError(`</${name}> does not close ${open ? `<${open.name}>` : 'an element'} in ${what}`)
      open.closeStart = lt
      open.end = gt
      at = gt
      visit?.(open, stack[stack.length - 1], stack.length)
    } else {
      const el = startTag(text, lt, what)
      // Attributes count: one tag can hold a million. Compared before the call: the message is built only when it is thrown.
      elements += 1 + el.attrs.size
      if (elements > LIMITS.xmlElements.max) checkLimit('xmlElements', elements, `the elements and attributes of ${what}`)
      const parent = stack[stack.length - 1]
      if (!parent) {
        if (root) throw new FormatError(`${what} has more than one root element`)
        root = el
      }
      const isKept = !parent || (kept[kept.length - 1]! && keep(el, parent, stack.length))
      if (parent) {
        parent.lastChild = el
        if (isKept) {
          if (++keptCount > LIMITS.xmlKeptElements.max) checkLimit('xmlKeptElements', keptCount, `the elements of ${what} an edit holds`)
          parent.children.push(el)
        }
      }
      at = el.openEnd
      if (el.selfClosing) visit?.(el, parent, stack.length)
      else {
        stack.push(el)
        kept.push(isKept)
        checkLimit('xmlDepth', stack.length, `the element nesting of ${what}`)
      }
    }
  }
  if (stack.length || !root) throw new FormatError(`${what} is not a complete XML document`)
  return root
}

/** The character data directly and indirectly inside `el`: CDATA as is, markup skipped, entities decoded. */
export function textContent(text: string, el: XmlElement, what: string): string {
  let out = ''
  let at = el.openEnd
  while (at < el.closeStart) {
    const lt = text.indexOf('<', at)
    const stop = lt === -1 || lt > el.closeStart ? el.closeStart : lt
    out += decodeXml(text.slice(at, stop), what)
    if (stop === el.closeStart) break
    if (text.startsWith('<![CDATA[', lt)) {
      at = skipPast(text, lt + 9, ']]>', what)
      out += text.slice(lt + 9, at - 3)
    } else at = skipPast(text, lt + 1, text.startsWith('<!--', lt) ? '-->' : '>', what)
  }
  return out
}

/** The prefix `el` binds to `namespace` (`''` for the default namespace), if it declares one. */
export function prefixFor(el: XmlElement, namespace: string): string | undefined {
  for (const [name, value] of el.attrs) {
    if (value !== namespace) continue
    if (name === 'xmlns') return ''
    if (name.startsWith('xmlns:')) return name.slice(6)
  }
  return undefined
}

export const qualified = (prefix: string, local: string) => (prefix ? `${prefix}:${local}` : local)
