import { readFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { FormatError, formatFor, readLabels, writeLabel } from '../../src/formats'
import { pdf } from '../../src/formats/pdf'
import { open, resolve } from '../../src/formats/pdf-file'
import { pdfPageText } from '../../src/formats/pdf-page-text'
import { createLabel, serializeLabel } from '../../src/label/annex-e'
import { contentHash } from '../../src/label/content-hash'
import { affixesFor, DEFAULT_TEXT_LABEL } from '../../src/label/explicit-text'
import { minimalPdf, objectStream, pdfBytes, pdfText, xrefStreamPdf } from '../pdf-fixtures'
import { file, run } from './tools'

const label = (id: string) => createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: id })
const OTHER = '{"Label":"1","ContentProducer":"other-producer","ProduceID":"theirs","ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}'

/** A qpdf rewrite of `bytes` (object streams, a cross-reference stream: PDF 1.5). */
function viaQpdf(name: string, bytes: Uint8Array, ...args: string[]): Uint8Array {
  const out = file(`${name}-qpdf.pdf`, new Uint8Array())
  run('qpdf', [...args, file(`${name}-in.pdf`, bytes), out])
  return new Uint8Array(readFileSync(out))
}

/** qpdf's own reading of the current Info dictionary (its values as qpdf JSON, `u:` text) and trailer /ID (`b:` hex). */
function qpdfInfo(path: string): { info: Record<string, string>; id: [string, string] } {
  const [, objects] = JSON.parse(run('qpdf', ['--json=2', '--json-key=qpdf', path])).qpdf
  const ref: string | undefined = objects.trailer.value['/Info']
  return { info: ref ? objects[`obj:${ref}`].value : {}, id: objects.trailer.value['/ID'] }
}

/** `qpdf --check` exits 0 only without errors or warnings. */
const qpdfCheck = (path: string) => run('qpdf', ['--check', path])

const info = { Title: '(A title)', Author: '(Some \\(one\\))' }
const FIXTURES: Record<string, () => Uint8Array> = {
  'PDF 1.4 with Info': () => minimalPdf({ info }),
  'PDF 1.4 without Info': () => minimalPdf(),
  'PDF 1.5, object streams and a cross-reference stream': () => viaQpdf('obj-streams', minimalPdf({ info }), '--object-streams=generate'),
  'PDF 1.5, hand-written cross-reference stream, no Info': () => minimalPdf({ xrefStream: {} }),
  'PDF 1.4 labelled by another producer': () => minimalPdf({ info: { ...info, AIGC: `(${OTHER})` } }),
}

