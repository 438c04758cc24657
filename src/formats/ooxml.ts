/**
 * Office Open XML packages (DOCX, XLSX, PPTX, their templates and macro-enabled variants):
 * the label is the custom property `AIGC` (a `vt:lpwstr` holding the label JSON) in the
 * package's custom properties part, `docProps/custom.xml` unless `_rels/.rels` names another.
 * A write leaves exactly one AIGC property, keeps every other property, relationship and
 * content type override, registers the part once in `_rels/.rels` and once by an Override in
 * `[Content_Types].xml`, and copies every other entry of the ZIP byte for byte.
 *
 * The content binding is every entry but those three carrier parts, in central directory
 * order, each as [u32be name length][name][u32be size][uncompressed bytes]: the lengths make
 * the boundaries part of what is hashed, so bytes cannot move between a name and a part.
 */
import type { TextAffixes } from '../label/explicit-text'
import { checkLimit } from '../limits'
import { FormatError, putU32be, startsWith, utf8 } from './bytes'
import type { CarrierFormat, FoundLabel } from './types'
import { escapeXmlAttr, escapeXmlText, parseXml, prefixFor, qualified, textContent, type XmlElement } from './xml'
import { entryChunks, entryData, findEntry, partKey, readZip, rewriteZip, ZIP_MAGIC, type Zip } from './zip'

const KEY = 'AIGC'
const CONTENT_TYPES = '[Content_Types].xml'
const ROOT_RELS = '_rels/.rels'
const DEFAULT_CUSTOM_PART = 'docProps/custom.xml'
const CUSTOM_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties'
const WORKSHEET_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet'
const CUSTOM_TYPE = 'application/vnd.openxmlformats-officedocument.custom-properties+xml'
const CUSTOM_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/custom-properties'
const VT_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes'
const DRAWING_NS = 'http://schemas.openxmlformats.org/drawingml/2006/main'
/** FMTID_UserDefinedProperties: the format id every custom property carries. */
const USER_DEFINED = '{D5CDD505-2E9C-101B-9397-08002B2CF9AE}'

/** An archive's parts as one operation reads them: each inflated, decoded and (relationships) parsed once. */
interface Parts {
  bytes: Uint8Array
  zip: Zip
  /** Part texts read so far (undefined: no such part), by partKey. */
  texts: Map<string, string | undefined>
  /** Relationships parts parsed so far, by partKey of their source. */
  relationships: Map<string, Relationships | undefined>
}

interface Package extends Parts {
  /** The main part (word/document.xml, xl/workbook.xml, ppt/presentation.xml) and its content type. */
  main: { name: string; type: string }
}

interface Edit {
  start: number
  end: number
  text: string
}

/** Applies non-overlapping edits (in order of `start`, stable) to `text`. */
function splice(text: string, edits: Edit[]): string {
  let out = ''
  let at = 0
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, edit.start) + edit.text
    at = edit.end
  }
  return out + text.slice(at)
}

/** Edits putting `head` first and `tail` last inside `el` (`tail` at `tailAt` when given); a self-closing `el` is opened. */
function insideEdits(el: XmlElement, head: string, tail: string, tailAt = el.closeStart): Edit[] {
  if (el.selfClosing) return [{ start: el.openEnd - 2, end: el.openEnd, text: `>${head}${tail}</${el.name}>` }]
  return [
    { start: el.openEnd, end: el.openEnd, text: head },
    { start: tailAt, end: tailAt, text: tail },
  ]
}

const remove = (el: XmlElement): Edit => ({ start: el.start, end: el.end, text: '' })

// BOM kept: a part we edit keeps every byte we do not change.
const xmlDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A part's XML text, or undefined when the package has no such part. */
function partText(pkg: Parts, name: string): string | undefined {
  const key = partKey(name)
  if (!pkg.texts.has(key)) pkg.texts.set(key, decodedPart(pkg, name))
  return pkg.texts.get(key)
}

function decodedPart(pkg: Parts, name: string): string | undefined {
  const entry = findEntry(pkg.zip, name)
  if (!entry) return undefined
  checkLimit('xmlPartBytes', entry.size, `the XML part ${name}`)
  const data = entryData(pkg.bytes, entry)
  if (startsWith(data, [0xff, 0xfe]) || startsWith(data, [0xfe, 0xff])) throw new FormatError(`${name} is UTF-16; only UTF-8 XML parts are supported`)
  try {
    return xmlDecoder.decode(data)
  } catch {
    throw new FormatError(`${name} is not valid UTF-8`)
  }
}

