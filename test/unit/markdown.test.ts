import { describe, expect, it } from 'vitest'
import { markdown } from '../../src/formats/markdown'

const encode = (s: string) => new TextEncoder().encode(s)
const decode = (b: Uint8Array) => new TextDecoder().decode(b)

describe('Markdown front matter', () => {
  it('reads an AIGC line of 160,000 blanks in one pass (the regex took minutes)', () => {
    const doc = `---\nAIGC:${' '.repeat(80_000)}x${' '.repeat(80_000)}y   \n---\nbody\n`
    expect(markdown.read(encode(doc))).toEqual([{ carrier: 'markdown:front-matter:AIGC', form: 'text', raw: `x${' '.repeat(80_000)}y` }])
    expect(markdown.read(markdown.write(encode(doc), '{"Label":"1"}'))).toMatchObject([{ raw: '{"Label":"1"}' }])
  })

  it('finds the closing delimiter after 80,000 lines', () => {
    const doc = `---\n${'k: v\n'.repeat(80_000)}AIGC: '{"Label":"2"}'\n...  \nbody\n`
    expect(markdown.read(encode(doc))).toMatchObject([{ raw: '{"Label":"2"}' }])
    expect(decode([...markdown.content(encode(doc))][0]!)).toBe('body\n')
  })

  it('reads the guide form, a nested mapping, and writes it again in place', () => {
    const doc = "---\r\ntitle: x\r\nAIGC:\r\n  Label: '1'\r\n  ContentProducer: \"P\"\r\n  ProduceID: abc\r\nother: y\r\n---\r\nbody\r\n"
    expect(markdown.read(encode(doc))).toMatchObject([{ raw: '{"Label":"1","ContentProducer":"P","ProduceID":"abc"}' }])
    expect(decode(markdown.write(encode(doc), '{"Label":"1","ProduceID":"it\'s"}'))).toBe("---\r\ntitle: x\r\nAIGC:\r\n  Label: '1'\r\n  ProduceID: 'it''s'\r\nother: y\r\n---\r\nbody\r\n")
  })

  it('reads nested entries with comments, blank lines, tabs and plain or double-quoted values', () => {
    const doc = '---\nAIGC: # the label\n  # producer first\n  Label: "1" # one\n\n\tContentProducer: P\n# a comment at the margin\n  \'ProduceID\': \'a # b\'\nnext: z\n---\n'
    expect(markdown.read(encode(doc)).map((f) => f.raw)).toEqual(['{"Label":"1","ContentProducer":"P","ProduceID":"a # b"}'])
    expect(decode(markdown.write(encode(doc), '{"Label":"2"}'))).toBe("---\nAIGC:\n  Label: '2'\nnext: z\n---\n")
  })

  it('reads a one-line label folded over indented lines and block scalars, and replaces all of their lines', () => {
    const folded = `---\nAIGC: '{"Label":"1",\n  "ProduceID":"x"}'\na: b\n---\n`
    const block = `---\nAIGC: |\n  {"Label":"1",\n   "ProduceID":"x"}\na: b\n---\n`
    expect(markdown.read(encode(folded)).map((f) => JSON.parse(f.raw))).toEqual([{ Label: '1', ProduceID: 'x' }])
    expect(markdown.read(encode(block)).map((f) => JSON.parse(f.raw))).toEqual([{ Label: '1', ProduceID: 'x' }])
    for (const doc of [folded, block]) expect(decode(markdown.write(encode(doc), '{"Label":"3"}'))).toBe("---\nAIGC:\n  Label: '3'\na: b\n---\n")
  })

  it('keeps the one-line form for a value that is not a flat object of strings', () => {
    expect(decode(markdown.write(encode('body\n'), '{"AIGC":{"Label":"1"}}'))).toBe(`---\nAIGC: '{"AIGC":{"Label":"1"}}'\n---\nbody\n`)
    expect(decode(markdown.write(encode('body\n'), '{"Label":"a\\nb"}'))).toBe(`---\nAIGC: '{"Label":"a\\nb"}'\n---\nbody\n`)
  })

  it("adds a first label after the front matter's lines, so an indented line it opens with stays outside (fuzz case)", () => {
    const out = markdown.write(encode("---\n  Label: '2'\ntitle: x\n---\nbody\n"), '{"Label":"1"}')
    expect(decode(out)).toBe("---\n  Label: '2'\ntitle: x\nAIGC:\n  Label: '1'\n---\nbody\n")
    expect(markdown.read(out).map((f) => f.raw)).toEqual(['{"Label":"1"}'])
  })

  it('keeps one label when the front matter held several', () => {
    const doc = `---\nAIGC: '{"Label":"3"}'\na: b\nAIGC: "{\\"Label\\":\\"2\\"}"\n---\n`
    expect(markdown.read(encode(doc)).map((f) => f.raw)).toEqual(['{"Label":"3"}', '{"Label":"2"}'])
    expect(decode(markdown.write(encode(doc), '{"Label":"1"}'))).toBe(`---\nAIGC:\n  Label: '1'\na: b\n---\n`)
  })
})
