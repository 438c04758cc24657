/**
 * Text documents through the gateway: Markdown in the TC260 nested form, HTML with its
 * meta, plain text kept as text/plain; the answer's type, the label header, detect, and
 * the signature that binds what a reader reads.
 */
import { describe, expect, it } from 'vitest'
import { concat } from '../src/formats/bytes'
import { createTenant, gateway, PROVIDER, type TestTenant } from './helpers'

const TEXT_LABEL = '本内容由人工智能生成'

interface Report {
  format: string
  labelled: boolean
  labels: { raw: string; fields?: Record<string, string>; signatures: { status: string }[] }[]
  explicit?: { found: boolean; text?: string }
}

const encode = (s: string) => new TextEncoder().encode(s)
const decode = (b: Uint8Array) => new TextDecoder().decode(b)

async function label(t: TestTenant, body: string, type: string, query = '') {
  const res = await gateway(`/v1/aigc/label${query}`, { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': type }, body: encode(body) })
  expect(res.status, await res.clone().text()).toBe(200)
  return { res, text: decode(new Uint8Array(await res.arrayBuffer())) }
}

async function detect(t: TestTenant, body: string, type: string): Promise<Report> {
  const res = await gateway('/v1/aigc/detect', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': type }, body: encode(body) })
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as Report
}

const statuses = (report: Report) => report.labels.flatMap((l) => l.signatures.map((s) => s.status))

const DOCUMENTS = [
  { name: 'Markdown', type: 'text/markdown', body: '---\ntitle: 报告\n---\n# 报告\n\n正文第一段。\n', edit: (s: string) => s.replace('正文第一段', '改过的正文') },
  { name: 'HTML', type: 'text/html', body: '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>报告</title>\n</head>\n<body>\n<p>正文第一段。</p>\n</body>\n</html>\n', edit: (s: string) => s.replace('正文第一段', '改过的正文') },
  { name: 'plain text', type: 'text/plain', body: '正文第一段。\n', edit: (s: string) => s.replace('正文第一段', '改过的正文') },
]

describe('text documents through /v1/aigc/label and /detect', () => {
  for (const { name, type, body, edit } of DOCUMENTS) {
    it(`${name}: answered as ${type}, the header's label is the file's, detected labelled with a valid signature, an edit is content-changed`, async () => {
      const t = await createTenant()
      const { res, text } = await label(t, body, type, '?mark=implicit')
      // Markdown and text are UTF-8 and say so; HTML keeps the header as sent (its bytes keep their charset).
      expect(res.headers.get('content-type')).toBe(type === 'text/html' ? type : `${type}; charset=utf-8`)
      expect(res.headers.get('x-aigc-explicit')).toBe('omitted')
      const report = await detect(t, text, type)
      expect(report).toMatchObject({ labelled: true, labels: [{ fields: { ContentProducer: PROVIDER } }] })
      expect(report.labels).toHaveLength(1)
      expect(JSON.parse(report.labels[0]!.raw)).toEqual(JSON.parse(res.headers.get('x-aigc-label')!))
      expect(statuses(report)).toEqual(['valid'])
      expect(text).toContain(body.includes('---') ? '# 报告\n\n正文第一段。\n' : '正文第一段。')
      expect(statuses(await detect(t, edit(text), type))).toEqual(['content-changed'])
    })
  }

  it('writes Markdown in the TC260 nested form, and detect reads it as JSON and as raw text', async () => {
    const t = await createTenant()
    const { text } = await label(t, '# 标题\n', 'text/markdown', '?mark=implicit')
    expect(text).toMatch(/^---\nAIGC:\n  Label: '1'\n  ContentProducer: '001191110000MA01ABCD2X00000'\n  ProduceID: '[^']+'\n  ReservedCode1: '\{"SecurityData":/)
    const asJson = await detect(t, JSON.stringify({ text }), 'application/json')
    expect(asJson).toMatchObject({ format: 'markdown', labelled: true })
    expect(statuses(asJson)).toEqual(['valid'])
    expect(statuses(await detect(t, text, 'text/markdown'))).toEqual(['valid'])
  })

  it("reads an AigcTotal-style nested label (double quotes, comments) as another producer's, and labels over it once", async () => {
    const t = await createTenant()
    const doc = '---\nAIGC:  # AigcTotal\n  Label: "2"\n  ContentProducer: "001191110000MA01OTHER0X00000"\n  ProduceID: "other-1"\n  ReservedCode1: ""\n  ContentPropagator: "001191110000MA01OTHER0X00000"\n  PropagateID: "other-1"\n  ReservedCode2: ""\ntitle: x\n---\nbody\n'
    const report = await detect(t, JSON.stringify({ text: doc }), 'application/json')
    expect(report).toMatchObject({ labelled: true, labels: [{ fields: { Label: '2', ProduceID: 'other-1' } }] })
    const { text } = await label(t, doc, 'text/markdown', '?mark=implicit')
    expect(text.match(/^AIGC:/gm)).toHaveLength(1)
    expect(text).toContain('\ntitle: x\n---\nbody\n')
    expect((await detect(t, text, 'text/markdown')).labels).toHaveLength(1)
  })

  it('answers an unlabelled HTML page with 200 and labelled false, and reads a meta another producer wrote', async () => {
    const t = await createTenant()
    expect(await detect(t, '<!doctype html><title>x</title><p>hi</p>', 'text/html')).toMatchObject({ format: 'html', labelled: false, labels: [] })
    const foreign = '{"Label":"3","ContentProducer":"acme","ProduceID":"a1","ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}'
    const page = `<!doctype html><head><META NAME=aigc CONTENT="${foreign.replaceAll('"', '&quot;')}"></head><p>hi</p>`
    expect(await detect(t, page, 'text/html')).toMatchObject({ labelled: true, labels: [{ raw: foreign, fields: { Label: '3' } }] })
  })

  for (const [type, body] of [
    ['text/html', '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>t</title></head><body>\n<p>正文。</p>\n</body></html>\n'],
    ['text/markdown', '# 标题\n\n正文。\n'],
  ] as const) {
    it(`${type} by default: the tenant's text label in the body, found by detect`, async () => {
      const t = await createTenant({ labels: { text: { text: 'AI生成内容', position: 'both' } } })
      const { res, text } = await label(t, body, type)
      expect(res.headers.get('x-aigc-explicit')).toBe('applied')
      const report = await detect(t, text, type)
      expect(report).toMatchObject({ labelled: true, explicit: { found: true, text: 'AI生成内容' } })
      expect(statuses(report)).toEqual(['valid'])
      if (type === 'text/html') {
        expect(text).toContain('<body><p data-aigc-label="">AI生成内容</p>\n<p>正文。</p>\n<p data-aigc-label="">AI生成内容</p></body>')
      } else {
        expect(text.endsWith('\nAI生成内容\n\n# 标题\n\n正文。\n\n\nAI生成内容')).toBe(true)
      }
    })
  }

  it('the default tenant label lands in an HTML body as the last paragraph: as UTF-8 where the page says it is UTF-8, as references where it does not', async () => {
    const t = await createTenant()
    const { text } = await label(t, '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>x</p></body></html>', 'text/html')
    expect(text).toContain(`<p>x</p><p data-aigc-label="">${TEXT_LABEL}</p></body>`)
    const undeclared = await label(t, '<!DOCTYPE html><html><body><p>x</p></body></html>', 'text/html; charset=gb18030')
    expect(undeclared.text).toContain(`<p>x</p><p data-aigc-label="">${[...TEXT_LABEL].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join('')}</p></body>`)
    expect(undeclared.res.headers.get('content-type')).toBe('text/html; charset=gb18030')
  })

  it('refuses a UTF-16 page (its byte offsets would cut characters) with a 422', async () => {
    const t = await createTenant()
    const page = new Uint8Array([0xff, 0xfe, ...Array.from('<html></html>', (c) => [c.charCodeAt(0), 0]).flat()])
    const res = await gateway('/v1/aigc/label', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'text/html' }, body: page })
    expect(res.status).toBe(422)
  })

  it('labels a GBK page in its own charset (the visible label as numeric references) and refuses non-UTF-8 Markdown rather than re-encode it', async () => {
    const t = await createTenant()
    // 你好 in GBK, declared by the page and the header.
    const page = concat([encode('<!DOCTYPE html><html><head><meta charset="gbk"></head><body><p>'), new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]), encode('</p></body></html>')])
    const res = await gateway('/v1/aigc/label', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'text/html; charset=gbk' }, body: page })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=gbk')
    const out = new Uint8Array(await res.arrayBuffer())
    const latin = Array.from(out, (b) => String.fromCharCode(b)).join('')
    expect(latin).toContain('\xc4\xe3\xba\xc3')
    expect(latin).toContain(`<p data-aigc-label="">${[...TEXT_LABEL].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join('')}</p>`)
    expect(out.every((b, i) => b < 0x80 || latin.indexOf('\xc4\xe3\xba\xc3') <= i && i < latin.indexOf('\xc4\xe3\xba\xc3') + 4)).toBe(true)

    const markdown = concat([encode('---\ntitle: x\n---\n'), new Uint8Array([0xc4, 0xe3, 0xba, 0xc3])])
    const refused = await gateway('/v1/aigc/label', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'text/markdown' }, body: markdown })
    expect(refused.status).toBe(422)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/not UTF-8/)
  })

  it('refuses an HTML page over its budget with a 413 naming html_bytes', async () => {
    const t = await createTenant()
    const page = '<!DOCTYPE html><html><body>' + '<b>x</b>'.repeat(1.1 * 1024 * 1024) + '</body></html>'
    const res = await gateway('/v1/aigc/label', { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'text/html' }, body: encode(page) })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('html_bytes')
  })
})
