import { readFileSync } from 'node:fs'
import { constants, deflateRawSync } from 'node:zlib'
import { unzipSync, zipSync } from 'fflate'
import { describe, expect, it, vi } from 'vitest'
import { formatFor, readLabels, writeLabel } from '../../src/formats'
import { crc32, FormatError } from '../../src/formats/bytes'
import { docx, pptx, xlsx } from '../../src/formats/ooxml'
import { labelFile } from '../../src/image/label-image'
import { createLabel, serializeLabel } from '../../src/label/annex-e'
import { contentHash } from '../../src/label/content-hash'
import { checkLabelSignature, generateKeyPair } from '../../src/label/signature'
import { LimitError } from '../../src/limits'
import { officePackage, officeParts, OTHER_CUSTOM, type OfficeKind } from '../ooxml-packages'
import { file, run } from './tools'
import { entryData } from '../../src/formats/zip'

// Passed through, counted: an operation inflates each part once.
vi.mock('../../src/formats/zip', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/formats/zip')>()
  return { ...actual, entryData: vi.fn(actual.entryData) }
})

const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'interop-ooxml' })
const CARRIERS = ['[Content_Types].xml', '_rels/.rels', 'docProps/custom.xml']
const AFFIXES = { prefix: '本内容由人工智能生成\n\n', suffix: '\n\nAI生成' }

/**
 * Python's zipfile and ElementTree, not our parser: the custom properties, relationships and
 * content types of a package, and each entry's raw local bytes (header, data, descriptor).
 */
const PACKAGE_REPORT = `
import hashlib, json, struct, sys, zipfile, xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1])
raw = open(sys.argv[1], 'rb').read()
def entry(info):
    n, e = struct.unpack('<HH', raw[info.header_offset + 26:info.header_offset + 30])
    end = info.header_offset + 30 + n + e + info.compress_size
    if info.flag_bits & 8:
        end += 16 if raw[end:end + 4] == b'PK\\x07\\x08' else 12
    return hashlib.sha256(raw[info.header_offset:end]).hexdigest()
CP = '{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}'
VT = '{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}'
PR = '{http://schemas.openxmlformats.org/package/2006/relationships}'
CT = '{http://schemas.openxmlformats.org/package/2006/content-types}'
props = [{'name': p.get('name'), 'pid': p.get('pid'), 'fmtid': p.get('fmtid'), 'value': p.find(VT + 'lpwstr').text if p.find(VT + 'lpwstr') is not None else None}
         for p in ET.fromstring(z.read('docProps/custom.xml')).findall(CP + 'property')] if 'docProps/custom.xml' in z.namelist() else []
rels = [r.attrib for r in ET.fromstring(z.read('_rels/.rels')).findall(PR + 'Relationship')]
overrides = [o.attrib for o in ET.fromstring(z.read('[Content_Types].xml')).findall(CT + 'Override')]
print(json.dumps({'props': props, 'rels': rels, 'overrides': overrides, 'entries': {i.filename: entry(i) for i in z.infolist()}, 'names': z.namelist(), 'descriptors': sum(1 for i in z.infolist() if i.flag_bits & 8)}))
`

interface PackageReport {
  props: { name: string; pid: string; fmtid: string; value: string | null }[]
  rels: Record<string, string>[]
  overrides: Record<string, string>[]
  entries: Record<string, string>
  names: string[]
  /** Entries whose sizes follow their data in a descriptor. */
  descriptors: number
}

const script = file('ooxml-report.py', new TextEncoder().encode(PACKAGE_REPORT))
const report = (path: string): PackageReport => JSON.parse(run('python3', [script, path]))
const xmlText = (path: string, part: string) => run('unzip', ['-p', path, part])

/** Rewrites a package the way a streaming writer does: every entry followed by a data descriptor. */
const STREAMED = `
import sys, zipfile
class Unseekable:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
src = zipfile.ZipFile(sys.argv[1])
with open(sys.argv[2], 'wb') as out, zipfile.ZipFile(Unseekable(out), 'w', zipfile.ZIP_DEFLATED) as z:
    for info in src.infolist():
        with z.open(info.filename, 'w') as w:
            w.write(src.read(info))
`

