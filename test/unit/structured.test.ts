import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { LIMITS } from '../../src/limits'
import { chatCompletions, anthropicMessages, responses } from '../../src/protocols'
import { sniffBase64Image } from '../../src/protocols/media'
import { fixture } from '../fixtures'

describe('structured output checks', () => {
  const check = (request: Record<string, unknown>) => chatCompletions.structuredCheck(request)

  it('asks nothing of a prose request', () => {
    expect(check({ messages: [] })).toBeUndefined()
    expect(check({ response_format: { type: 'text' } })).toBeUndefined()
    expect(check({ guided_grammar: 'root ::= "x"' })).toBeUndefined()
  })

  it('holds each kind of request to what it asked for', () => {
    expect(check({ response_format: { type: 'json_object' } })!('[1]')).toBe(false)
    expect(check({ response_format: { type: 'json_object' } })!('{"a":1}')).toBe(true)
    expect(check({ response_format: { type: 'json_schema' } })!('Sure! {"a":1}')).toBe(false)
    expect(check({ structured_outputs: { json: {} } })!('[1]')).toBe(true)
    expect(check({ structured_outputs: { regex: 'a+' } })!('aaa')).toBe(true)
    expect(check({ structured_outputs: { regex: 'a+' } })!('aaab')).toBe(false)
    expect(check({ extra_body: { guided_choice: ['x'] } })!('x')).toBe(true)
    expect(check({ extra_body: { response_format: { type: 'json_object' } } })!('nope')).toBe(false)
    expect(responses.structuredCheck({ text: { format: { type: 'json_schema' } } })!('{"ok":true}')).toBe(true)
  })

  it('labels when it cannot tell: a regex JavaScript cannot compile, an answer beyond the limit', () => {
    expect(check({ guided_regex: '(?P<name>a)' })!('a')).toBe(false)
    const long = `[${'1,'.repeat(LIMITS.structuredAnswerChars.max / 2)}1]`
    expect(check({ guided_json: {} })!(long)).toBe(false)
  })

  it('reads an Anthropic prefill, string or blocks, and checks prefill and continuation together', () => {
    const prefill = (content: unknown) => anthropicMessages.structuredCheck({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content }] })
    expect(prefill('{')!('"a":1}')).toBe(true)
    expect(prefill([{ type: 'text', text: '[' }])!('1,2]')).toBe(true)
    expect(prefill('{')!('Sorry, I cannot')).toBe(false)
    expect(prefill('Here is')).toBeUndefined()
  })
})

describe('images in base64 strings', () => {
  it('tells labelled formats, other images and ordinary text apart', () => {
    const png = Buffer.from(fixture('mark.png')).toString('base64')
    expect(sniffBase64Image(png)).toBe('label')
    expect(sniffBase64Image(`data:image/png;base64,${png}`)).toBe('label')
    expect(sniffBase64Image(Buffer.concat([Buffer.from('BM'), Buffer.alloc(62)]).toString('base64'))).toBe('refuse')
    expect(sniffBase64Image('一只在窗台上晒太阳的橘猫，油画风格。'.repeat(8))).toBeUndefined()
    expect(sniffBase64Image(Buffer.alloc(96, 7).toString('base64'))).toBeUndefined()
  })
})
