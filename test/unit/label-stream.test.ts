import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { affixesFor, labelText, type TextLabelPosition } from '../../src/label/explicit-text'
import { anthropicMessages, chatCompletions, responses, type LabelOptions, type MediaLabeller, type TextProtocol } from '../../src/protocols'
import { labelEventStream } from '../../src/stream/label-stream'
import { ANSWER, buildAnswer, sseText } from '../mock-upstream/server'

const LABEL = '本内容由AI生成'

/** Pushes `text` through the labeler in `size`-byte chunks; returns the events an independent parser sees. */
async function run(protocol: TextProtocol, path: string, scenario: string, position: TextLabelPosition, size: number, body = {}, options?: LabelOptions) {
  const bytes = new TextEncoder().encode(sseText(buildAnswer(path, { stream: true, ...body }, scenario)!.frames, scenario))
  const upstream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let at = 0; at < bytes.length; at += size) c.enqueue(bytes.slice(at, at + size))
      c.close()
    },
  })
  const affixes = affixesFor({ text: LABEL, position })
  const out = labelEventStream(upstream, protocol.streamLabeler(affixes, body, options))
  const events: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (e) => events.push(e) })
  const decoder = new TextDecoder()
  let raw = ''
  for await (const chunk of out as unknown as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(chunk, { stream: true })
    raw += text
    parser.feed(text)
  }
  return { events, raw, expected: labelText(ANSWER, affixes) }
}

const SIZES = [1, 2, 3, 5, 7, 64, 4096]

describe('chat completions stream', () => {
  for (const position of ['start', 'end', 'both'] as const) {
    it(`labels at the ${position} whatever the chunking`, async () => {
      for (const size of SIZES) {
        const { events, expected } = await run(chatCompletions, '/chat/completions', 'plain', position, size)
        const chunks = events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data))
        const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
        expect(text, `chunk size ${size}`).toBe(expected)
        expect(events.at(-1)?.data).toBe('[DONE]')
        // The end label comes before the finishing chunk, never after it.
        const finish = chunks.findIndex((c) => c.choices[0]?.finish_reason)
        expect(chunks.slice(finish + 1).some((c) => c.choices[0]?.delta?.content)).toBe(false)
      }
    })
  }

  it('keeps CRLF, comments and retry lines byte for byte', async () => {
    const { raw } = await run(chatCompletions, '/chat/completions', 'crlf', 'end', 5)
    expect(raw.startsWith(': keep-alive\r\n\r\nretry: 3000\r\n\r\n')).toBe(true)
    expect(raw).toContain(': ping\r\n\r\n')
    expect(raw).not.toMatch(/[^\r]\n/)
  })

  it('labels each of n choices', async () => {
    const { events, expected } = await run(chatCompletions, '/chat/completions', 'plain', 'both', 3, { n: 3 })
    const texts = ['', '', '']
    for (const e of events.filter((e) => e.data !== '[DONE]')) {
      for (const c of JSON.parse(e.data).choices) texts[c.index] += c.delta?.content ?? ''
    }
    expect(texts).toEqual([expected, expected, expected])
  })

  it('ends a cut stream with the end label and an error event', async () => {
    const { events } = await run(chatCompletions, '/chat/completions', 'cut', 'end', 7)
    const last = JSON.parse(events.at(-1)!.data)
    expect(last.error.code).toBe('upstream_stream_incomplete')
    expect(JSON.parse(events.at(-2)!.data).choices[0].delta.content).toBe(`\n\n${LABEL}`)
  })

  it('stops at a malformed frame with the label and an error, and forwards nothing after it', async () => {
    const { events, raw } = await run(chatCompletions, '/chat/completions', 'malformed', 'end', 5)
    expect(raw).not.toContain('broken')
    expect(JSON.parse(events.at(-1)!.data).error.message).toMatch(/not a JSON object/)
    expect(JSON.parse(events.at(-2)!.data).choices[0].delta.content).toContain(LABEL)
  })
})

describe('responses stream', () => {
  it('makes deltas, done events and the completed response agree, with sequence numbers in order', async () => {
    for (const size of SIZES) {
      const { events, expected } = await run(responses, '/responses', 'plain', 'both', size)
      const data = events.map((e) => JSON.parse(e.data))
      expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i))
      expect(events.every((e, i) => e.event === data[i].type)).toBe(true)
      const deltas = data.filter((d) => d.type === 'response.output_text.delta').map((d) => d.delta).join('')
      expect(deltas).toBe(expected)
      expect(data.find((d) => d.type === 'response.output_text.done').text).toBe(expected)
      expect(data.find((d) => d.type === 'response.content_part.done').part.text).toBe(expected)
      const item = data.findLast((d) => d.type === 'response.output_item.done').item
      expect(item.content[0].text).toBe(expected)
      const completed = data.at(-1)
      expect(completed.type).toBe('response.completed')
      expect(completed.response.output[1].content[0].text).toBe(expected)
      // The citation still points at the same characters after the prefix.
      expect(completed.response.output[1].content[0].annotations[0].start_index).toBe(LABEL.length + 2)
    }
  })

  it('leaves function-call arguments alone', async () => {
    const { events } = await run(responses, '/responses', 'tools', 'both', 3)
    expect(events.map((e) => e.data).join('')).not.toContain(LABEL)
  })
})