function streamed(bytes: Uint8Array, name: string): Uint8Array {
  const out = file(`${name}-streamed.zip`, new Uint8Array())
  run('python3', [file('streamed.py', new TextEncoder().encode(STREAMED)), file(`${name}-plain.zip`, bytes), out])
  return new Uint8Array(readFileSync(out))
}

const TEMPLATE_EXTENSIONS: Record<OfficeKind, string> = { docx: 'dotx', xlsx: 'xltx', pptx: 'potx' }

interface Case {
  name: string
  kind: OfficeKind
  input: Uint8Array
}

const CASES: Case[] = (['docx', 'xlsx', 'pptx'] as const).flatMap((kind) => [
  { name: `plain.${kind}`, kind, input: officePackage(kind) },
  { name: `other-producer.${kind}`, kind, input: officePackage(kind, { custom: OTHER_CUSTOM }) },
  { name: `template.${TEMPLATE_EXTENSIONS[kind]}`, kind, input: officePackage(kind, { template: true }) },
])

describe('OOXML carrier, read by unzip, exiftool and Python', () => {
  for (const { name, kind, input } of CASES) {
    it(`${name}: one AIGC custom property after labelling twice, registered once, every other entry byte-identical`, () => {
      const format = formatFor(input)
      expect(format.name).toBe(kind)
      const out = writeLabel(writeLabel(input, createLabel({ producer: 'X', produceId: 'old' })), label)
      const path = file(`labelled-${name}`, out)
      expect(run('unzip', ['-tq', path])).toMatch(/^No errors detected/)

      const tags = JSON.parse(run('exiftool', ['-j', '-G1', path]))[0]
      const aigcTags = Object.keys(tags).filter((k) => /aigc/i.test(k))
      expect(aigcTags).toHaveLength(1)
      expect(tags[aigcTags[0]!]).toBe(serializeLabel(label))

      const before = report(file(`input-${name}`, input))
      const after = report(path)
      const labels = after.props.filter((p) => p.name === 'AIGC')
      expect(labels).toEqual([{ name: 'AIGC', pid: labels[0]!.pid, fmtid: '{D5CDD505-2E9C-101B-9397-08002B2CF9AE}', value: serializeLabel(label) }])
      const pids = after.props.map((p) => Number(p.pid))
      expect(Math.min(...pids)).toBeGreaterThanOrEqual(2)
      expect(new Set(pids).size).toBe(pids.length)
      // Other properties, relationships and overrides stay.
      for (const p of before.props.filter((p) => p.name !== 'AIGC')) expect(after.props).toContainEqual(p)
      for (const r of before.rels) expect(after.rels).toContainEqual(r)
      for (const o of before.overrides) expect(after.overrides).toContainEqual(o)
      expect(after.rels.filter((r) => r.Type!.endsWith('/custom-properties'))).toHaveLength(1)
      expect(after.overrides.filter((o) => o.PartName === '/docProps/custom.xml')).toEqual([
        { PartName: '/docProps/custom.xml', ContentType: 'application/vnd.openxmlformats-officedocument.custom-properties+xml' },
      ])
      for (const [entry, hash] of Object.entries(before.entries)) if (!CARRIERS.includes(entry)) expect(after.entries[entry], entry).toBe(hash)
      expect(after.names.filter((n) => !CARRIERS.includes(n))).toEqual(before.names.filter((n) => !CARRIERS.includes(n)))

      expect(readLabels(out).map((l) => l.carrier)).toEqual([`${kind}:docProps/custom.xml:AIGC`])
      expect(contentHash('SHA-256', format.content(out))).toBe(contentHash('SHA-256', format.content(input)))
    })
  }

  it("reads another producer's AIGC property beside ours-to-be, and replaces it on write", () => {
    const input = officePackage('docx', { custom: OTHER_CUSTOM })
    expect(readLabels(input)).toMatchObject([{ carrier: 'docx:docProps/custom.xml:AIGC', form: 'text', label: { ContentProducer: '001191110000OTHER0000000000' } }])
    const out = report(file('replaced.docx', writeLabel(input, label)))
    expect(out.props.map((p) => p.name)).toEqual(['Project', 'AIGC'])
    expect(out.props[0]!.value).toBe('Fixture & Co')
  })

  it('finds the custom part whatever the case its relationship spells it in, and refuses one name in two cases', () => {
    const parts = officeParts('docx', { custom: OTHER_CUSTOM })
    const rels = new TextDecoder().decode(parts['_rels/.rels'] as Uint8Array).replace('Target="docProps/custom.xml"', 'Target="docProps/Custom.xml"')
    const input = zipSync({ ...parts, '_rels/.rels': new TextEncoder().encode(rels) })
    expect(readLabels(input)).toMatchObject([{ label: { ContentProducer: '001191110000OTHER0000000000' } }])
    const out = writeLabel(input, label)
    const after = report(file('case.docx', out))
    // The existing entry rewritten under its own name, the other producer's label replaced.
    expect(after.names.filter((n) => /custom/i.test(n))).toEqual(['docProps/custom.xml'])
    expect(after.props.filter((p) => p.name === 'AIGC').map((p) => p.value)).toEqual([serializeLabel(label)])
    const twins = zipSync({ ...parts, 'docProps/CUSTOM.xml': parts['docProps/custom.xml']! })
    expect(() => docx.read(twins)).toThrow(/one part name in two cases/)
    expect(() => docx.detect(twins)).toThrow(/two cases/)
  })

  it('refuses a custom-properties relationship to the extended properties part (also a <Properties>)', () => {
    const app = '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Word</Application></Properties>'
    const parts = officeParts('docx', { custom: OTHER_CUSTOM, parts: { 'docProps/app.xml': app } })
    const rels = new TextDecoder().decode(parts['_rels/.rels'] as Uint8Array).replace('Target="docProps/custom.xml"', 'Target="docProps/app.xml"')
    const input = zipSync({ ...parts, '_rels/.rels': new TextEncoder().encode(rels) })
    expect(() => docx.read(input)).toThrow(/docProps\/app.xml is not a custom properties part/)
    expect(() => docx.write(input, '{}')).toThrow(/docProps\/app.xml is not a custom properties part/)
  })

  it('keeps entries with data descriptors byte for byte (a streaming writer)', () => {
    const input = streamed(officePackage('xlsx', { custom: OTHER_CUSTOM }), 'descriptors')
    const before = report(file('descriptors-in.xlsx', input))
    expect(before.descriptors).toBe(before.names.length)
    const path = file('descriptors-out.xlsx', writeLabel(input, label))
    expect(run('unzip', ['-tq', path])).toMatch(/^No errors detected/)
    const after = report(path)
    for (const [entry, hash] of Object.entries(before.entries)) if (!CARRIERS.includes(entry)) expect(after.entries[entry], entry).toBe(hash)
    expect(after.props.filter((p) => p.name === 'AIGC')).toHaveLength(1)
  })

  it('signs over the content through labelFile: the binding survives the write and breaks on an edit', async () => {
    const signer = { keyId: 'interop', ...(await generateKeyPair('SM2')) }
    const input = officePackage('pptx')
    const signed = await labelFile(pptx.explicitText!(input, AFFIXES), pptx, label, undefined, { signer, role: 'producer' })
    const read = JSON.parse(JSON.parse(run('exiftool', ['-j', file('signed.pptx', signed.bytes)]))[0].AIGC)
    expect(read).toEqual(signed.label)
    const status = async (bytes: Uint8Array) => (await checkLabelSignature(readLabels(bytes)[0]!.label!, 'producer', { content: () => pptx.content(bytes), isKnownKey: () => true })).status
    expect(await status(signed.bytes)).toBe('valid')
    // The last slide edited, the label copied over: the binding no longer holds.
    const labelledParts = officeParts('pptx', { parts: { 'ppt/slides/slide2.xml': 'edited' } })
    const edited = zipSync({ ...labelledParts, 'docProps/custom.xml': new TextEncoder().encode(xmlText(file('signed2.pptx', signed.bytes), 'docProps/custom.xml')) })
    expect(await status(writeLabel(edited, signed.label))).toBe('content-changed')
  })

  it('leaves a plain ZIP, and a ZIP whose content types name no Office document, to no format', () => {
    expect(() => formatFor(zipSync({ 'a.txt': new TextEncoder().encode('hello') }))).toThrow(/unsupported file type/)
    const odt = zipSync({ '[Content_Types].xml': new TextEncoder().encode('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') })
    expect(() => formatFor(odt)).toThrow(/unsupported file type/)
  })
})

