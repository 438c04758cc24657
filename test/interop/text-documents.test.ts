/**
 * Markdown and HTML outputs read by independent parsers, not ours: the `yaml` package for
 * front matter, parse5 (the HTML standard's parsing algorithm) for pages, and exiftool for
 * the HTML meta.
 */
import { parse, serialize, serializeOuter, type DefaultTreeAdapterMap } from 'parse5'
import { describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { readLabels, writeLabel } from '../../src/formats'
import { html } from '../../src/formats/html'
import { markdown } from '../../src/formats/markdown'
import { serializeLabel, type AigcLabel } from '../../src/label/annex-e'
import { contentHash } from '../../src/label/content-hash'
import { file, run } from './tools'

type Element = DefaultTreeAdapterMap['element']
type ParentNode = DefaultTreeAdapterMap['parentNode']

const PRODUCER = '001191110000MA01ABCD2X00000'
// A ReservedCode1 with the quotes, backslashes and `'` a SecurityData value can carry.
const label: AigcLabel = {
  Label: '1',
  ContentProducer: PRODUCER,
  ProduceID: 'interop-text',
  ReservedCode1: '{"SecurityData":{"Type":"TC260PG","Note":"it\'s <&> \\\\"}}',
  ContentPropagator: PRODUCER,
  PropagateID: 'interop-text',
  ReservedCode2: '',
}
const earlier: AigcLabel = { ...label, Label: '2', ProduceID: 'earlier', PropagateID: 'earlier' }

const encode = (s: string) => new TextEncoder().encode(s)
const decode = (b: Uint8Array) => new TextDecoder().decode(b)
const sameContent = (a: Uint8Array, b: Uint8Array, format: typeof html) => expect(contentHash('SHA-256', format.content(a))).toBe(contentHash('SHA-256', format.content(b)))

const FRONT_MATTER = /^---\r?\n([\s\S]*?\r?\n)?---\r?\n/

function frontMatter(text: string): { yaml: Record<string, unknown>; body: string } {
  const match = FRONT_MATTER.exec(text)
  expect(match).not.toBeNull()
  const document = parseDocument(match![1] ?? '', { uniqueKeys: true })
  expect(document.errors.map((e) => e.message)).toEqual([])
  return { yaml: document.toJS() as Record<string, unknown>, body: text.slice(match![0].length) }
}

const AIGC_TOTAL = `---
title: "周报"
AIGC:   # written by AigcTotal
  Label: "2"
  ContentProducer: "001191110000MA01OTHER0X00000"   # the producer
  # its own ID
  ProduceID: "other-1"
  ReservedCode1: ""

  ContentPropagator: "001191110000MA01OTHER0X00000"
  PropagateID: "other-1"
  ReservedCode2: ""
tags:
  - ai
  - report
---
# 周报

正文。
`

const MARKDOWN: Record<string, { doc: string; keeps: Record<string, unknown> }> = {
  'no front matter': { doc: '# 标题\n\n正文。\n', keeps: {} },
  'front matter without a label': { doc: '---\ntitle: 样例\ntags: [a, b]\n---\n正文。\n', keeps: { title: '样例', tags: ['a', 'b'] } },
  'one-line label': {
    doc: `---\ntitle: x\nAIGC: '${serializeLabel(earlier).replaceAll("'", "''")}'\nnext: {a: 1}\n---\nbody\n`,
    keeps: { title: 'x', next: { a: 1 } },
  },
  'nested label, CRLF': {
    doc: "---\r\nAIGC:\r\n  Label: '3'\r\n  ContentProducer: 'p'\r\nlast: true\r\n---\r\nbody\r\n",
    keeps: { last: true },
  },
  'AigcTotal-style nested label with double quotes and comments': { doc: AIGC_TOTAL, keeps: { title: '周报', tags: ['ai', 'report'] } },
}

describe('Markdown front matter, read by the yaml package', () => {
  for (const [name, { doc, keeps }] of Object.entries(MARKDOWN)) {
    it(`${name}: valid YAML with one AIGC mapping of the seven fields after labelling twice, other keys and the body kept`, () => {
      const input = encode(doc)
      const once = writeLabel(input, earlier, markdown)
      const out = writeLabel(once, label, markdown)
      const text = decode(out)
      const { yaml, body } = frontMatter(text)
      expect(yaml.AIGC).toEqual(label)
      expect(Object.keys(yaml.AIGC as object)).toEqual(Object.keys(label))
      expect(yaml).toEqual({ ...keeps, AIGC: label })
      expect(text.match(/^AIGC:/gm)).toHaveLength(1)
      expect(body).toBe(FRONT_MATTER.test(doc) ? frontMatter(doc).body : doc)
      sameContent(out, input, markdown)
      expect(readLabels(out, markdown)).toMatchObject([{ label }])
    })
  }

  it('reads the AigcTotal-style label as the JSON of its fields, in their order', () => {
    const [found] = readLabels(encode(AIGC_TOTAL), markdown)
    expect(found!.raw).toBe(JSON.stringify(parseDocument(FRONT_MATTER.exec(AIGC_TOTAL)![1]!).toJS().AIGC))
    expect(found!.label).toMatchObject({ Label: '2', ProduceID: 'other-1' })
  })

  it('writes a label with tabs under AIGC (not YAML) back as valid YAML', () => {
    const out = decode(writeLabel(encode("---\nAIGC:\n\tLabel: '1'\n\tProduceID: 'x'\nkept: yes\n---\n"), label, markdown))
    expect(frontMatter(out).yaml).toEqual({ AIGC: label, kept: 'yes' })
  })
})

const elements = (node: ParentNode): Element[] => node.childNodes.filter((n): n is Element => 'tagName' in n)
const child = (node: ParentNode, tag: string) => elements(node).find((e) => e.tagName === tag)!
const attr = (e: Element, name: string) => e.attrs.find((a) => a.name === name)?.value

function parsed(bytes: Uint8Array) {
  const root = child(parse(decode(bytes)), 'html')
  return { head: child(root, 'head'), body: child(root, 'body') }
}

const aigcMetas = (head: Element) => elements(head).filter((e) => e.tagName === 'meta' && attr(e, 'name')?.toLowerCase() === 'aigc')

const PAGES: Record<string, string> = {
  'full page with charset and title': '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n<title>报告</title>\n</head>\n<body>\n<h1>报告</h1>\n<p>正文 &amp; 结论</p>\n</body>\n</html>\n',
  'no head tag': '<!doctype html>\n<html>\n<title>t</title>\n<p>正文</p>\n',
  'no html or head tag': '<!DOCTYPE html>\n<p>只有正文</p>\n',
  "another producer's labels": `<!DOCTYPE html>\n<html><head>\n<META CONTENT="${serializeLabel(earlier).replaceAll('"', '&quot;')}" NAME=aigc>\n<meta content='x' name='AIGC'>\n<script>document.write('<meta name="AIGC" content="in a script">')</script>\n</head><body><p>b</p></body></html>\n`,
  'a BOM and a comment first': '\ufeff<!-- generated -->\n<html><body><p>正文</p></body></html>\n',
  'XHTML': `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body><p>b</p></body></html>\n`,
}

describe('HTML meta, read by parse5 and exiftool', () => {
  for (const [name, page] of Object.entries(PAGES)) {
    it(`${name}: one AIGC meta in the head after labelling twice, the label as its content, the body unchanged`, () => {
      const input = encode(page)
      expect(html.detect(input)).toBe(true)
      const out = writeLabel(writeLabel(input, earlier, html), label, html)
      const { head, body } = parsed(out)
      const metas = aigcMetas(head)
      expect(metas).toHaveLength(1)
      expect(JSON.parse(attr(metas[0]!, 'content')!)).toEqual(label)
      expect(serialize(body)).toBe(serialize(parsed(input).body))
      // Everything in the head but the labels is as it was (the script's string included).
      const others = (e: Element) => elements(e).filter((m) => !aigcMetas(e).includes(m)).map((m) => serializeOuter(m))
      expect(others(head)).toEqual(others(parsed(input).head))
      sameContent(out, input, html)
    })
  }

  it('exiftool reads the meta as HTML:AIGC', () => {
    const out = writeLabel(encode(PAGES['full page with charset and title']!), label, html)
    const tags = JSON.parse(run('exiftool', ['-j', '-G1', file('labelled.html', out)]))[0]
    expect(tags['HTML:AIGC']).toBe(serializeLabel(label))
    expect(tags['HTML:Title']).toBe('报告')
  })

  it('keeps the charset declaration in the first 1024 bytes', () => {
    const page = `<!DOCTYPE html><html><head>${'<link rel="preload" href="/a.css">'.repeat(20)}<meta charset="utf-8"><title>t</title></head><body></body></html>`
    const out = decode(writeLabel(encode(page), label, html))
    expect(out.indexOf('<meta charset="utf-8">')).toBe(page.indexOf('<meta charset="utf-8">'))
  })
})