describe('anthropic messages stream', () => {
  it('labels the text block, not thinking or tool input', async () => {
    for (const size of SIZES) {
      const { events, expected } = await run(anthropicMessages, '/messages', 'plain', 'both', size)
      const data = events.map((e) => JSON.parse(e.data))
      const text = data.filter((d) => d.delta?.type === 'text_delta').map((d) => d.delta.text).join('')
      expect(text).toBe(expected)
      expect(data.filter((d) => d.delta?.type === 'thinking_delta').map((d) => d.delta.thinking).join('')).not.toContain(LABEL)
      // The label is inside the text block: before its stop event.
      const stop = data.findIndex((d) => d.type === 'content_block_stop' && d.index === 1)
      expect(data.slice(stop).some((d) => d.delta?.type === 'text_delta')).toBe(false)
    }
  })

  it('gives the end label its own text block when the message ends on a tool call', async () => {
    const { events } = await run(anthropicMessages, '/messages', 'tools-text', 'end', 5)
    const data = events.map((e) => JSON.parse(e.data))
    const starts = data.filter((d) => d.type === 'content_block_start').map((d) => [d.index, d.content_block.type])
    expect(starts).toEqual([[0, 'thinking'], [1, 'text'], [2, 'tool_use'], [3, 'text']])
    expect(data.find((d) => d.type === 'content_block_delta' && d.index === 3).delta.text).toBe(`\n\n${LABEL}`)
    expect(data.find((d) => d.delta?.type === 'input_json_delta').delta.partial_json).toBe('{"city":"北京"}')
  })
})

describe('content parts and generated images in streams', () => {
  it('labels text parts whatever the chunking, never thinking parts', async () => {
    for (const size of SIZES) {
      const { events, expected } = await run(chatCompletions, '/chat/completions', 'parts', 'both', size)
      const parts = events.filter((e) => e.data !== '[DONE]').flatMap((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? [])
      const text = parts.filter((p: any) => p.type === 'text').map((p: any) => p.text).join('')
      expect(text, `chunk size ${size}`).toBe(expected)
      expect(JSON.stringify(parts.filter((p: any) => p.type === 'thinking'))).not.toContain(LABEL)
    }
  })

  const RAW_IMAGE = 'UkFXSU1BR0U='

  /** Stands in for the image labeller: records what it saw, returns marked base64. */
  function fakeMedia() {
    const seen: string[] = []
    const media: MediaLabeller = {
      async image(base64, item) {
        seen.push(item)
        return { base64: `TEFCRUw${seen.length}`, label: { ProduceID: `${item}-label` } as never, c2pa: { action: 'none' as const } }
      },
    }
    return { media, seen }
  }

  it('hands every image event of a Responses stream to the media labeller and keeps the events in agreement', async () => {
    for (const size of [7, 4096]) {
      const { media, seen } = fakeMedia()
      const { events } = await run(responses, '/responses', 'image-tool', 'end', size, { mock_image: RAW_IMAGE }, { media })
      const data = events.map((e) => JSON.parse(e.data))
      expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i))
      expect(data.find((d) => d.type === 'response.image_generation_call.partial_image')).toMatchObject({ partial_image_b64: 'TEFCRUw1', aigc: { ProduceID: 'ig_1-label' } })
      const done = data.find((d) => d.type === 'response.output_item.done' && d.item.type === 'image_generation_call')
      expect(done.item.result).toBe('TEFCRUw2')
      // The completed response repeats the final image: labelled once, given back the same.
      expect(data.at(-1).response.output[0].result).toBe('TEFCRUw2')
      expect(seen).toEqual(['ig_1', 'ig_1'])
    }
  })

  it('ends a Responses stream with an error instead of an image it has no labeller for', async () => {
    const { events, raw } = await run(responses, '/responses', 'image-tool', 'end', 64, { mock_image: RAW_IMAGE })
    expect(raw).not.toContain(RAW_IMAGE)
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ type: 'error', code: 'upstream_stream_incomplete' })
  })
})