describe('OOXML explicit label, read back with unzip', () => {
  it('DOCX: a paragraph first in the body and one last, before the section properties', () => {
    const path = file('explicit.docx', writeLabel(docx.explicitText!(officePackage('docx'), AFFIXES), label))
    const xml = xmlText(path, 'word/document.xml')
    expect(xml).toMatch(/<w:body><w:p><w:r><w:t xml:space="preserve">本内容由人工智能生成<\/w:t><\/w:r><\/w:p><w:p><w:r><w:t>Generated/)
    expect(xml).toMatch(/<w:p><w:r><w:t xml:space="preserve">AI生成<\/w:t><\/w:r><\/w:p><w:sectPr>/)
    const paragraphs = run('python3', ['-c', `
import sys, zipfile, xml.etree.ElementTree as ET
W = '{http://schemas.openxmlformats.org/wordprocessingml/2006/main}'
body = ET.fromstring(zipfile.ZipFile(sys.argv[1]).read('word/document.xml')).find(W + 'body')
print('|'.join(''.join(t.text or '' for t in p.iter(W + 't')) for p in body.findall(W + 'p')))`, path])
    expect(paragraphs.trim()).toBe('本内容由人工智能生成|Generated report body.|a < b|AI生成')
  })

  it('XLSX: the end label in a cell below the used rows, the start label in the page header', () => {
    const path = file('explicit.xlsx', writeLabel(xlsx.explicitText!(officePackage('xlsx'), AFFIXES), label))
    const cells = run('python3', ['-c', `
import sys, zipfile, xml.etree.ElementTree as ET
S = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
sheet = ET.fromstring(zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml'))
cells = {c.get('r'): ''.join(t.text or '' for t in c.iter(S + 't')) for c in sheet.iter(S + 'c')}
print(cells.get('A5'), sheet.find(S + 'headerFooter/' + S + 'oddHeader').text)
# headerFooter follows pageMargins, as CT_Worksheet orders them
print([e.tag[len(S):] for e in sheet])`, path]).trim().split('\n')
    expect(cells[0]).toBe('AI生成 &C本内容由人工智能生成')
    expect(cells[1]).toBe("['sheetData', 'pageMargins', 'headerFooter']")
  })

  it('XLSX: an existing header keeps its sections, the label goes first in the centre', () => {
    const sheet = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/><headerFooter><oddHeader>&amp;LLeft&amp;CTitle</oddHeader></headerFooter><drawing r:id="rId9" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></worksheet>`
    const input = officePackage('xlsx', { parts: { 'xl/worksheets/sheet1.xml': sheet } })
    const xml = xmlText(file('header.xlsx', xlsx.explicitText!(input, AFFIXES)), 'xl/worksheets/sheet1.xml')
    expect(xml).toContain('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>AI生成</t></is></c></row></sheetData>')
    expect(xml).toContain('<oddHeader>&amp;LLeft&amp;C本内容由人工智能生成\nTitle</oddHeader>')
    const empty = officePackage('xlsx', { parts: { 'xl/worksheets/sheet1.xml': sheet.replace(/<oddHeader>.*<\/oddHeader>/, '<oddHeader/>') } })
    expect(xmlText(file('empty-header.xlsx', xlsx.explicitText!(empty, AFFIXES)), 'xl/worksheets/sheet1.xml')).toContain('<headerFooter><oddHeader>&amp;C本内容由人工智能生成</oddHeader></headerFooter>')
  })

  it('XLSX: a hidden first sheet is passed over for the first visible one', () => {
    const workbook = `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Hidden" sheetId="1" state="hidden" r:id="rId2"/><sheet name="Data" sheetId="2" r:id="rId1"/></sheets></workbook>`
    const input = officePackage('xlsx', { parts: { 'xl/workbook.xml': workbook } })
    expect(xmlText(file('hidden.xlsx', xlsx.explicitText!(input, { prefix: '', suffix: 'AI生成' })), 'xl/worksheets/sheet1.xml')).toContain('<row r="5"><c r="A5" t="inlineStr"><is><t>AI生成</t>')
  })

  it('XLSX: a chart sheet first is passed over for the first worksheet', () => {
    const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
    const workbook = `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${R}"><sheets><sheet name="Chart" sheetId="2" r:id="rId2"/><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`
    const rels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${R}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${R}/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>`
    const chart = `<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${R}"><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>`
    const input = officePackage('xlsx', { parts: { 'xl/workbook.xml': workbook, 'xl/_rels/workbook.xml.rels': rels, 'xl/chartsheets/sheet1.xml': chart } })
    expect(xmlText(file('chartsheet.xlsx', xlsx.explicitText!(input, { prefix: '', suffix: 'AI生成' })), 'xl/worksheets/sheet1.xml')).toContain('<row r="5"><c r="A5" t="inlineStr"><is><t>AI生成</t>')
  })

  it('PPTX: text boxes at the top and bottom of the first slide, and the end label at the bottom of the last', () => {
    const path = file('explicit.pptx', writeLabel(pptx.explicitText!(officePackage('pptx'), AFFIXES), label))
    const boxes = (slide: string) => run('python3', ['-c', `
import sys, zipfile, xml.etree.ElementTree as ET
P = '{http://schemas.openxmlformats.org/presentationml/2006/main}'
A = '{http://schemas.openxmlformats.org/drawingml/2006/main}'
tree = ET.fromstring(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2])).find(P + 'cSld/' + P + 'spTree')
ids = [c.get('id') for c in tree.iter(P + 'cNvPr')]
assert len(ids) == len(set(ids)), ids
for sp in tree.findall(P + 'sp'):
    off = sp.find(P + 'spPr/' + A + 'xfrm/' + A + 'off')
    print(''.join(t.text for t in sp.iter(A + 't')), off.get('y') if off is not None else '-')`, path, slide]).trim().split('\n')
    expect(boxes('ppt/slides/slide1.xml')).toEqual(['Title slide -', '本内容由人工智能生成 137160', 'AI生成 6172200'])
    expect(boxes('ppt/slides/slide2.xml')).toEqual(['Last slide -', 'AI生成 6172200'])
  })

  it('reads each part once per operation (relationships parsed once, edited parts not inflated again)', () => {
    const inflated = vi.mocked(entryData)
    for (const [kind, format] of [['docx', docx], ['xlsx', xlsx], ['pptx', pptx]] as const) {
      for (const operation of [(input: Uint8Array) => format.explicitText!(input, AFFIXES), (input: Uint8Array) => format.write(input, '{}')]) {
        const input = officePackage(kind, { custom: OTHER_CUSTOM })
        inflated.mockClear()
        operation(input)
        const names = inflated.mock.calls.map(([, entry]) => entry.name)
        expect(names.length, kind).toBeGreaterThan(1)
        expect(names, kind).toEqual([...new Set(names)])
      }
    }
  })

  it('mark=implicit: the label write alone changes no part but the three carriers', () => {
    for (const kind of ['docx', 'xlsx', 'pptx'] as const) {
      const input = officePackage(kind)
      const before = report(file(`implicit-in.${kind}`, input))
      const after = report(file(`implicit-out.${kind}`, writeLabel(input, label)))
      const changed = Object.keys(after.entries).filter((n) => after.entries[n] !== before.entries[n])
      expect(changed.sort()).toEqual([...CARRIERS].sort())
    }
  })
})

