import { describe, expect, it } from 'vitest'
import { createFrameSplitter, FrameTooLargeError, lineEnding, readFrame, writeFrame } from '../../src/stream/sse-frames'

function split(text: string, at: number[]): string[] {
  const frames: string[] = []
  const splitter = createFrameSplitter((f) => frames.push(f))
  let from = 0
  for (const to of [...at, text.length]) {
    splitter.feed(text.slice(from, to))
    from = to
  }
  splitter.flush()
  return frames
}

const STREAMS = {
  lf: 'data: {"a":1}\n\n: comment\n\nevent: x\ndata: 2\ndata: 3\n\n',
  crlf: 'data: {"a":1}\r\n\r\n: comment\r\n\r\nevent: x\r\ndata: 2\r\ndata: 3\r\n\r\n',
  cr: 'data: {"a":1}\r\rid: 7\rdata: 2\r\r',
}

describe('frame splitter', () => {
  for (const [name, text] of Object.entries(STREAMS)) {
    it(`cuts ${name} streams into the same frames at every split point`, () => {
      const whole = split(text, [])
      expect(whole.join('')).toBe(text)
      for (let i = 1; i < text.length; i++) {
        for (const j of [i + 1, i + 2]) {
          const frames = split(text, j < text.length ? [i, j] : [i])
          expect(frames.join(''), `split at ${i},${j}`).toBe(text)
          // A CRLF cut after its CR may leave a lone LF as an empty frame: forwarded, no event.
          expect(frames.map(readFrame).filter(Boolean)).toEqual(whole.map(readFrame).filter(Boolean))
        }
      }
    })
  }

  it('hands over an unterminated last frame on flush', () => {
    expect(split('data: 1\n\ndata: 2', [])).toEqual(['data: 1\n\n', 'data: 2'])
  })

  it('refuses a frame beyond the cap', () => {
    const splitter = createFrameSplitter(() => {}, 100)
    expect(() => splitter.feed(`data: ${'x'.repeat(200)}`)).toThrow(FrameTooLargeError)
  })
})

describe('frame fields', () => {
  it('reads data, event, multi-line data and skips comments', () => {
    expect(readFrame('data: {"a":1}\n\n')).toEqual({ data: '{"a":1}' })
    expect(readFrame('event: x\r\ndata: 2\r\ndata: 3\r\n\r\n')).toEqual({ event: 'x', data: '2\n3' })
    expect(readFrame('data:no-space\n\n')).toEqual({ data: 'no-space' })
    expect(readFrame(': keep-alive\n\n')).toBeUndefined()
    expect(readFrame('retry: 10\n\n')).toBeUndefined()
  })

  it('writes frames in the upstream line ending', () => {
    expect(writeFrame({ event: 'e', data: 'a\nb' }, '\r\n')).toBe('event: e\r\ndata: a\r\ndata: b\r\n\r\n')
    expect(lineEnding('data: 1\r\n\r\n')).toBe('\r\n')
    expect(lineEnding('data: 1\r\r')).toBe('\r')
    expect(lineEnding('data: 1\n\n')).toBe('\n')
  })
})
