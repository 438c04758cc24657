/**
 * Small DOCX, XLSX and PPTX packages made in the tests (fflate's zipSync, in Node and in
 * workerd): the parts Office needs to open them, a binary media part, and optionally
 * existing custom properties.
 */
import { zipSync, type Zippable } from 'fflate'

export type OfficeKind = 'docx' | 'xlsx' | 'pptx'

const OFFICE = 'application/vnd.openxmlformats-officedocument'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

const MAIN: Record<OfficeKind, { part: string; document: string; template: string }> = {
  docx: { part: 'word/document.xml', document: `${OFFICE}.wordprocessingml.document.main+xml`, template: `${OFFICE}.wordprocessingml.template.main+xml` },
  xlsx: { part: 'xl/workbook.xml', document: `${OFFICE}.spreadsheetml.sheet.main+xml`, template: `${OFFICE}.spreadsheetml.template.main+xml` },
  pptx: { part: 'ppt/presentation.xml', document: `${OFFICE}.presentationml.presentation.main+xml`, template: `${OFFICE}.presentationml.template.main+xml` },
}

/** Custom properties another producer wrote: a title and its own AIGC label. */
export const OTHER_CUSTOM = `${XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Project"><vt:lpwstr>Fixture &amp; Co</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="AIGC"><vt:lpwstr>{"Label":"1","ContentProducer":"001191110000OTHER0000000000","ProduceID":"other-1","ReservedCode1":"","ContentPropagator":"001191110000OTHER0000000000","PropagateID":"other-1","ReservedCode2":""}</vt:lpwstr></property></Properties>`

const PARTS: Record<OfficeKind, Record<string, string>> = {
  docx: {
    'word/document.xml': `${XML_HEAD}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="${REL}"><w:body><w:p><w:r><w:t>Generated report body.</w:t></w:r></w:p><!-- a comment --><w:p><w:r><w:t><![CDATA[a < b]]></w:t></w:r></w:p><w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>`,
    'word/_rels/document.xml.rels': `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/image" Target="media/image1.png"/></Relationships>`,
  },
  xlsx: {
    'xl/workbook.xml': `${XML_HEAD}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${REL}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': `${XML_HEAD}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1"><v>1</v></c></row><row r="3"><c r="A3"><v>2</v></c></row></sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`,
  },
  pptx: {
    'ppt/presentation.xml': `${XML_HEAD}<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="${REL}"><p:sldIdLst><p:sldId id="256" r:id="rId2"/><p:sldId id="257" r:id="rId3"/></p:sldIdLst><p:sldSz cx="12192000" cy="6858000"/></p:presentation>`,
    'ppt/_rels/presentation.xml.rels': `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="${REL}/slide" Target="slides/slide1.xml"/><Relationship Id="rId3" Type="${REL}/slide" Target="/ppt/slides/slide2.xml"/></Relationships>`,
    'ppt/slides/slide1.xml': slide('Title slide'),
    'ppt/slides/slide2.xml': slide('Last slide'),
  },
}

function slide(text: string): string {
  return `${XML_HEAD}<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/><p:sp><p:nvSpPr><p:cNvPr id="4" name="Title"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>${text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`
}

const SLIDE_TYPE = `${OFFICE}.presentationml.slide+xml`
const SHEET_TYPE = `${OFFICE}.spreadsheetml.worksheet+xml`

export interface PackageOptions {
  template?: boolean
  /** A docProps/custom.xml part, registered in _rels/.rels and [Content_Types].xml. */
  custom?: string
  /** Parts replaced or added. */
  parts?: Record<string, string>
}

/** The package's parts as text (media as bytes), in the order a writer puts them. */
export function officeParts(kind: OfficeKind, { template = false, custom, parts = {} }: PackageOptions = {}): Zippable {
  const main = MAIN[kind]
  const overrides = [
    [`/${main.part}`, template ? main.template : main.document],
    ['/docProps/core.xml', 'application/vnd.openxmlformats-package.core-properties+xml'],
    ...(kind === 'pptx' ? [['/ppt/slides/slide1.xml', SLIDE_TYPE], ['/ppt/slides/slide2.xml', SLIDE_TYPE]] : []),
    ...(kind === 'xlsx' ? [['/xl/worksheets/sheet1.xml', SHEET_TYPE]] : []),
    ...(custom ? [['/docProps/custom.xml', `${OFFICE}.custom-properties+xml`]] : []),
  ]
  const text: Record<string, string> = {
    '[Content_Types].xml': `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>${overrides.map(([name, type]) => `<Override PartName="${name}" ContentType="${type}"/>`).join('')}</Types>`,
    '_rels/.rels': `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="${main.part}"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>${custom ? `<Relationship Id="rId3" Type="${REL}/custom-properties" Target="docProps/custom.xml"/>` : ''}</Relationships>`,
    'docProps/core.xml': `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Fixture</dc:title></cp:coreProperties>`,
    ...PARTS[kind],
    ...(custom ? { 'docProps/custom.xml': custom } : {}),
    ...parts,
  }
  const enc = new TextEncoder()
  const media = new Uint8Array(2048).map((_, i) => (i * 7919) % 251)
  const out: Zippable = Object.fromEntries(Object.entries(text).map(([name, value]) => [name, enc.encode(value)]))
  out[`${main.part.split('/')[0]}/media/image1.png`] = [media, { level: 0 }]
  return out
}

export function officePackage(kind: OfficeKind, options?: PackageOptions): Uint8Array {
  return zipSync(officeParts(kind, options), { level: 6, mtime: new Date('2025-09-01T00:00:00Z') })
}

export const OFFICE_TYPES: Record<OfficeKind, string> = {
  docx: `${OFFICE}.wordprocessingml.document`,
  xlsx: `${OFFICE}.spreadsheetml.sheet`,
  pptx: `${OFFICE}.presentationml.presentation`,
}