// Raw ZIP assembly for files no honest writer makes: declared sizes as given.
interface RawEntry {
  name: string
  data: Uint8Array
  method: 0 | 8
  crc: number
  size: number
}

function rawZip(entries: RawEntry[]): Uint8Array {
  const enc = new TextEncoder()
  const locals: Uint8Array[] = []
  const centrals: Uint8Array[] = []
  let offset = 0
  for (const e of entries) {
    const name = enc.encode(e.name)
    const header = (central: boolean) => {
      const b = new Uint8Array((central ? 46 : 30) + name.length)
      const v = new DataView(b.buffer)
      const at = central ? 6 : 4
      v.setUint32(0, central ? 0x02014b50 : 0x04034b50, true)
      if (central) v.setUint16(4, 20, true)
      v.setUint16(at, 20, true)
      v.setUint16(at + 4, e.method, true)
      v.setUint32(at + 10, e.crc, true)
      v.setUint32(at + 14, e.data.length, true)
      v.setUint32(at + 18, e.size, true)
      v.setUint16(at + 22, name.length, true)
      if (central) v.setUint32(42, offset, true)
      b.set(name, central ? 46 : 30)
      return b
    }
    centrals.push(header(true))
    const local = header(false)
    locals.push(local, e.data)
    offset += local.length + e.data.length
  }
  const directory = Buffer.concat(centrals)
  const end = new Uint8Array(22)
  const v = new DataView(end.buffer)
  v.setUint32(0, 0x06054b50, true)
  v.setUint16(8, entries.length, true)
  v.setUint16(10, entries.length, true)
  v.setUint32(12, directory.length, true)
  v.setUint32(16, offset, true)
  return new Uint8Array(Buffer.concat([...locals, directory, end]))
}

