/**
 * The detector itself, on the recorded upstream answers as they are (unlabelled): it must
 * recognise every shape and flag every one that carries generated content, or the suite's
 * invariant would pass by not looking.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CASES } from './cases/index'
import { TEXT_LABEL, violations, type Exchange } from './invariant'

/** Recorded answers that carry nothing generated (a tool call is arguments, not text). */
const CONTENT_FREE = new Set([
  'openai-chat-tools.json',
  'openai-chat-extract-tool.json',
  'openai-responses-background-queued.json',
  'anthropic-count-tokens.json',
  'anthropic-models.json',
  'openai-file-batch-output.json',
])

function exchange(file: string, body: string | Uint8Array, headers: Record<string, string> = {}, request?: unknown): Exchange {
  const type = file.endsWith('.sse') ? 'text/event-stream' : file.endsWith('.jsonl') ? 'application/octet-stream' : 'application/json'
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  return { method: 'POST', url: 'http://gateway.test/v1/x', request, status: 200, headers: new Headers({ 'content-type': type, ...headers }), body: bytes }
}

const recorded = (file: string) => readFileSync(join(import.meta.dirname, 'cases', file), 'utf8').replaceAll('{{UPSTREAM}}', 'http://upstream.test')

describe('the invariant detector', () => {
  for (const file of new Set(CASES.map((c) => c.file))) {
    it(`${file}: ${CONTENT_FREE.has(file) ? 'nothing generated' : 'flagged when it leaves unlabelled'}`, () => {
      const found = violations(exchange(file, recorded(file)))
      expect(found.filter((p) => p.includes('unrecognised'))).toEqual([])
      if (CONTENT_FREE.has(file)) expect(found).toEqual([])
      else expect(found).toContain('generated content without an X-AIGC-Label header')
    })
  }

  const chat = (content: string) => JSON.stringify({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] })
  const labelled = { 'x-aigc-label': '{"Label":"1"}', 'x-aigc-explicit': 'applied' }

  it('passes a choice labelled once, flags one labelled twice', () => {
    expect(violations(exchange('a.json', chat(`Hello\n\n${TEXT_LABEL}`), labelled))).toEqual([])
    expect(violations(exchange('a.json', chat(`${TEXT_LABEL}\n\nHello\n\n${TEXT_LABEL}`), labelled))).toHaveLength(1)
  })

  it('flags a label put inside the JSON a request asked for, and prose passed off as structured output', () => {
    const request = { response_format: { type: 'json_object' } }
    const inside = violations(exchange('a.json', chat(`{"a":1}\n\n${TEXT_LABEL}`), labelled, request))
    expect(inside).toEqual(['$.choices[0]: the explicit label was put inside structured output'])
    const omitted = { 'x-aigc-label': '{"Label":"1"}', 'x-aigc-explicit': 'omitted', 'x-aigc-explicit-reason': 'structured-output' }
    expect(violations(exchange('a.json', chat('{"a":1}'), omitted, request))).toEqual([])
    expect(violations(exchange('a.json', chat('Sorry, in prose.'), omitted, request))).toHaveLength(1)
  })

  it('flags an image under a key it has never seen, and an image URL off the gateway', () => {
    const png = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'images', 'mark.png')).toString('base64')
    const body = JSON.stringify({ created: 1, data: [{ image_base64: png, url: 'http://upstream.test/a.png' }] })
    const found = violations(exchange('a.json', body, labelled))
    expect(found).toEqual(["$.data[0].url: an image URL that is not the gateway's: http://upstream.test/a.png", '$.data[0].image_base64: an image without the TC260 label'])
  })

  it('flags an unknown shape instead of passing it', () => {
    expect(violations(exchange('a.json', JSON.stringify({ generated: 'text' }), labelled))).toEqual(['$: an unrecognised JSON shape (keys generated)'])
    expect(violations(exchange('a.sse', 'data: {"kind":"new"}\n\n', labelled))).toEqual(['event 1: an unrecognised event (undefined)'])
  })
})