function requiredPart(pkg: Parts, name: string): string {
  const text = partText(pkg, name)
  if (text === undefined) throw new FormatError(`the package has no ${name} part`)
  return text
}

/** The package's main part, named by its content type override. */
function mainPart(pkg: Parts, mains: ReadonlyMap<string, unknown>): Package['main'] | undefined {
  const text = partText(pkg, CONTENT_TYPES)
  if (text === undefined) return undefined
  const isMain = (el: XmlElement) => el.local === 'Override' && !!el.attrs.get('PartName') && mains.has(el.attrs.get('ContentType') ?? '')
  const [main] = parseXml(text, CONTENT_TYPES, { keep: (el, parent, depth) => depth === 1 && !parent.children.length && isMain(el) }).children
  return main && { name: main.attrs.get('PartName')!.replace(/^\//, ''), type: main.attrs.get('ContentType')! }
}

interface Relationship {
  el: XmlElement
  id: string
  type: string
  /** The part it points to, resolved to a ZIP entry name; undefined for an external target. */
  part?: string
}

interface Relationships {
  text: string
  root: XmlElement
  rels: Relationship[]
}

const dirname = (part: string) => part.slice(0, part.lastIndexOf('/') + 1)

/** The relationships part of `part` ('' for the package's own). */
const relsPartFor = (part: string) => `${dirname(part)}_rels/${part.slice(dirname(part).length)}.rels`

/** A relationship target as a ZIP entry name: absolute from the package root, else relative to the source's folder. */
function resolveTarget(source: string, target: string): string {
  const segments = target.startsWith('/') ? [] : dirname(source).split('/').filter(Boolean)
  for (const segment of target.split('/')) {
    if (segment === '..') segments.pop()
    else if (segment && segment !== '.') segments.push(segment)
  }
  return segments.join('/')
}

function readRelationships(pkg: Parts, source: string): Relationships | undefined {
  const key = partKey(source)
  if (!pkg.relationships.has(key)) pkg.relationships.set(key, parsedRelationships(pkg, source))
  return pkg.relationships.get(key)
}

function parsedRelationships(pkg: Parts, source: string): Relationships | undefined {
  const name = relsPartFor(source)
  const text = partText(pkg, name)
  if (text === undefined) return undefined
  const root = parseXml(text, name)
  const rels = root.children
    .filter((el) => el.local === 'Relationship')
    .map((el): Relationship => {
      const target = el.attrs.get('Target') ?? ''
      const external = el.attrs.get('TargetMode') === 'External'
      return { el, id: el.attrs.get('Id') ?? '', type: el.attrs.get('Type') ?? '', part: external ? undefined : resolveTarget(source, target) }
    })
  return { text, root, rels }
}

function relatedPart(pkg: Package, source: string, id: string): string {
  const part = readRelationships(pkg, source)?.rels.find((r) => r.id === id)?.part
  if (!part) throw new FormatError(`${source} names relationship ${id}, which ${relsPartFor(source)} does not resolve to a part`)
  return part
}

/** The custom properties part: the first package relationship of that type names it. */
function customPartName(rels: Relationships | undefined): string {
  return rels?.rels.find((r) => r.type === CUSTOM_REL && r.part)?.part ?? DEFAULT_CUSTOM_PART
}

const isAigc = (el: XmlElement) => el.local === 'property' && el.attrs.get('name')?.toUpperCase() === KEY

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 }

interface CustomPart {
  root: XmlElement
  /** The AIGC properties, each with its value element. */
  labels: XmlElement[]
  /**
   * The pid for our property: above every other (pid 0 and 1 are reserved: dictionary, code
   * page). A pid is an xsd:int; one that is not (a fraction, "Infinity", 1e308) is a malformed
   * part and refused here, when a write needs the next one, as is a highest pid that leaves none.
   */
  nextPid: () => number
}

/** The custom properties part: only its AIGC properties kept, every other one read for its pid alone. */
function customPart(text: string, name: string): CustomPart {
  let highest = 1
  let aigc = 0
  let malformed: string | undefined
  const root = parseXml(text, name, {
    keep: (el, _parent, depth) => {
      if (depth !== 1) return depth === 2
      if (isAigc(el)) checkLimit('labelsPerFile', ++aigc, `the AIGC properties of ${name}`)
      return isAigc(el)
    },
    visit: (el, _parent, depth) => {
      const pid = depth === 1 && el.local === 'property' && !isAigc(el) ? el.attrs.get('pid') : undefined
      if (pid === undefined || malformed !== undefined) return
      if (/^\s*[+-]?\d{1,10}\s*$/.test(pid) && Number(pid) >= INT32.min && Number(pid) <= INT32.max) highest = Math.max(highest, Number(pid))
      else malformed = pid
    },
  })
  // Extended properties (docProps/app.xml) are a `Properties` too: the namespace tells them apart.
  // A custom-properties relationship to any other part is a malformed package, refused rather
  // than worked around: a custom.xml made beside it would leave the first relationship, which
  // readers follow, pointing away from the label.
  const namespace = root.attrs.get(root.prefix ? `xmlns:${root.prefix}` : 'xmlns')
  if (root.local !== 'Properties' || namespace !== CUSTOM_NS) throw new FormatError(`${name} is not a custom properties part`)
  const nextPid = () => {
    if (malformed !== undefined) throw new FormatError(`${name} has a property whose pid ${JSON.stringify(malformed.slice(0, 20))} is not a 32-bit integer`)
    if (highest === INT32.max) throw new FormatError(`${name} has a property at the highest pid, leaving none for the label`)
    return highest + 1
  }
  return { root, labels: root.children, nextPid }
}

/** The custom properties part with exactly one AIGC property holding `json`, created when there is none. */
function labelledCustomPart(text: string | undefined, name: string, json: string): string {
  const value = (vt: string) => `<${vt}:lpwstr>${escapeXmlText(json)}</${vt}:lpwstr>`
  if (text === undefined) {
    return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="${CUSTOM_NS}" xmlns:vt="${VT_NS}"><property fmtid="${USER_DEFINED}" pid="2" name="${KEY}">${value('vt')}</property></Properties>`
  }
  const { root, labels, nextPid } = customPart(text, name)
  const pid = nextPid()
  const vt = prefixFor(root, VT_NS)
  const declare = vt === undefined ? ` xmlns:vt="${VT_NS}"` : ''
  const property = qualified(root.prefix, 'property')
  const xml = `<${property} fmtid="${USER_DEFINED}" pid="${pid}" name="${KEY}"${declare}>${value(vt || 'vt')}</${property}>`
  if (!labels.length) return splice(text, insideEdits(root, '', xml))
  return splice(text, [{ start: labels[0]!.start, end: labels[0]!.end, text: xml }, ...labels.slice(1).map(remove)])
}

/** `_rels/.rels` with exactly one custom properties relationship, to `partName` when it adds one. */
function registeredRelationships(rels: Relationships, partName: string): string {
  const custom = rels.rels.filter((r) => r.type === CUSTOM_REL && r.part)
  if (custom.length) return splice(rels.text, custom.slice(1).map((r) => remove(r.el)))
  const ids = new Set(rels.rels.map((r) => r.id))
  let n = rels.rels.length + 1
  while (ids.has(`rId${n}`)) n++
  const xml = `<${qualified(rels.root.prefix, 'Relationship')} Id="rId${n}" Type="${CUSTOM_REL}" Target="${escapeXmlAttr(partName)}"/>`
  return splice(rels.text, insideEdits(rels.root, '', xml))
}

/** `[Content_Types].xml` with exactly one Override for the custom properties part, of its type. */
function registeredContentType(text: string, partName: string): string {
  const isOurs = (el: XmlElement) => el.local === 'Override' && partKey(el.attrs.get('PartName') ?? '') === partKey(`/${partName}`)
  const root = parseXml(text, CONTENT_TYPES, { keep: (el, _parent, depth) => depth === 1 && isOurs(el) })
  const overrides = root.children
  const xml = `<${qualified(root.prefix, 'Override')} PartName="/${escapeXmlAttr(partName)}" ContentType="${CUSTOM_TYPE}"/>`
  const [first, ...extra] = overrides
  if (!first) return splice(text, insideEdits(root, '', xml))
  const edits = extra.map(remove)
  if (first.attrs.get('ContentType') !== CUSTOM_TYPE) edits.push({ start: first.start, end: first.end, text: xml })
  return splice(text, edits)
}

/** The changed parts' new bytes, for those whose text changed. */
function changedParts(pkg: Package, texts: Iterable<[string, string]>): Map<string, Uint8Array> {
  const changes = new Map<string, Uint8Array>()
  for (const [name, text] of texts) if (text !== partText(pkg, name)) changes.set(name, utf8.encode(text))
  return changes
}

/** The visible label's text: the affix without the separator around it. */
const labelOf = (affix: string) => affix.trim()

/** Family-specific: the parts that show `head` before and `tail` after the document ('' for none). */
type ExplicitEdit = (pkg: Package, head: string, tail: string) => Iterable<[string, string]>

/** DOCX: a paragraph first in the body and/or last, before the final section properties. */
const wordParagraphs: ExplicitEdit = (pkg, head, tail) => {
  const name = pkg.main.name
  const text = requiredPart(pkg, name)
  const body = parseXml(text, name).children.find((el) => el.local === 'body')
  if (!body) throw new FormatError(`${name} has no body`)
  const q = (local: string) => qualified(body.prefix, local)
  const paragraph = (label: string) => (label ? `<${q('p')}><${q('r')}><${q('t')} xml:space="preserve">${escapeXmlText(label)}</${q('t')}></${q('r')}></${q('p')}>` : '')
  const last = body.lastChild
  return [[name, splice(text, insideEdits(body, paragraph(head), paragraph(tail), last?.local === 'sectPr' ? last.start : body.closeStart))]]
}

/** CT_Worksheet's children that follow headerFooter (ECMA-376 Part 1, 18.3.1.99): it goes before the first of them. */
const AFTER_HEADER_FOOTER = new Set(['rowBreaks', 'colBreaks', 'customProperties', 'cellWatches', 'ignoredErrors', 'smartTags', 'drawing', 'legacyDrawing', 'legacyDrawingHF', 'drawingHF', 'picture', 'oleObjects', 'controls', 'webPublishItems', 'tableParts', 'extLst'])

/** Rows in a worksheet (ECMA-376 Part 1, 18.3.1.73: `r` is at most 1048576). */
const MAX_ROWS = 1_048_576

/** The sheet's first relationship id attribute (`r:id`, whatever the prefix). */
const relationshipId = (el: XmlElement) => [...el.attrs].find(([name]) => name.endsWith(':id'))?.[1] ?? ''

/**
 * XLSX, on the first visible worksheet of the workbook: the tail label in column A of a new row below
 * the used rows (one blank row apart), which a reader sees in the grid; the head label in
 * the centre of the odd-page header, which Excel and LibreOffice show in page layout and on
 * every printed page (a row above the data would shift every reference, formula and merge).
 */
const sheetLabels: ExplicitEdit = (pkg, head, tail) => {
  const workbook = pkg.main.name
  const worksheets = new Map((readRelationships(pkg, workbook)?.rels ?? []).filter((r) => r.type === WORKSHEET_REL && r.part).map((r) => [r.id, r.part!]))
  // A hidden sheet (state hidden or veryHidden) is one no reader sees; a chart, dialog or macro sheet has no cells.
  const isVisibleWorksheet = (el: XmlElement) => el.local === 'sheet' && (el.attrs.get('state') ?? 'visible') === 'visible' && worksheets.has(relationshipId(el))
  const keepFirst = (el: XmlElement, parent: XmlElement, depth: number) => depth === 1 || (depth === 2 && parent.local === 'sheets' && !parent.children.length && isVisibleWorksheet(el))
  const sheetRef = parseXml(requiredPart(pkg, workbook), workbook, { keep: keepFirst }).children.find((el) => el.local === 'sheets')?.children[0]
  if (!sheetRef) throw new FormatError(`${workbook} has no visible worksheet`)
  const name = worksheets.get(relationshipId(sheetRef))!
  const text = requiredPart(pkg, name)
  // Rows are counted as they are scanned, not kept: `r` is optional, one without it follows the last.
  let lastRow = 0
  const root = parseXml(text, name, {
    visit: (el, parent, depth) => {
      if (depth === 2 && parent?.local === 'sheetData' && el.local === 'row') lastRow = Number(el.attrs.get('r')) || lastRow + 1
    },
  })
  const q = (local: string) => qualified(root.prefix, local)
  const edits: Edit[] = []
  if (tail) {
    const sheetData = root.children.find((el) => el.local === 'sheetData')
    if (!sheetData) throw new FormatError(`${name} has no sheetData`)
    const r = lastRow ? lastRow + 2 : 1
    if (r > MAX_ROWS) throw new FormatError(`${name} has no row left below its used rows for the visible label`)
    const row = `<${q('row')} r="${r}"><${q('c')} r="A${r}" t="inlineStr"><${q('is')}><${q('t')}>${escapeXmlText(tail)}</${q('t')}></${q('is')}></${q('c')}></${q('row')}>`
    edits.push(...insideEdits(sheetData, '', row))
  }
  if (head) {
    // `&` starts a header code (&C, &P): a literal one is doubled.
    const header = escapeXmlText(head.replaceAll('&', '&&'))
    const headerFooter = root.children.find((el) => el.local === 'headerFooter')
    if (headerFooter) edits.push(...headerEdits(text, headerFooter, header, name))
    else {
      const before = root.children.find((el) => AFTER_HEADER_FOOTER.has(el.local))
      const xml = `<${q('headerFooter')}><${q('oddHeader')}>&amp;C${header}</${q('oddHeader')}></${q('headerFooter')}>`
      edits.push(...(before ? [{ start: before.start, end: before.start, text: xml }] : insideEdits(root, '', xml)))
    }
  }
  return [[name, splice(text, edits)]]
}

/** The label (escaped) put first in the centre section of an existing headerFooter's odd header. */
function headerEdits(text: string, headerFooter: XmlElement, header: string, what: string): Edit[] {
  // Parsed on its own: the sheet was parsed only down to its rows.
  const odd = parseXml(text.slice(headerFooter.start, headerFooter.end), what).children.find((el) => el.local === 'oddHeader')
  if (!odd) {
    const oddHeader = qualified(headerFooter.prefix, 'oddHeader')
    return insideEdits(headerFooter, `<${oddHeader}>&amp;C${header}</${oddHeader}>`, '')
  }
  if (odd.selfClosing) return [{ start: headerFooter.start + odd.start, end: headerFooter.start + odd.end, text: `<${odd.name}>&amp;C${header}</${odd.name}>` }]
  const source = text.slice(headerFooter.start + odd.openEnd, headerFooter.start + odd.closeStart)
  // After an explicit centre code; else before text that is centred by default, or beside the left/right sections.
  const centre = source.indexOf('&amp;C')
  const sectioned = source.startsWith('&amp;L') || source.startsWith('&amp;R')
  const at = headerFooter.start + odd.openEnd + (centre === -1 ? 0 : centre + 6)
  return [{ start: at, end: at, text: centre === -1 && sectioned ? `&amp;C${header}` : `${header}\n` }]
}

/** Slide size when presentation.xml gives none: 4:3 at 10 in × 7.5 in, in EMU. */
const DEFAULT_SLIDE = { cx: 9144000, cy: 6858000 }

/**
 * PPTX: a text box across the top of the first slide (head) and/or across its bottom (tail),
 * on top of everything else on it: the issue asks for the first slide at least, and a reader
 * who only opens a deck sees that one. The tail label is repeated on the last slide.
 */
const slideLabels: ExplicitEdit = (pkg, head, tail) => {
  const presentation = pkg.main.name
  // The first slide kept; the last is the list's last child (CT_SlideIdList holds sldId only).
  const keepFirst = (el: XmlElement, parent: XmlElement, depth: number) => depth === 1 || (depth === 2 && parent.local === 'sldIdLst' && !parent.children.length && el.local === 'sldId')
  const root = parseXml(requiredPart(pkg, presentation), presentation, { keep: keepFirst })
  const list = root.children.find((el) => el.local === 'sldIdLst')
  const [first] = list?.children ?? []
  const last = list?.lastChild?.local === 'sldId' ? list.lastChild : first
  if (!first || !last) throw new FormatError(`${presentation} has no slide to carry the visible label`)
  const size = root.children.find((el) => el.local === 'sldSz')
  const cx = Number(size?.attrs.get('cx')) || DEFAULT_SLIDE.cx
  const cy = Number(size?.attrs.get('cy')) || DEFAULT_SLIDE.cy
  const boxes = new Map<string, { label: string; top: boolean }[]>()
  const place = (slide: XmlElement, label: string, top: boolean) => {
    if (!label) return
    const name = relatedPart(pkg, presentation, relationshipId(slide))
    boxes.set(name, [...(boxes.get(name) ?? []), { label, top }])
  }
  place(first, head, true)
  place(first, tail, false)
  if (last !== first) place(last, tail, false)
  return [...boxes].map(([name, labels]): [string, string] => {
    const text = requiredPart(pkg, name)
    let id = 0
    const slide = parseXml(text, name, {
      keep: (_el, parent, depth) => depth === 1 || (depth === 2 && parent.local === 'cSld'),
      visit: (el) => {
        if (el.local === 'cNvPr') id = Math.max(id, Number(el.attrs.get('id')) || 0)
      },
    })
    const tree = slide.children.find((el) => el.local === 'cSld')?.children.find((el) => el.local === 'spTree')
    if (!tree) throw new FormatError(`${name} has no shape tree`)
    const q = (local: string) => qualified(tree.prefix, local)
    const height = Math.round(cy * 0.08)
    const margin = Math.round(cy * 0.02)
    const shapes = labels.map(({ label, top }) =>
      `<${q('sp')} xmlns:a="${DRAWING_NS}"><${q('nvSpPr')}><${q('cNvPr')} id="${++id}" name="AIGC label ${id}"/><${q('cNvSpPr')} txBox="1"/><${q('nvPr')}/></${q('nvSpPr')}>` +
      `<${q('spPr')}><a:xfrm><a:off x="${Math.round(cx * 0.05)}" y="${top ? margin : cy - height - margin}"/><a:ext cx="${Math.round(cx * 0.9)}" cy="${height}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></${q('spPr')}>` +
      `<${q('txBody')}><a:bodyPr wrap="square"/><a:lstStyle/><a:p><a:r><a:rPr lang="zh-CN" sz="1800"/><a:t>${escapeXmlText(label)}</a:t></a:r></a:p></${q('txBody')}></${q('sp')}>`,
    )
    return [name, splice(text, insideEdits(tree, '', shapes.join('')))]
  })
}

