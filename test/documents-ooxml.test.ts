import { unzipSync, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { serializeLabel } from '../src/label/annex-e'
import { createTenant, gateway, PROVIDER, type TestTenant } from './helpers'
import { OFFICE_TYPES, officePackage, officeParts } from './ooxml-packages'

const post = (t: TestTenant, path: string, body: Uint8Array, type?: string) =>
  gateway(path, { method: 'POST', headers: { authorization: `Bearer ${t.key}`, ...(type ? { 'content-type': type } : {}) }, body })

// One part of the main document per kind, and text the edit puts in it.
const EDITED_PART = { docx: 'word/document.xml', xlsx: 'xl/worksheets/sheet1.xml', pptx: 'ppt/slides/slide1.xml' } as const
const TEMPLATE_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.template'

describe('DOCX, XLSX and PPTX through /v1/aigc/label and /detect', () => {
  for (const kind of ['docx', 'xlsx', 'pptx'] as const) {
    it(`${kind}: labelled with both marks, answered in the request's type, detected valid, broken by an edit`, async () => {
      const t = await createTenant()
      const res = await post(t, '/v1/aigc/label', officePackage(kind), OFFICE_TYPES[kind])
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(OFFICE_TYPES[kind])
      expect(res.headers.get('x-aigc-explicit')).toBe('applied')
      const out = new Uint8Array(await res.arrayBuffer())
      const [written] = readLabels(out)
      expect(res.headers.get('x-aigc-label')).toBe(serializeLabel(written!.label!))
      // The tenant's default text label, at the end of the document.
      expect(new TextDecoder().decode(unzipSync(out)[EDITED_PART[kind]])).toContain('本内容由人工智能生成')

      const report = (await (await post(t, '/v1/aigc/detect', out, OFFICE_TYPES[kind])).json()) as any
      expect(report).toMatchObject({ format: kind, labelled: true, labels: [{ carrier: `${kind}:docProps/custom.xml:AIGC`, fields: { ContentProducer: PROVIDER } }] })
      expect(report.labels[0].signatures[0].status).toBe('valid')

      // A non-carrier part edited (and the package zipped again), the label left as it was.
      const parts: Record<string, Uint8Array> = unzipSync(out)
      parts[EDITED_PART[kind]] = new TextEncoder().encode(new TextDecoder().decode(parts[EDITED_PART[kind]]).replace('本内容由人工智能生成', '本内容由人类撰写'))
      const after = (await (await post(t, '/v1/aigc/detect', zipSync(parts))).json()) as any
      expect(after.labelled).toBe(true)
      expect(after.labels[0].signatures[0].status).toBe('content-changed')
    })
  }

  it('mark=implicit: the template keeps its declared type and every part but the carriers', async () => {
    const t = await createTenant()
    const input = officePackage('docx', { template: true })
    const res = await post(t, '/v1/aigc/label?mark=implicit', input, TEMPLATE_TYPE)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(TEMPLATE_TYPE)
    expect(res.headers.get('x-aigc-explicit')).toBe('omitted')
    const before = unzipSync(input)
    const after = unzipSync(new Uint8Array(await res.arrayBuffer()))
    for (const name of Object.keys(before)) if (!['[Content_Types].xml', '_rels/.rels'].includes(name)) expect(after[name], name).toEqual(before[name])
  })

  it('detect on an unlabelled DOCX: 200, labelled false', async () => {
    const t = await createTenant()
    const res = await post(t, '/v1/aigc/detect', officePackage('docx'))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ format: 'docx', labelled: false, labels: [] })
  })

  it('a plain ZIP is 415; a part that inflates past its declared size is a 422 naming the budget', async () => {
    const t = await createTenant()
    expect((await post(t, '/v1/aigc/label', zipSync({ 'a.txt': new Uint8Array(10) }))).status).toBe(415)
    // A truncated package is what it is: a corrupt archive (422), not an unknown type.
    const truncated = await post(t, '/v1/aigc/label', officePackage('docx').subarray(0, 2000))
    expect(truncated.status).toBe(422)
    expect(((await truncated.json()) as { error: { message: string } }).error.message).toMatch(/truncated or corrupt ZIP/)
    // The media part's directory says 100 bytes; it inflates to 1 MiB.
    const parts = officeParts('docx')
    const packed = zipSync({ ...parts, 'word/media/big.bin': new Uint8Array(1 << 20) })
    const res = await post(t, '/v1/aigc/label?mark=implicit', withDeclaredSize(packed, 'word/media/big.bin', 100))
    expect(res.status).toBe(422)
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('zip_inflated_bytes')
  })
})

/** The package with `name`'s uncompressed size, in its local header and central record, set to `size`. */
function withDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice()
  const view = new DataView(out.buffer)
  const target = new TextEncoder().encode(name)
  const named = (at: number, nameAt: number) => target.every((b, i) => out[nameAt + i] === b) && view.getUint16(at, true) === target.length
  for (let at = 0; at + 46 < out.length; at++) {
    const signature = view.getUint32(at, true)
    if (signature === 0x04034b50 && named(at + 26, at + 30)) view.setUint32(at + 22, size, true)
    if (signature === 0x02014b50 && named(at + 28, at + 46)) view.setUint32(at + 24, size, true)
  }
  return out
}
