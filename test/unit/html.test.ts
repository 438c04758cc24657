import { describe, expect, it } from 'vitest'
import { html, visibleText } from '../../src/formats/html'

const encode = (s: string) => new TextEncoder().encode(s)
const decode = (b: Uint8Array) => new TextDecoder().decode(b)
const raws = (page: string) => html.read(encode(page)).map((f) => f.raw)
const content = (page: string | Uint8Array) => decode(new Uint8Array([...html.content(typeof page === 'string' ? encode(page) : page)].flatMap((part) => [...part])))

describe('HTML meta carrier', () => {
  it('sniffs a doctype or html element after a BOM, blanks, comments and an XML declaration, and nothing else', () => {
    for (const page of ['<!DOCTYPE html><p>', '\ufeff  <!-- a -->\n<!--b--><HTML lang=zh>', '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">']) expect(html.detect(encode(page)), page).toBe(true)
    for (const page of ['<p>hi</p>', '---\ntitle: x\n---\n', '<htmlx>', `<!--${' '.repeat(2000)}--><html>`]) expect(html.detect(encode(page)), page).toBe(false)
  })

  it('reads AIGC metas in any attribute order, quoting and case, references decoded', () => {
    const page = `<html><head><meta content='{"a":"it&#39;s"}' name="AIGC"><META NAME=aigc CONTENT={&quot;b&quot;:1}><meta name=" Aigc " content="&#x7B;&#125;"><meta name=description content=x></head>`
    expect(raws(page)).toEqual([`{"a":"it's"}`, '{"b":1}', '{}'])
  })

  it('takes no meta from a comment, a script, a style, a noscript or the body', () => {
    const page = `<!doctype html><head><!-- <meta name=AIGC content=1> --><script>"<meta name=AIGC content=2>"</SCRIPT ><style>a{content:"<meta name=AIGC content=3>"}</style><noscript><meta name=AIGC content=4></noscript><meta name=AIGC content=5></head><body><meta name=AIGC content=6>`
    expect(raws(page)).toEqual(['5'])
    expect(raws('<!doctype html><title>t</title><p>text</p><meta name=AIGC content=7>')).toEqual([])
    // After </head> and before the body the parser still puts a meta in the head.
    expect(raws('<html><head></head>\n<meta name=AIGC content=8><body>')).toEqual(['8'])
  })

  it('writes one meta, and the content a signature binds is the unlabelled page', () => {
    const page = '<!doctype html><html><head><meta name="AIGC" content="old"><title>t</title></head><body>b</body></html>'
    const once = html.write(encode(page), '{"Label":"1"}')
    expect(decode(once)).toBe(`<!doctype html><html><head><meta name="AIGC" content='{"Label":"1"}' /><title>t</title></head><body>b</body></html>`)
    expect(decode(html.write(once, '{"Label":"2"}'))).toBe(decode(once).replace('"1"', '"2"'))
    expect(content(once)).toBe(content(page))
    expect(content(html.write(encode('<p>x</p>'), '{}'))).toBe('<p>x</p>')
  })

  it('splices bytes: a page in another charset keeps every byte outside the meta', () => {
    const gbk = Uint8Array.from([...encode('<html><head><title>'), 0xb1, 0xa8, 0xb8, 0xe6, 0x81, 0x8d, 0x90, ...encode('</title></head><body>'), 0xd5, 0xfd, 0xce, 0xc4, ...encode('</body></html>')])
    const out = html.write(gbk, '{"Label":"1"}')
    const meta = encode(`<meta name="AIGC" content='{"Label":"1"}' />`)
    expect([...out]).toEqual([...gbk.subarray(0, 12), ...meta, ...gbk.subarray(12)])
  })

  it('puts the visible label first and last in the body, escaped, and reads the visible text back', () => {
    const out = decode(html.explicitText!(encode('\ufeff<html><head><title>t</title></head><body class=x>\n<p>正文</p>\n</body></html>'), { prefix: 'AI<生成>\n\n', suffix: '\n\nAI<生成>' }))
    expect(out).toBe('<html><head><title>t</title></head><body class=x><p data-aigc-label="">AI&lt;生成&gt;</p>\n<p>正文</p>\n<p data-aigc-label="">AI&lt;生成&gt;</p></body></html>')
    expect(visibleText(encode(out)).split('\n').filter((l) => l.trim())).toEqual(['AI<生成>', '正文', 'AI<生成>'])
  })
})