interface Family {
  name: 'docx' | 'xlsx' | 'pptx'
  /** Main part content type → the file's content type; the first is the document's. */
  mains: ReadonlyMap<string, string>
  explicit: ExplicitEdit
}

const OFFICE = 'application/vnd.openxmlformats-officedocument'

const FAMILIES: Family[] = [
  {
    name: 'docx',
    mains: new Map([
      [`${OFFICE}.wordprocessingml.document.main+xml`, `${OFFICE}.wordprocessingml.document`],
      [`${OFFICE}.wordprocessingml.template.main+xml`, `${OFFICE}.wordprocessingml.template`],
      ['application/vnd.ms-word.document.macroEnabled.main+xml', 'application/vnd.ms-word.document.macroEnabled.12'],
      ['application/vnd.ms-word.template.macroEnabledTemplate.main+xml', 'application/vnd.ms-word.template.macroEnabled.12'],
    ]),
    explicit: wordParagraphs,
  },
  {
    name: 'xlsx',
    mains: new Map([
      [`${OFFICE}.spreadsheetml.sheet.main+xml`, `${OFFICE}.spreadsheetml.sheet`],
      [`${OFFICE}.spreadsheetml.template.main+xml`, `${OFFICE}.spreadsheetml.template`],
      ['application/vnd.ms-excel.sheet.macroEnabled.main+xml', 'application/vnd.ms-excel.sheet.macroEnabled.12'],
      ['application/vnd.ms-excel.template.macroEnabled.main+xml', 'application/vnd.ms-excel.template.macroEnabled.12'],
    ]),
    explicit: sheetLabels,
  },
  {
    name: 'pptx',
    mains: new Map([
      [`${OFFICE}.presentationml.presentation.main+xml`, `${OFFICE}.presentationml.presentation`],
      [`${OFFICE}.presentationml.template.main+xml`, `${OFFICE}.presentationml.template`],
      [`${OFFICE}.presentationml.slideshow.main+xml`, `${OFFICE}.presentationml.slideshow`],
      ['application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml', 'application/vnd.ms-powerpoint.presentation.macroEnabled.12'],
      ['application/vnd.ms-powerpoint.template.macroEnabled.main+xml', 'application/vnd.ms-powerpoint.template.macroEnabled.12'],
      ['application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml', 'application/vnd.ms-powerpoint.slideshow.macroEnabled.12'],
    ]),
    explicit: slideLabels,
  },
]

