/**
 * The explicit label as PDF page text, a tenant option (issue 18: PDF page text is optional):
 * an incremental update that gives the first page two more content streams, one that saves
 * the graphics state before the page's own and one that restores it and shows the label
 * (the prefix at the top, the suffix at the bottom). The font is Adobe's non-embedded
 * STSong-Light (Adobe-GB1, UniGB-UCS2-H), which every conforming reader substitutes, with a
 * ToUnicode map so text extraction gives back the label's characters. Characters outside the
 * BMP, which UCS-2 cannot carry, are shown as `?`.
 */
import type { TextAffixes } from '../label/explicit-text'
import { concat, FormatError } from './bytes'
import { appendUpdate, open, resolve, type NewObject, type PdfFile } from './pdf-file'
import { ascii, dictValue, type PdfDict, type PdfValue } from './pdf-syntax'

const FONT_NAME = 'AIGCLabelFont'
const FONT_SIZE = 10
const MARGIN = 36
/** Page trees nest a few levels; /Parent and /Kids are followed no deeper. */
const MAX_TREE_DEPTH = 64

interface Page {
  num: number
  gen: number
  dict: PdfDict
}

const asDict = (file: PdfFile, value: PdfValue | undefined): PdfDict | undefined => {
  const resolved = value && resolve(file, value)
  return resolved?.kind === 'dict' ? resolved.dict : undefined
}

/** The first leaf of the page tree (§7.7.3). */
function firstPage(file: PdfFile): Page {
  let node = dictValue(asDict(file, dictValue(file.trailer, 'Root')) ?? new Map(), 'Pages')
  for (let depth = 0; depth < MAX_TREE_DEPTH && node?.kind === 'ref'; depth++) {
    const dict = asDict(file, node)
    if (!dict) break
    const kids = dictValue(dict, 'Kids')
    if (kids?.kind !== 'array') return { num: node.num, gen: node.gen, dict }
    node = kids.items[0]
  }
  throw new FormatError('the PDF has no first page to put the label on')
}

/** A page attribute, inherited from the page tree when the page does not set it (§7.7.3.4). */
function inherited(file: PdfFile, page: PdfDict, key: string): PdfValue | undefined {
  let node: PdfDict | undefined = page
  for (let depth = 0; node && depth < MAX_TREE_DEPTH; depth++) {
    const value = dictValue(node, key)
    if (value) return resolve(file, value)
    node = asDict(file, dictValue(node, 'Parent'))
  }
  return undefined
}

const ref = (value: PdfValue) => {
  if (value.kind !== 'ref') throw new FormatError("the first page's /Contents is not a list of streams")
  return `${value.num} ${value.gen} R`
}

function contents(file: PdfFile, page: PdfDict): string[] {
  const value = dictValue(page, 'Contents')
  if (!value) return []
  const list = value.kind === 'array' ? value : resolve(file, value)
  return list?.kind === 'array' ? list.items.map(ref) : [ref(value)]
}

const stream = (data: Uint8Array, dict = '') => concat([ascii(`<< /Length ${data.length}${dict} >>\nstream\n`), data, ascii('\nendstream')])

/** `text` as UCS-2 big-endian code units, the hex string UniGB-UCS2-H shows. */
const ucs2 = (text: string) => Array.from(text, (c) => (c.length > 1 ? 0x3f : c.charCodeAt(0)))
const hex4 = (code: number) => code.toString(16).padStart(4, '0')

/** A ToUnicode CMap (Adobe TN 5411) mapping each code used to itself, in blocks of 100. */
function toUnicode(codes: number[]): Uint8Array {
  const unique = [...new Set(codes)].sort((a, b) => a - b)
  let blocks = ''
  for (let i = 0; i < unique.length; i += 100) {
    const block = unique.slice(i, i + 100)
    blocks += `${block.length} beginbfchar\n${block.map((c) => `<${hex4(c)}> <${hex4(c)}>`).join('\n')}\nendbfchar\n`
  }
  const cmap = `/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n${blocks}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend`
  return stream(ascii(cmap))
}

/** The first page with the label's text on it, as an incremental update of `bytes`. */
export function pdfPageText(bytes: Uint8Array, { prefix, suffix }: TextAffixes): Uint8Array {
  const file = open(bytes)
  const page = firstPage(file)
  const box = inherited(file, page.dict, 'MediaBox')
  const corners = box?.kind === 'array' && box.items.length === 4 && box.items.every((v) => v.kind === 'number') ? box.items.map((v) => (v as { value: number }).value) : [0, 0, 612, 792]
  const [x0, y0, , y1] = corners as [number, number, number, number]
  const lines = [
    { text: prefix.trim(), y: y1 - MARGIN - FONT_SIZE },
    { text: suffix.trim(), y: y0 + MARGIN },
  ].filter((line) => line.text !== '')
  const codes = lines.flatMap((line) => ucs2(line.text))
  const shown = lines.map((line) => `1 0 0 1 ${x0 + MARGIN} ${line.y} Tm <${ucs2(line.text).map(hex4).join('')}> Tj`).join('\n')

  const first = file.xref.size
  const [save, show, font, cidFont, descriptor, unicode] = [0, 1, 2, 3, 4, 5].map((i) => first + i) as [number, number, number, number, number, number]
  const resources = asDict(file, inherited(file, page.dict, 'Resources')) ?? new Map<string, never>()
  const fonts = asDict(file, dictValue(resources, 'Font')) ?? new Map<string, never>()
  const keep = (dict: PdfDict, ...drop: string[]) => [...dict].filter(([key]) => !drop.includes(key)).map(([, entry]) => concat([entry.raw, ascii('\n')]))
  const pageBody = concat([
    ascii('<<\n'),
    ...keep(page.dict, 'Contents', 'Resources'),
    ascii(`/Contents [${[`${save} 0 R`, ...contents(file, page.dict), `${show} 0 R`].join(' ')}]\n/Resources <<\n`),
    ...keep(resources, 'Font'),
    ascii('/Font <<\n'),
    ...keep(fonts, FONT_NAME),
    ascii(`/${FONT_NAME} ${font} 0 R\n>>\n>>\n>>`),
  ])
  const objects: NewObject[] = [
    { num: page.num, gen: page.gen, body: pageBody },
    { num: save, gen: 0, body: stream(ascii('q')) },
    { num: show, gen: 0, body: stream(ascii(`Q\nBT\n/${FONT_NAME} ${FONT_SIZE} Tf\n0 g\n${shown}\nET`)) },
    { num: font, gen: 0, body: ascii(`<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [${cidFont} 0 R] /ToUnicode ${unicode} 0 R >>`) },
    {
      num: cidFont,
      gen: 0,
      body: ascii(`<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor ${descriptor} 0 R /DW 1000 >>`),
    },
    {
      num: descriptor,
      gen: 0,
      body: ascii('<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>'),
    },
    { num: unicode, gen: 0, body: toUnicode(codes) },
  ]
  return appendUpdate(file, objects, file.trailer.get('Info')?.raw)
}