describe('PDF carrier, read by qpdf, poppler and exiftool', () => {
  for (const [name, make] of Object.entries(FIXTURES)) {
    it(`${name}: an incremental update qpdf checks clean, Info kept, text unchanged, one label after two`, () => {
      const input = make()
      const before = file(`before-${name}.pdf`, input)
      qpdfCheck(before)
      expect(formatFor(input)).toBe(pdf)
      const once = writeLabel(input, label('first'))
      const twice = writeLabel(once, label('second'))
      const after = file(`after-${name}.pdf`, twice)
      const between = file(`once-${name}.pdf`, once)

      // Both updates append: the input and the first output are byte prefixes.
      expect(once.subarray(0, input.length)).toEqual(input)
      expect(twice.subarray(0, once.length)).toEqual(once)
      expect(qpdfCheck(between)).toContain('No syntax or stream encoding errors')
      expect(qpdfCheck(after)).toContain('No syntax or stream encoding errors')
      const xrefKind = (bytes: Uint8Array) => (pdfText(bytes).lastIndexOf('/Type /XRef') > pdfText(bytes).lastIndexOf('\nxref\n') ? 'stream' : 'table')
      expect(xrefKind(twice)).toBe(xrefKind(input))

      // The current Info holds exactly the second label; older entries survive.
      const current = qpdfInfo(after).info
      expect(current['/AIGC']).toBe(`u:${serializeLabel(label('second'))}`)
      const infoKeys = Object.keys(current).filter((key) => key !== '/AIGC')
      expect(infoKeys.sort()).toEqual(Object.keys(qpdfInfo(before).info).filter((key) => key !== '/AIGC').sort())
      expect(readLabels(twice)).toMatchObject([{ carrier: 'pdf:Info:AIGC', form: 'text', label: label('second') }])
      // §14.4: the first identifier stays, the second changes with each update.
      const [inputId, onceId, twiceId] = [before, between, after].map((path) => qpdfInfo(path).id)
      expect([onceId![0], twiceId![0]]).toEqual([inputId![0], inputId![0]])
      expect(new Set([inputId![1], onceId![1], twiceId![1]]).size).toBe(3)
      const pdfinfo = run('pdfinfo', [after])
      if (name.includes('with Info') || name.includes('object streams')) expect(pdfinfo).toMatch(/Title:\s+A title[\s\S]*Author:\s+Some \(one\)/)
      expect(pdfinfo).toMatch(/Pages:\s+1/)
      const exif = JSON.parse(run('exiftool', ['-j', '-PDF:all', after]))[0]
      expect(exif.AIGC).toBe(serializeLabel(label('second')))

      // Implicit labelling: what a reader sees is the same text.
      expect(run('pdftotext', [after, '-'])).toBe(run('pdftotext', [before, '-']))
      // The content binding is the input before our updates, whatever number of them.
      expect(contentHash('SHA-256', pdf.content(twice))).toBe(contentHash('SHA-256', pdf.content(input)))
      expect(contentHash('SHA-256', pdf.content(once))).toBe(contentHash('SHA-256', pdf.content(input)))
    })
  }

  it("reads another producer's label, and writes it as a literal string grep finds", () => {
    const theirs = minimalPdf({ info: { AIGC: `(${OTHER})` } })
    expect(readLabels(theirs)).toMatchObject([{ carrier: 'pdf:Info:AIGC', label: { ContentProducer: 'other-producer' } }])
    const ours = writeLabel(theirs, label('mine'))
    expect(pdfText(ours)).toContain(`/AIGC (${serializeLabel(label('mine'))})`)
    // A hex string is read too.
    const hex = Array.from(pdfBytes(OTHER), (b) => b.toString(16).padStart(2, '0')).join('')
    expect(readLabels(minimalPdf({ info: { AIGC: `<${hex}>` } }))).toMatchObject([{ label: { ProduceID: 'theirs' } }])
  })

  it('writes non-ASCII JSON as UTF-16BE after a BOM, read back by exiftool', () => {
    const json = '{"Label":"1","ContentProducer":"生成式服务"}'
    const path = file('utf16.pdf', pdf.write(minimalPdf(), json))
    qpdfCheck(path)
    expect(JSON.parse(run('exiftool', ['-j', '-PDF:all', path]))[0].AIGC).toBe(json)
    expect(pdf.read(readFileSync(path))).toMatchObject([{ raw: json }])
  })

  it('reads an object stream with an indirect /Length, and inflates it once per file', () => {
    const stream = objectStream([[4, `<< /AIGC (${OTHER}) /Title 5 0 R >>`], [5, '(A title)']], { length: '3 0 R', deflate: deflateSync })
    const bytes = xrefStreamPdf(['<< /Type /Catalog >>', stream.body, String(stream.length), { stream: 2, index: 0 }, { stream: 2, index: 1 }], '/Root 1 0 R /Info 4 0 R')
    expect(readLabels(bytes)).toMatchObject([{ label: { ProduceID: 'theirs' } }])
    const parsed = open(bytes)
    expect(resolve(parsed, { kind: 'ref', num: 4, gen: 0 })?.kind).toBe('dict')
    // The deflated bytes overwritten: the next object still comes from the stream decoded before.
    const data = pdfText(bytes).indexOf('stream\n', pdfText(bytes).indexOf('/ObjStm')) + 'stream\n'.length
    parsed.bytes.fill(0, data, data + stream.length)
    expect(resolve(parsed, { kind: 'ref', num: 5, gen: 0 })).toEqual({ kind: 'string', bytes: pdfBytes('A title') })
  })

  it('binds the content: an edit in the original part is seen, the label update is not', () => {
    const input = minimalPdf({ info })
    const out = pdf.write(input, OTHER)
    const edited = out.slice()
    const at = pdfText(edited).indexOf('Hello PDF')
    edited[at] = 'J'.charCodeAt(0)
    expect(contentHash('SHA-256', pdf.content(edited))).not.toBe(contentHash('SHA-256', pdf.content(input)))
    // A revision that changes more than the Info dictionary is content, not label.
    const moreThanInfo = pdfBytes(pdfText(out).replace(/\/Root 1 0 R (\/Info \d+ 0 R \/Prev)/, '/Root 3 0 R $1'))
    expect([...pdf.content(moreThanInfo)][0]!.length).toBeGreaterThan([...pdf.content(input)][0]!.length)
  })
})