/** The package, when `bytes` is a ZIP whose main part is of `family`'s types. */
function sniff(bytes: Uint8Array, family: Family): Package | undefined {
  if (!startsWith(bytes, ZIP_MAGIC)) return undefined
  // A ZIP that does not parse (truncated, bad offsets) is refused as what it is, not as an unknown type.
  return packageOf(bytes, family)
}

function packageOf(bytes: Uint8Array, family: Family): Package | undefined {
  const parts: Parts = { bytes, zip: readZip(bytes), texts: new Map(), relationships: new Map() }
  const main = mainPart(parts, family.mains)
  return main && { ...parts, main }
}

function openPackage(bytes: Uint8Array, family: Family): Package {
  const pkg = packageOf(bytes, family)
  if (!pkg) throw new FormatError(`not a ${family.name.toUpperCase()} package: no main part of its type in ${CONTENT_TYPES}`)
  return pkg
}

function lengthPrefixed(name: string, size: number): Uint8Array {
  const nameBytes = utf8.encode(name)
  const header = new Uint8Array(8 + nameBytes.length)
  putU32be(header, 0, nameBytes.length)
  header.set(nameBytes, 4)
  putU32be(header, 4 + nameBytes.length, size)
  return header
}

function ooxmlFormat(family: Family): CarrierFormat {
  const [mime, ...types] = family.mains.values()
  return {
    name: family.name,
    mime: mime!,
    types,
    detect: (bytes) => sniff(bytes, family) !== undefined,

    read(bytes) {
      const pkg = openPackage(bytes, family)
      const name = customPartName(readRelationships(pkg, ''))
      const text = partText(pkg, name)
      if (text === undefined) return []
      return customPart(text, name).labels.map((p): FoundLabel => ({ carrier: `${family.name}:${name}:${KEY}`, form: 'text', raw: textContent(text, p.children[0] ?? p, name) }))
    },

    write(bytes, json) {
      const pkg = openPackage(bytes, family)
      const rels = readRelationships(pkg, '')
      if (!rels) throw new FormatError(`the package has no ${ROOT_RELS}`)
      const name = customPartName(rels)
      const texts: [string, string][] = [
        [ROOT_RELS, registeredRelationships(rels, name)],
        [CONTENT_TYPES, registeredContentType(requiredPart(pkg, CONTENT_TYPES), name)],
        [name, labelledCustomPart(partText(pkg, name), name, json)],
      ]
      return rewriteZip(bytes, pkg.zip, changedParts(pkg, texts))
    },

    // Inflated part by part as the hash reads it: only one part's chunks are held at a time.
    *content(bytes) {
      const pkg = openPackage(bytes, family)
      const carriers = new Set([CONTENT_TYPES, ROOT_RELS, customPartName(readRelationships(pkg, ''))].map(partKey))
      for (const entry of pkg.zip.entries) {
        if (carriers.has(partKey(entry.name))) continue
        yield lengthPrefixed(entry.name, entry.size)
        yield* entryChunks(bytes, entry)
      }
    },

    explicitText(bytes, affixes: TextAffixes) {
      const pkg = openPackage(bytes, family)
      const changes = changedParts(pkg, family.explicit(pkg, labelOf(affixes.prefix), labelOf(affixes.suffix)))
      return rewriteZip(bytes, pkg.zip, changes)
    },
  }
}

export const [docx, xlsx, pptx] = FAMILIES.map(ooxmlFormat) as [CarrierFormat, CarrierFormat, CarrierFormat]
