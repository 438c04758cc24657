/**
 * The TC260 property in an XMP packet: `AIGC` in namespace
 * http://www.tc260.org.cn/ns/AIGC/1.0/ (prefix `TC260` when we choose it), holding the
 * Annex E JSON.
 *
 * Packets are edited as text rather than through a DOM: a gateway must keep every other
 * property, comment and byte of padding exactly as it was, and no XML library that runs in
 * Workers round-trips a packet unchanged. One forward scan (no regex backtracking, no
 * rescans: linear in the packet) tokenises the packet, resolves every prefix to its
 * namespace URI in scope, and records the byte ranges a write replaces or removes. A name is
 * ours by its namespace URI, never by its prefix. Entities are never expanded: a DOCTYPE is
 * dropped from what we write, and references to entities it declared are written as text.
 */
import { LABEL_FIELDS, MISSPELLED_KEYS } from './annex-e'

export const TC260_NS = 'http://www.tc260.org.cn/ns/AIGC/1.0/'
/** The namespace some early toolkits wrote the same property under. */
export const LEGACY_NS = 'http://ns.adobe.com/xap/1.0/tc/'
const RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'
const IPTC_EXT_NS = 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/'

/** Annex E's field names and the misspellings toolkits write, when each field is its own property. */
const FIELD_NAMES = new Set<string>([...LABEL_FIELDS, ...Object.keys(MISSPELLED_KEYS)])

export type XmpForm = 'element' | 'attribute'

/** How a label departs from the TC260 guide's `TC260:AIGC` property. */
export type XmpVariant = 'xmp-kv-base64' | 'xmp-fields' | 'legacy-namespace'

/** Metadata that is not a label: IPTC's DigitalSourceType, or an `AIGC` property of another namespace. */
export type XmpSign = 'digital-source-type' | 'foreign-namespace'

export interface XmpLabel {
  /** The property value, entities decoded: the label JSON as written (or as rebuilt from a variant). */
  value: string
  form: XmpForm
  variant?: XmpVariant
  sign?: XmpSign
}

export class XmpError extends Error {}

/** Every label-like property in the packet, and the signs that are not labels. */
export function readXmpLabels(packet: string): XmpLabel[] {
  return scanXmp(packet).found.map(({ value, form, variant, sign }) => ({
    value,
    form,
    ...(variant ? { variant } : {}),
    ...(sign ? { sign } : {}),
  }))
}

/**
 * Sets the label: replaces the first `TC260:AIGC` property in place and drops every other
 * label (variants, and `AIGC` properties of other namespaces, included), or adds the
 * property to the first rdf:Description. Drops a DOCTYPE; everything else stays as it was.
 */
export function setXmpLabel(packet: string, value: string): string {
  const scan = scanXmp(packet)
  // An AIGC property of another namespace is not ours, but readers that go by prefix or local
  // name (exiftool names groups by the first prefix it sees) would take it for a second label.
  const labels = scan.found.filter((f) => f.sign !== 'digital-source-type')
  const first = labels.find((f) => !f.variant && !f.sign)
  const edits: Edit[] = scan.removals.map(([start, end]) => ({ start, end, text: '' }))
  for (const f of labels) for (const [start, end] of f.ranges) edits.push({ start, end, text: f === first ? property(f, value) : '' })
  // Inside a label that is replaced or removed, an escape would be dropped anyway (applyEdits).
  for (const at of scan.ampersands) edits.push({ start: at + 1, end: at + 1, text: 'amp;' })
  if (!first) edits.push(...insertion(scan.description, value))
  return applyEdits(packet, edits)
}

/** A new packet holding only the label. */
export function createXmpPacket(value: string): string {
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    `<rdf:Description rdf:about="" xmlns:TC260="${TC260_NS}"><TC260:AIGC>${encodeEntities(value)}</TC260:AIGC></rdf:Description>` +
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  )
}

interface Found extends XmpLabel {
  /** What a write replaces or removes: whole elements, or attributes with their leading space. */
  ranges: [number, number][]
  /** The qualified name as written, and the element's own namespace declarations. */
  qname: string
  decls: string
}

interface Description {
  qname: string
  /** Where the start tag's `>` (or `/>`) is, and where its end tag starts. */
  close: number
  selfClosing: boolean
  endTag: number
  /** A prefix bound to the TC260 namespace here, and whether `TC260` is free to bind. */
  ourPrefix: string | undefined
  tc260Free: boolean
}