describe('the optional page text label (pdfPageText)', () => {
  for (const [name, make] of Object.entries(FIXTURES)) {
    it(`${name}: pdftotext reads the label at the top and the bottom of the first page`, () => {
      const input = make()
      const marked = pdfPageText(input, affixesFor({ ...DEFAULT_TEXT_LABEL, position: 'both' }))
      expect(marked.subarray(0, input.length)).toEqual(input)
      const out = writeLabel(marked, label('page-text'))
      const path = file(`page-text-${name}.pdf`, out)
      qpdfCheck(path)
      const text = run('pdftotext', [path, '-']).split('\n').filter((line) => line.trim() !== '')
      expect(text[0]).toBe(DEFAULT_TEXT_LABEL.text)
      expect(text).toContain('Hello PDF')
      expect(text[text.length - 1]?.replace('\f', '')).toBe(DEFAULT_TEXT_LABEL.text)
      expect(readLabels(out)).toHaveLength(1)
      // The label binds the page with its text on it.
      expect(contentHash('SHA-256', pdf.content(out))).toBe(contentHash('SHA-256', pdf.content(marked)))
      expect(contentHash('SHA-256', pdf.content(out))).not.toBe(contentHash('SHA-256', pdf.content(input)))
    })
  }
})

describe('hostile PDFs are refused with a FormatError or the named limit', () => {
  const base = minimalPdf()
  const text = pdfText(base)
  const xrefAt = text.lastIndexOf('xref\n0 ')
  const refuse = (bytes: Uint8Array, error: RegExp) => {
    expect(() => pdf.write(bytes, OTHER)).toThrow(error)
    expect(() => pdf.read(bytes)).toThrow(FormatError)
  }

  it('a page tree spread over object streams that inflate past pdf_object_stream_bytes together', () => {
    // Three pages-tree nodes, each alone in an object stream padded to 12 MB (deflated to kilobytes).
    const pad = ' '.repeat(12 * 1024 * 1024)
    const nodes = ['<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Pages /Kids [4 0 R] /Count 1 >>', '<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>']
    const streams = nodes.map((node, k) => objectStream([[2 + k, node + pad]], { deflate: (d) => deflateSync(d) }).body)
    const bytes = xrefStreamPdf(['<< /Type /Catalog /Pages 2 0 R >>', ...nodes.map((_, k) => ({ stream: 5 + k, index: 0 })), ...streams], '/Root 1 0 R')
    expect(() => pdfPageText(bytes, affixesFor(DEFAULT_TEXT_LABEL))).toThrow(/pdf_object_stream_bytes/)
  })

  it('a /Prev loop, refused when the section repeats', () => {
    refuse(pdfBytes(text.replace('/Size 6', `/Size 6 /Prev ${xrefAt}`)), /loops: the section at offset \d+ repeats/)
    // Two sections pointing at each other: an update whose /Prev is the first, and the first's back to it.
    const update = pdf.write(base, OTHER)
    const updateXref = pdfText(update).lastIndexOf('\nxref\n') + 1
    const id = ' /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]'
    refuse(pdfBytes(pdfText(update).replace(id, ` /Prev ${updateXref}`.padEnd(id.length))), /loops/)
  })

  it('an object stream whose /Length is an object in that same stream, refused before it recurses', () => {
    const stream = objectStream([[3, '99'], [4, '<< >>']], { length: '3 0 R' })
    refuse(xrefStreamPdf(['<< /Type /Catalog >>', stream.body, { stream: 2, index: 0 }, { stream: 2, index: 1 }], '/Root 1 0 R /Info 4 0 R'), /the \/Length of object stream 2 is itself in an object stream/)
  })

  it('a chain longer than pdf_xref_sections', () => {
    // 1001 empty update sections, each pointing at the one before.
    let chain = text.slice(0, text.lastIndexOf('startxref'))
    let prev = xrefAt
    for (let i = 0; i < 1001; i++) {
      const at = chain.length
      chain += `xref\ntrailer\n<< /Size 6 /Root 1 0 R /Prev ${prev} >>\n`
      prev = at
    }
    refuse(pdfBytes(`${chain}startxref\n${prev}\n%%EOF\n`), /pdf_xref_sections/)
  })

  it('section offsets that land before their section, on whitespace', () => {
    refuse(pdfBytes(text.replace(`startxref\n${xrefAt}`, `startxref\n${xrefAt - 1}`)), /offset \d+ of the PDF does not start there/)
    // A hybrid table whose /XRefStm points at the newline before the stream; exactly at it, it is read.
    const streamed = pdfText(minimalPdf({ xrefStream: {} }))
    const streamAt = Number(/startxref\n(\d+)/.exec(streamed)![1])
    const hybrid = (xrefStm: number) => pdfBytes(`${streamed}xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 7 /Root 1 0 R /XRefStm ${xrefStm} >>\nstartxref\n${streamed.length}\n%%EOF\n`)
    expect(pdf.read(hybrid(streamAt))).toEqual([])
    refuse(hybrid(streamAt - 1), /offset \d+ of the PDF does not start there/)
  })

  it("the reviewer's case: 100 hybrid tables whose /XRefStm offsets run through the whitespace before one huge stream dictionary", () => {
    let out = '%PDF-1.5\n'
    const catalog = out.length
    out += '1 0 obj\n<< /Type /Catalog >>\nendobj\n'
    const spaces = out.length
    out += `${' '.repeat(100)}2 0 obj\n<< /Type /XRef /Size 2 /W [1 4 2] /Index [0 0] /Junk [${'0 '.repeat(200_000)}] /Length 0 >>\nstream\n\nendstream\nendobj\n`
    let prev = ''
    for (let i = 0; i < 100; i++) {
      const at = out.length
      out += `xref\n1 1\n${String(catalog).padStart(10, '0')} 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R /XRefStm ${spaces + i}${prev} >>\n`
      prev = ` /Prev ${at}`
    }
    refuse(pdfBytes(`${out}startxref\n${out.lastIndexOf('xref\n1 1')}\n%%EOF\n`), /does not start there/)
  })

  it('section dictionaries that together exceed their budget', () => {
    // 20 update sections, each trailer holding 60 KB: 1.2 MB of dictionaries.
    let chain = text.slice(0, text.lastIndexOf('startxref'))
    let prev = xrefAt
    for (let i = 0; i < 20; i++) {
      const at = chain.length
      chain += `xref\ntrailer\n<< /Size 6 /Root 1 0 R /Prev ${prev} /Junk [${'0 '.repeat(30_000)}] >>\n`
      prev = at
    }
    refuse(pdfBytes(`${chain}startxref\n${prev}\n%%EOF\n`), /the dictionaries together exceed the pdf_xref_dictionary_bytes limit of 1048576 bytes/)
  })

  it('a huge /Size or object numbers past pdf_objects', () => {
    refuse(pdfBytes(text.replace('/Size 6', '/Size 99999999999')), /pdf_objects/)
    refuse(pdfBytes(text.replace('xref\n0 6', 'xref\n0 6000000')), /pdf_objects|truncated/)
    const wide = minimalPdf({ xrefStream: { dict: '/W [1 4 2] /Index [0 4000000000]' } })
    refuse(wide, /pdf_objects/)
    refuse(minimalPdf({ xrefStream: { dict: '/W [1 4 2] /Index [999999999 7]' } }), /pdf_objects/)
  })

  it('absurd /W widths', () => {
    refuse(minimalPdf({ xrefStream: { dict: '/W [1 20 2]' } }), /\/W/)
    refuse(minimalPdf({ xrefStream: { dict: '/W [0 0 0]' } }), /\/W/)
    refuse(minimalPdf({ xrefStream: { dict: '/W [1 4]' } }), /\/W/)
  })

  it('a deflate bomb in the cross-reference stream stops at the bytes its rows need', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024))
    refuse(minimalPdf({ xrefStream: { dict: '/W [1 4 2] /Filter /FlateDecode', data: bomb } }), /inflates beyond the \d+ bytes/)
    const predicted = minimalPdf({ xrefStream: { dict: '/W [1 4 2] /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>', data: bomb } })
    refuse(predicted, /inflates beyond/)
    refuse(minimalPdf({ xrefStream: { dict: '/W [1 4 2] /Filter /FlateDecode', data: pdfBytes('not deflate') } }), /corrupt compressed/)
  })

  it('truncated files', () => {
    for (const whole of [base, minimalPdf({ xrefStream: {} })]) {
      for (let length = 0; length < whole.length - 2; length += 7) {
        const cut = whole.subarray(0, length)
        expect(() => pdf.write(cut, OTHER), `cut at ${length}`).toThrow(FormatError)
      }
    }
  })

  it('broken cross-reference offsets', () => {
    // Object 3's entry moved by one byte; startxref pointing into an object.
    const entry = text.indexOf(' 00000 n ', text.indexOf(' 00000 n ', text.indexOf(' 00000 n ') + 1) + 1) - 10
    const moved = String(Number(text.slice(entry, entry + 10)) + 1).padStart(10, '0')
    refuse(pdfBytes(text.slice(0, entry) + moved + text.slice(entry + 10)), /object 3 points to offset \d+, where that object does not start/)
    refuse(pdfBytes(text.replace(`startxref\n${xrefAt}`, `startxref\n${xrefAt - 40}`)), /broken cross-reference offsets/)
    refuse(pdfBytes(text.replace(`startxref\n${xrefAt}`, `startxref\n${xrefAt * 100}`)), /past the end/)
  })

  it('an encrypted PDF', () => {
    const encrypted = viaQpdf('encrypted', base, '--encrypt', 'user', 'owner', '256', '--')
    refuse(encrypted, /encrypted PDFs are not supported/)
  })

  it('deep nesting and unterminated strings', () => {
    refuse(pdfBytes(text.replace('/Size 6', `/Size 6 /Deep ${'['.repeat(100_000)}`)), /nested deeper/)
    refuse(pdfBytes(text.replace('/Size 6', '/Size 6 /Open (never closed')), /unterminated/)
  })
})
