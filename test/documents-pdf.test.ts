import { describe, expect, it } from 'vitest'
import { pdf } from '../src/formats/pdf'
import { createTenant, gateway, PROVIDER, type TestTenant } from './helpers'
import { minimalPdf, objectStream, pdfText, xrefStreamPdf } from './pdf-fixtures'

const post = (t: TestTenant, path: string, body: Uint8Array) =>
  gateway(path, { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/pdf' }, body })

describe('PDF through /v1/aigc/label and /detect', () => {
  for (const [name, input] of [
    ['PDF 1.4 with Info', minimalPdf({ info: { Title: '(A title)' } })],
    ['PDF 1.5 with a cross-reference stream', minimalPdf({ xrefStream: {} })],
  ] as const) {
    it(`${name}: implicit label signed over the original bytes, detected valid, broken by an edit`, async () => {
      const t = await createTenant()
      const res = await post(t, '/v1/aigc/label?mark=implicit', input)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/pdf')
      expect(res.headers.get('x-aigc-explicit')).toBe('omitted')
      const out = new Uint8Array(await res.arrayBuffer())
      expect(out.subarray(0, input.length)).toEqual(input)
      const [found] = pdf.read(out)
      expect(found?.raw).toBe(res.headers.get('x-aigc-label'))

      const report = (await (await post(t, '/v1/aigc/detect', out)).json()) as any
      expect(report).toMatchObject({ format: 'pdf', labelled: true, labels: [{ carrier: 'pdf:Info:AIGC', fields: { ContentProducer: PROVIDER } }] })
      expect(report.labels[0].signatures[0].status).toBe('valid')

      // One byte of the original page text changed: the binding no longer holds.
      const edited = out.slice()
      edited[pdfText(edited).indexOf('Hello PDF')] = 'J'.charCodeAt(0)
      const after = (await (await post(t, '/v1/aigc/detect', edited)).json()) as any
      expect(after.labels[0].signatures[0].status).toBe('content-changed')
    })
  }

  it('takes the text label on its first page unless the tenant turns pdfPageText off, and then says it was omitted', async () => {
    const off = await createTenant({ labels: { text: { pdfPageText: false } } })
    const plain = await post(off, '/v1/aigc/label', minimalPdf())
    expect(plain.status).toBe(200)
    expect(plain.headers.get('x-aigc-explicit')).toBe('omitted')
    expect(plain.headers.get('x-aigc-explicit-reason')).toBe('tenant-option-off')
    expect(pdfText(new Uint8Array(await plain.arrayBuffer()))).not.toContain('/STSong-Light')

    const on = await createTenant({ labels: { text: { position: 'both' } } })
    const res = await post(on, '/v1/aigc/label', minimalPdf())
    expect(res.status).toBe(200)
    expect(res.headers.get('x-aigc-explicit')).toBe('applied')
    const out = new Uint8Array(await res.arrayBuffer())
    expect(pdfText(out)).toContain('/STSong-Light')
    const report = (await (await post(on, '/v1/aigc/detect', out)).json()) as any
    expect(report.labels).toHaveLength(1)
    expect(report.labels[0].signatures[0].status).toBe('valid')
  })

  it('answers an unlabelled PDF with 200 and labelled false', async () => {
    const t = await createTenant()
    const res = await post(t, '/v1/aigc/detect', minimalPdf())
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ format: 'pdf', labelled: false, labels: [] })
  })

  it('answers an anonymous /detect of an object stream whose /Length is in itself with 422, not a stack overflow', async () => {
    const stream = objectStream([[3, '99'], [4, '<< >>']], { length: '3 0 R' })
    const body = xrefStreamPdf(['<< /Type /Catalog >>', stream.body, { stream: 2, index: 0 }, { stream: 2, index: 1 }], '/Root 1 0 R /Info 4 0 R')
    const res = await gateway('/v1/aigc/detect', { method: 'POST', headers: { 'content-type': 'application/pdf' }, body })
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('is itself in an object stream')
  })

  it('refuses a /Prev loop and a truncated PDF with a 4xx', async () => {
    const t = await createTenant()
    const text = pdfText(minimalPdf())
    const looped = Uint8Array.from(text.replace('/Size 6', `/Size 6 /Prev ${text.lastIndexOf('xref\n0 ')}`), (c) => c.charCodeAt(0))
    for (const body of [looped, minimalPdf().subarray(0, 300)]) {
      const res = await post(t, '/v1/aigc/label?mark=implicit', body)
      expect(res.status).toBe(422)
    }
  })
})