/** A docx whose parts are honest, plus one more entry as given. */
function docxWith(extra: RawEntry): Uint8Array {
  const parts = officeParts('docx')
  const honest = Object.entries(parts).map(([name, value]): RawEntry => {
    const data = value instanceof Uint8Array ? value : value[0] as Uint8Array
    return { name, data: deflateRawSync(data), method: 8, crc: crc32(data), size: data.length }
  })
  return rawZip([...honest, extra])
}

/** 1 GiB of zeros as raw deflate in about 1 MB: one sync-flushed block of 1 MiB repeated (its matches only look back at zeros), then an empty final block. */
function gibibyteOfZeros(): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH })
  return new Uint8Array(Buffer.concat([...Array<Buffer>(1024).fill(block), Buffer.from([0x03, 0x00])]))
}

const limitName = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    if (error instanceof LimitError) return error.limit.name
    throw error
  }
  throw new Error('no LimitError')
}

describe('hostile OOXML packages: refused by name, within seconds', () => {
  const bomb = gibibyteOfZeros()

  it('a 1 GiB part that says so is refused before it is inflated (zip_inflated_bytes)', () => {
    const input = docxWith({ name: 'word/media/bomb.bin', data: bomb, method: 8, crc: 0, size: 2 ** 30 })
    expect(limitName(() => [...docx.content(input)])).toBe('zip_inflated_bytes')
    expect(limitName(() => formatFor(input))).toBe('zip_inflated_bytes')
  })

  it('a 1 GiB part that claims 1000 bytes is stopped at its claim (zip_inflated_bytes)', () => {
    const input = docxWith({ name: 'word/media/bomb.bin', data: bomb, method: 8, crc: 0, size: 1000 })
    expect(formatFor(input)).toBe(docx)
    expect(limitName(() => [...docx.content(input)])).toBe('zip_inflated_bytes')
    // The same lie in the part the visible label edits.
    const main = docxWith({ name: 'word/document2.xml', data: bomb, method: 8, crc: 0, size: 1000 })
    expect(limitName(() => [...docx.content(main)])).toBe('zip_inflated_bytes')
  })

  it('a part claiming a ratio deflate cannot reach is refused (zip_inflate_ratio)', () => {
    const input = docxWith({ name: 'word/media/x.bin', data: new Uint8Array(100), method: 8, crc: 0, size: 1_000_000 })
    expect(limitName(() => formatFor(input))).toBe('zip_inflate_ratio')
  })

  it('too many entries (zip_entries)', () => {
    const many = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`f${i}`, new Uint8Array()]))
    expect(limitName(() => formatFor(zipSync({ ...officeParts('docx'), ...many })))).toBe('zip_entries')
  })

  it('deep nesting in custom.xml (xml_depth) and a DTD are refused', () => {
    const deep = `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">${'<a>'.repeat(300)}${'</a>'.repeat(300)}</Properties>`
    expect(limitName(() => docx.read(officePackage('docx', { custom: deep })))).toBe('xml_depth')
    const dtd = `<!DOCTYPE x [<!ENTITY a "aaaa">]><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">&a;</Properties>`
    expect(() => docx.write(officePackage('docx', { custom: dtd }), '{}')).toThrow(/DTD/)
  })

  it('5 million empty paragraphs (a 46 KB upload) are refused by count (xml_elements)', () => {
    const doc = `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${'<w:p/>'.repeat(5_000_000)}</w:body></w:document>`
    const input = officePackage('docx', { parts: { 'word/document.xml': doc } })
    expect(input.length).toBeLessThan(64 * 1024)
    expect(limitName(() => docx.explicitText!(input, AFFIXES))).toBe('xml_elements')
  })

  it('a thousand AIGC properties (labels_per_file) and a relationships part of 30 000 entries (xml_kept_elements) are refused by count', () => {
    const props = Array.from({ length: 1000 }, (_, i) => `<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="${i + 2}" name="AIGC"><vt:lpwstr>{}</vt:lpwstr></property>`).join('')
    const custom = OTHER_CUSTOM.replace(/<property .*<\/Properties>/, `${props}</Properties>`)
    expect(limitName(() => docx.read(officePackage('docx', { custom })))).toBe('labels_per_file')
    const relationships = Array.from({ length: 30_000 }, (_, i) => `<Relationship Id="r${i}" Type="x" Target="y${i}"/>`).join('')
    const rels = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${relationships}</Relationships>`
    expect(limitName(() => docx.write(officePackage('docx', { parts: { '_rels/.rels': rels } }), '{}'))).toBe('xml_kept_elements')
  })

  it('300 000 properties get the next pid; a pid that is no 32-bit integer is refused', () => {
    const custom = (pids: string[]) =>
      `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">${pids.map((pid) => `<property pid="${pid}"/>`).join('')}</Properties>`
    const many = docx.write(officePackage('docx', { custom: custom(Array.from({ length: 300_000 }, (_, i) => String(i + 2))) }), '{"Label":"1"}')
    expect(docx.read(many)).toMatchObject([{ raw: '{"Label":"1"}' }])
    expect(new TextDecoder().decode(unzipSync(many)['docProps/custom.xml'])).toContain(' pid="300002" name="AIGC"')
    for (const pid of ['Infinity', '1e308', '2.5', '2147483648']) expect(() => docx.write(officePackage('docx', { custom: custom(['2', pid]) }), '{}'), pid).toThrow(/not a 32-bit integer/)
    expect(() => docx.write(officePackage('docx', { custom: custom(['2147483647']) }), '{}')).toThrow(FormatError)
  })

  it('truncated, out-of-range and overlapping archives are FormatErrors', () => {
    const input = officePackage('docx')
    expect(() => docx.write(input.subarray(0, input.length - 30), '{}')).toThrow(FormatError)
    expect(() => docx.write(input.subarray(0, input.length / 2), '{}')).toThrow(FormatError)
    const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)
    const outOfRange = input.slice()
    view(outOfRange).setUint32(outOfRange.length - 6, 0x7fffffff, true)
    expect(() => docx.write(outOfRange, '{}')).toThrow(FormatError)
    // The first central record points its local header into the second entry's.
    const overlap = input.slice()
    const directory = view(overlap).getUint32(overlap.length - 6, true)
    view(overlap).setUint32(directory + 42, 10, true)
    expect(() => docx.write(overlap, '{}')).toThrow(FormatError)
    // A corrupt archive is refused as corrupt by detect too, not taken for an unknown type (415).
    for (const bad of [input.subarray(0, input.length - 30), outOfRange, overlap]) expect(() => docx.detect(bad)).toThrow(FormatError)
  })
})
