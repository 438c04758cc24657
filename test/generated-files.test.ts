import { unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { anthropic, createTenant, gateway, openai, PROVIDER, upstreamRequests, type TestTenant } from './helpers'

const get = (t: TestTenant, path: string, headers: Record<string, string> = {}) => gateway(path, { headers: { authorization: `Bearer ${t.key}`, ...headers } })
const detect = async (t: TestTenant, bytes: Uint8Array, type: string) =>
  (await gateway('/v1/aigc/detect', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': type }, body: bytes })).json<any>()

describe('generated files read from the model API', () => {
  it("labels an assistant output file by its type: an image gets the mark and a signed label, Markdown the text label", async () => {
    const t = await createTenant()
    const image = await openai(t.key).files.content('file-out-png')
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(image.headers.get('x-aigc-explicit')).toBe('applied')
    const png = new Uint8Array(await image.arrayBuffer())
    const report = await detect(t, png, 'image/png')
    expect(report).toMatchObject({ labelled: true, labels: [{ fields: { ContentProducer: PROVIDER } }] })
    expect(report.labels[0].signatures[0].status).toBe('valid')
    expect(JSON.parse(image.headers.get('x-aigc-label')!)).toEqual(report.labels[0].fields)

    const doc = await openai(t.key).files.content('file-out-md')
    expect(doc.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
    const text = await doc.text()
    expect(text).toContain('模型写的报告。')
    expect(text.trimEnd().endsWith('本内容由人工智能生成')).toBe(true)
    expect((await detect(t, new TextEncoder().encode(text), 'text/markdown')).labels[0].signatures[0].status).toBe('valid')
    // Metadata first, then the download: the decision is the metadata's.
    expect((await upstreamRequests(t.host)).map((r) => r.path)).toEqual(['/v1/files/file-out-png', '/v1/files/file-out-png/content', '/v1/files/file-out-md', '/v1/files/file-out-md/content'])
  })

  it('labels a generated DOCX with the text label in its body and a PDF with it on its first page', async () => {
    const t = await createTenant()
    const docx = await get(t, '/v1/files/file-out-docx/content')
    expect(docx.status).toBe(200)
    expect(docx.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
    expect(docx.headers.get('x-aigc-explicit')).toBe('applied')
    const bytes = new Uint8Array(await docx.arrayBuffer())
    const document = new TextDecoder().decode(unzipSync(bytes)['word/document.xml'])
    expect(document).toContain('本内容由人工智能生成')
    const report = await detect(t, bytes, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')
    expect(report).toMatchObject({ format: 'docx', labelled: true })
    expect(report.labels[0].signatures[0].status).toBe('valid')

    const pdf = await get(t, '/v1/files/file-out-pdf/content')
    expect(pdf.status).toBe(200)
    expect(pdf.headers.get('x-aigc-explicit')).toBe('applied')
    const pdfBytes = new Uint8Array(await pdf.arrayBuffer())
    expect(Array.from(pdfBytes, (b) => String.fromCharCode(b)).join('')).toContain('/STSong-Light')
    const pdfReport = await detect(t, pdfBytes, 'application/pdf')
    expect(pdfReport.labels[0].signatures[0].status).toBe('valid')
  })

  it("asks for the whole file when the client asks for a range, and keeps none of the upstream's validators or X-AIGC headers", async () => {
    const t = await createTenant()
    const res = await get(t, '/v1/files/file-out-pdf/content', { range: 'bytes=0-99' })
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toBeNull()
    // The mock claims "applied" and "not-requested"; the gateway says what it did.
    expect(res.headers.get('x-aigc-explicit')).toBe('applied')
    expect(res.headers.get('x-aigc-explicit-reason')).toBeNull()
    expect((await upstreamRequests(t.host)).map((r) => r.range)).toEqual([undefined, undefined])
    const own = await get(t, '/v1/files/file-user-1/content', { range: 'bytes=0-3' })
    expect(own.status).toBe(200)
    expect((await upstreamRequests(t.host)).at(-1)!.range).toBe('bytes=0-3')
  })

  it("passes a file the client uploaded unchanged, and still labels batch output line by line", async () => {
    const t = await createTenant()
    const own = await get(t, '/v1/files/file-user-1/content')
    expect(own.status).toBe(200)
    expect(await own.text()).toBe("the client's own bytes")
    expect(own.headers.get('x-aigc-label')).toBeNull()
    const batch = await openai(t.key).files.content('file-batch')
    expect(batch.headers.get('x-aigc-label')).toContain('"Label":"1"')
  })

  it('labels container files the model wrote (source assistant) and passes the ones the client put there', async () => {
    const t = await createTenant()
    const made = await get(t, '/v1/containers/cntr_1/files/cfile-out-jpg/content')
    expect(made.status).toBe(200)
    expect(made.headers.get('content-type')).toBe('image/jpeg')
    const report = await detect(t, new Uint8Array(await made.arrayBuffer()), 'image/jpeg')
    expect(report.labels[0].signatures[0].status).toBe('valid')
    const own = await get(t, '/v1/containers/cntr_1/files/cfile-user-1/content')
    expect(await own.text()).toBe("the client's own bytes")
  })

  it('labels an Anthropic Files API download of a file a model made', async () => {
    const t = await createTenant()
    const res = await anthropic(t.key).beta.files.download('file-out-png')
    expect(res.headers.get('x-aigc-explicit')).toBe('applied')
    const report = await detect(t, new Uint8Array(await res.arrayBuffer()), 'image/png')
    expect(report.labels[0].signatures[0].status).toBe('valid')
    const paths = (await upstreamRequests(t.host)).map((r) => [r.path, r.apiKey !== undefined])
    expect(paths).toEqual([['/v1/files/file-out-png', true], ['/v1/files/file-out-png/content', true]])
  })

  it('refuses a generated file it cannot label, or cannot read, with a 502 naming the route, never the bytes', async () => {
    const t = await createTenant()
    for (const [id, why] of [['file-out-csv', /text\/csv/], ['file-out-mp4', /MP4 file, which needs a visible mark/], ['file-out-broken', /PNG file it cannot read/]] as const) {
      const res = await get(t, `/v1/files/${id}/content`)
      expect(res.status, id).toBe(502)
      const error = (await res.json<any>()).error
      expect(error.code).toBe('upstream_invalid_response')
      expect(error.message).toContain('GET /v1/files/{id}/content')
      expect(error.message, error.message).toMatch(why)
    }
  })
})
