/**
 * The TC260 property in an XMP packet: `TC260:AIGC` in namespace
 * http://www.tc260.org.cn/ns/AIGC/1.0/, holding the Annex E JSON.
 *
 * Packets are edited as text rather than through a DOM: a gateway must keep every other
 * property, comment and byte of padding exactly as it was, and no XML library that runs in
 * Workers round-trips a packet unchanged. The edits are confined to our own property and
 * one namespace declaration.
 */

export const TC260_NS = 'http://www.tc260.org.cn/ns/AIGC/1.0/'
const NS_DECL = new RegExp(`xmlns:([A-Za-z_][\\w.-]*)\\s*=\\s*(["'])${TC260_NS.replace(/[./]/g, '\\$&')}\\2`, 'g')

export type XmpForm = 'element' | 'attribute'

export interface XmpLabel {
  /** The property value, entities decoded: the label JSON as written. */
  value: string
  form: XmpForm
}

/** Every TC260:AIGC property in the packet, whatever prefix it is bound to. */
export function readXmpLabels(packet: string): XmpLabel[] {
  const found: XmpLabel[] = []
  for (const prefix of tc260Prefixes(packet)) {
    for (const m of packet.matchAll(elementPattern(prefix))) found.push({ value: decodeEntities(m[1]!), form: 'element' })
    for (const m of packet.matchAll(attributePattern(prefix))) found.push({ value: decodeEntities(m[2] ?? m[3]!), form: 'attribute' })
  }
  return found
}

/**
 * Sets the label: replaces the first TC260:AIGC property in place and drops any others,
 * or adds one to the first rdf:Description. Everything else stays as it was.
 */
export function setXmpLabel(packet: string, value: string): string {
  let done = false
  let out = packet
  for (const prefix of tc260Prefixes(packet)) {
    out = out.replace(elementPattern(prefix), () => {
      if (done) return ''
      done = true
      return `<${prefix}:AIGC>${encodeEntities(value)}</${prefix}:AIGC>`
    })
    out = out.replace(attributePattern(prefix), (_, lead: string) => {
      if (done) return lead
      done = true
      return `${lead}${prefix}:AIGC="${encodeEntities(value)}"`
    })
  }
  if (done) return out
  const description = /<rdf:Description\b([^>]*?)(\/?)>/.exec(out)
  if (!description) throw new XmpError('the XMP packet has no rdf:Description')
  const property = `<TC260:AIGC>${encodeEntities(value)}</TC260:AIGC>`
  const attrs = tc260Prefixes(out).includes('TC260') ? description[1] : `${description[1]} xmlns:TC260="${TC260_NS}"`
  const at = description.index
  if (description[2] === '/') {
    return `${out.slice(0, at)}<rdf:Description${attrs}>${property}</rdf:Description>${out.slice(at + description[0].length)}`
  }
  const close = out.indexOf('</rdf:Description>', at)
  if (close === -1) throw new XmpError('the XMP packet has an unclosed rdf:Description')
  const open = `<rdf:Description${attrs}>`
  return out.slice(0, at) + open + out.slice(at + description[0].length, close) + property + out.slice(close)
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

export class XmpError extends Error {}

function tc260Prefixes(packet: string): string[] {
  return [...new Set(Array.from(packet.matchAll(NS_DECL), (m) => m[1]!))]
}

const elementPattern = (prefix: string) => new RegExp(`<${prefix}:AIGC\\s*>([^<]*)</${prefix}:AIGC\\s*>`, 'g')
const attributePattern = (prefix: string) => new RegExp(`(\\s)${prefix}:AIGC\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g')

function encodeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)))
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e]!
  })
}