interface Scan {
  found: Found[]
  description: Description | undefined
  /** DOCTYPE declarations, which we never write. */
  removals: [number, number][]
  /** `&` of references to entities XML does not predefine: written as text. */
  ampersands: number[]
}

type Kind = 'label' | XmpVariant | XmpSign | 'field'

interface Open {
  qname: string
  ns: string
  local: string
  start: number
  decls: string[]
  declText: string
  kind: Kind | undefined
  /** Collected text when this element's value is wanted. */
  text?: string[]
  fields?: Record<string, string>
  fieldRanges?: [number, number][]
}

/** A character reference or one of XML's predefined entities; any other `&` is not ours to decode. */
const REFERENCE = /&(?:#x([0-9a-fA-F]{1,8})|#([0-9]{1,10})|(amp|lt|gt|quot|apos));/y
const REFERENCES = new RegExp(REFERENCE.source, 'g')

/** What a property is to us, by its namespace URI and local name. */
function classify(ns: string, local: string): Kind | undefined {
  if (local === 'AIGC') return ns === TC260_NS ? 'label' : ns === LEGACY_NS ? 'legacy-namespace' : 'foreign-namespace'
  if (local === 'XmpKvBase64') return 'xmp-kv-base64'
  if (ns === IPTC_EXT_NS && local === 'DigitalSourceType') return 'digital-source-type'
  if (FIELD_NAMES.has(local) && (/aigc/i.test(ns) || ns === LEGACY_NS)) return 'field'
  return undefined
}

function scanXmp(packet: string): Scan {
  const found: Found[] = []
  const removals: [number, number][] = []
  const ampersands: number[] = []
  const stack: Open[] = []
  const scopes = new Map<string, string[]>([['xml', ['http://www.w3.org/XML/1998/namespace']]])
  let description: Description | undefined
  let descriptionOpen: Open | undefined
  let inside = 0 // open elements whose value is being collected: elements within are part of it
  const resolve = (prefix: string) => scopes.get(prefix)?.at(-1) ?? ''
  const malformed = (what: string, at: number) => new XmpError(`the XMP packet is not well-formed: ${what} at offset ${at}`)

  // Text and attribute values are visited in order, so one forward cursor finds every `&`:
  // an indexOf per range would search to the end of the packet each time.
  let amp = packet.indexOf('&')
  const references = (start: number, end: number) => {
    while (amp !== -1 && amp < start) amp = packet.indexOf('&', amp + 1)
    for (; amp !== -1 && amp < end; amp = packet.indexOf('&', amp + 1)) {
      const at = amp
      REFERENCE.lastIndex = at
      const m = REFERENCE.exec(packet)
      if (!m || REFERENCE.lastIndex > end || decodeEntities(m[0]) === m[0]) ampersands.push(at)
    }
  }

  let i = 0
  while (i < packet.length) {
    const lt = packet.indexOf('<', i)
    const textEnd = lt === -1 ? packet.length : lt
    if (textEnd > i) {
      references(i, textEnd)
      stack.at(-1)?.text?.push(decodeEntities(packet.slice(i, textEnd)))
    }
    if (lt === -1) break
    if (packet.startsWith('<!--', lt)) {
      i = after(packet, '-->', lt + 4, () => malformed('unclosed comment', lt))
    } else if (packet.startsWith('<![CDATA[', lt)) {
      i = after(packet, ']]>', lt + 9, () => malformed('unclosed CDATA section', lt))
      stack.at(-1)?.text?.push(packet.slice(lt + 9, i - 3))
    } else if (packet.startsWith('<!', lt)) {
      i = declarationEnd(packet, lt, () => malformed('unclosed declaration', lt))
      removals.push([lt, i])
    } else if (packet.startsWith('<?', lt)) {
      i = after(packet, '?>', lt + 2, () => malformed('unclosed processing instruction', lt))
    } else if (packet[lt + 1] === '/') {
      const qname = name(packet, lt + 2)
      const at = skipSpace(packet, lt + 2 + qname.length)
      if (!qname || packet[at] !== '>') throw malformed('bad end tag', lt)
      const open = stack.pop()
      if (open?.qname !== qname) throw malformed(`end tag </${qname}> does not match`, lt)
      i = at + 1
      close(open, lt, i)
    } else {
      i = startTag(lt)
    }
  }
  if (stack.length) throw malformed(`<${stack.at(-1)!.qname}> is never closed`, packet.length)
  return { found, description, removals, ampersands }

  function startTag(lt: number): number {
    const qname = name(packet, lt + 1)
    if (!qname) throw malformed('bad tag', lt)
    let at = lt + 1 + qname.length
    const attrs: { qname: string; raw: string; start: number; end: number }[] = []
    const decls: string[] = []
    let declText = ''
    for (;;) {
      const start = at
      at = skipSpace(packet, at)
      if (packet[at] === '>' || packet.startsWith('/>', at)) break
      const attr = name(packet, at)
      if (!attr || at === start) throw malformed('bad attribute', at)
      at = skipSpace(packet, at + attr.length)
      if (packet[at] !== '=') throw malformed('attribute without a value', at)
      at = skipSpace(packet, at + 1)
      const quote = packet[at]
      if (quote !== '"' && quote !== "'") throw malformed('unquoted attribute value', at)
      const valueEnd = packet.indexOf(quote, at + 1)
      if (valueEnd === -1) throw malformed('unclosed attribute value', at)
      const raw = packet.slice(at + 1, valueEnd)
      if (raw.includes('<')) throw malformed('"<" in an attribute value', at)
      references(at + 1, valueEnd)
      at = valueEnd + 1
      if (attr === 'xmlns' || attr.startsWith('xmlns:')) {
        const prefix = attr === 'xmlns' ? '' : attr.slice(6)
        const uris = scopes.get(prefix) ?? []
        uris.push(decodeEntities(raw))
        scopes.set(prefix, uris)
        decls.push(prefix)
        declText += packet.slice(start, at)
      } else {
        attrs.push({ qname: attr, raw, start, end: at })
      }
    }
    const selfClosing = packet[at] === '/'
    const end = at + (selfClosing ? 2 : 1)
    const [ns, local] = split(qname, true)
    const open: Open = { qname, ns, local, start: lt, decls, declText, kind: inside === 0 ? classify(ns, local) : undefined }
    if (inside === 0) {
      if (open.kind) open.text = []
      for (const a of attrs) {
        const [attrNs, attrLocal] = split(a.qname, false)
        const kind = classify(attrNs, attrLocal)
        const value = decodeEntities(a.raw)
        if (kind === 'field') addField(open, attrLocal, value, a.start, a.end)
        else if (kind) found.push({ ...classified(kind, value), form: 'attribute', ranges: [[a.start, a.end]], qname: a.qname, decls: '' })
        else if (open.kind === 'digital-source-type' && attrNs === RDF_NS && attrLocal === 'resource') open.text!.push(value)
      }
      if (ns === RDF_NS && local === 'Description' && !description) {
        let ourPrefix: string | undefined
        for (const [prefix, uris] of scopes) if (prefix !== '' && uris.at(-1) === TC260_NS) ourPrefix ??= prefix
        description = { qname, close: at, selfClosing, endTag: -1, ourPrefix, tc260Free: resolve('TC260') === '' }
        descriptionOpen = open
      }
    }
    if (open.text) inside++
    stack.push(open)
    if (selfClosing) close(stack.pop()!, end, end)
    return end
  }

  function close(open: Open, endTag: number, end: number): void {
    for (const prefix of open.decls) scopes.get(prefix)!.pop()
    if (open === descriptionOpen) description!.endTag = endTag
    if (open.fields) foundFields(open)
    if (!open.text) return
    inside--
    const value = open.text.join('')
    if (open.kind === 'field') {
      const parent = stack.at(-1)
      if (parent) addField(parent, open.local, value, open.start, end)
    } else {
      found.push({ ...classified(open.kind!, value), form: 'element', ranges: [[open.start, end]], qname: open.qname, decls: open.declText })
    }
  }

  /** Unprefixed element names take the default namespace; unprefixed attributes have none. */
  function split(qname: string, element: boolean): [string, string] {
    const colon = qname.indexOf(':')
    if (colon === -1) return [element ? resolve('') : '', qname]
    return [resolve(qname.slice(0, colon)), qname.slice(colon + 1)]
  }

  function addField(owner: Open, local: string, value: string, start: number, end: number): void {
    owner.fields ??= {}
    owner.fieldRanges ??= []
    owner.fields[local] = value
    owner.fieldRanges.push([start, end])
  }

  // Fields without a Label are not a label record: someone else's properties of the same names.
  function foundFields(owner: Open): void {
    if (owner.fields!.Label === undefined) return
    found.push({ value: JSON.stringify(owner.fields), form: 'element', variant: 'xmp-fields', ranges: owner.fieldRanges!, qname: '', decls: '' })
  }
}

function classified(kind: Exclude<Kind, 'field'>, value: string): Pick<XmpLabel, 'value' | 'variant' | 'sign'> {
  if (kind === 'label') return { value }
  if (kind === 'digital-source-type' || kind === 'foreign-namespace') return { value, sign: kind }
  if (kind === 'xmp-kv-base64') return { value: fromBase64(value), variant: kind }
  return { value, variant: kind }
}

/** Volcengine's value: base64 of `{"AIGC":{…}}` (some write `AIGC={…}`); kept as written when it is not base64. */
function fromBase64(value: string): string {
  try {
    const bytes = Uint8Array.from(atob(value.trim()), (c) => c.charCodeAt(0))
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
    return text.startsWith('AIGC=') ? text.slice(5) : text
  } catch {
    return value
  }
}

/** An XML name at `at` ('' when there is none): up to a blank, `=`, `/`, `>`, `<`, or a quote. */
function name(packet: string, at: number): string {
  const first = packet.charCodeAt(at)
  if (!(isNameStart(first))) return ''
  let end = at + 1
  while (end < packet.length && !ENDS_NAME.has(packet.charCodeAt(end))) end++
  return packet.slice(at, end)
}

const ENDS_NAME = new Set([0x20, 0x09, 0x0d, 0x0a, 0x3d, 0x2f, 0x3e, 0x3c, 0x22, 0x27])
const isNameStart = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x3a || c >= 0xc0

function skipSpace(packet: string, at: number): number {
  for (let c = packet.charCodeAt(at); c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a; c = packet.charCodeAt(at)) at++
  return at
}

function after(packet: string, token: string, from: number, error: () => Error): number {
  const at = packet.indexOf(token, from)
  if (at === -1) throw error()
  return at + token.length
}

/** The end of `<!DOCTYPE …>`, past an internal subset and quoted strings, in one pass. */
function declarationEnd(packet: string, lt: number, error: () => Error): number {
  let depth = 0
  for (let at = lt + 2; at < packet.length; at++) {
    const c = packet[at]
    if (c === '"' || c === "'") {
      at = packet.indexOf(c, at + 1)
      if (at === -1) break
    } else if (c === '[') depth++
    else if (c === ']') depth--
    else if (c === '>' && depth <= 0) return at + 1
  }
  throw error()
}

interface Edit {
  start: number
  end: number
  text: string
}

/** One pass over the packet; edits never overlap (a later one inside an earlier one is dropped). */
function applyEdits(packet: string, edits: Edit[]): string {
  edits.sort((a, b) => a.start - b.start || a.end - b.end)
  let out = ''
  let at = 0
  for (const e of edits) {
    if (e.start < at) continue
    out += packet.slice(at, e.start) + e.text
    at = e.end
  }
  return out + packet.slice(at)
}

/** The property in place of `f`, with the prefix (and any declaration) the old one had. */
function property(f: Found, value: string): string {
  const encoded = encodeEntities(value)
  if (f.form === 'attribute') return ` ${f.qname}="${encoded}"`
  return `<${f.qname}${f.decls}>${encoded}</${f.qname}>`
}

/** A new property in the first rdf:Description, declaring the namespace where it must. */
function insertion(d: Description | undefined, value: string): Edit[] {
  if (!d) throw new XmpError('the XMP packet has no rdf:Description')
  let declaration = ''
  let own = ''
  const prefix = d.ourPrefix ?? 'TC260'
  // A `TC260` prefix bound to another namespace is not ours: our property declares its own.
  if (!d.ourPrefix) {
    if (d.tc260Free) declaration = ` xmlns:TC260="${TC260_NS}"`
    else own = ` xmlns:TC260="${TC260_NS}"`
  }
  const prop = `<${prefix}:AIGC${own}>${encodeEntities(value)}</${prefix}:AIGC>`
  if (d.selfClosing) return [{ start: d.close, end: d.close + 2, text: `${declaration}>${prop}</${d.qname}>` }]
  if (d.endTag === -1) throw new XmpError('the XMP packet has an unclosed rdf:Description')
  return [
    { start: d.close, end: d.close, text: declaration },
    { start: d.endTag, end: d.endTag, text: prop },
  ]
}

function encodeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/**
 * The predefined and numeric references decoded. Anything else stays as written: a
 * reference to a declared entity is never expanded, and a character reference outside
 * Unicode (`&#x110000;`) or to a surrogate is not a character.
 */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(REFERENCES, (whole, hex?: string, dec?: string, named?: string) => {
    if (named) return PREDEFINED[named]!
    const code = hex ? Number.parseInt(hex, 16) : Number(dec)
    const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
    return valid ? String.fromCodePoint(code) : whole
  })
}
