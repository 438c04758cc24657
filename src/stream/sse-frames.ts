/**
 * Server-sent events at the frame level: a pure state machine that cuts decoded text into
 * whole frames, and helpers to read and write one frame.
 *
 * We do not use eventsource-parser here: it hands back parsed fields, while a rewriting
 * proxy must forward the frames it leaves alone byte for byte (CRLF, comments, `id:` and
 * `retry:` lines, keep-alives) and only rebuild the few frames it changes.
 */

export interface SseEvent {
  event?: string
  data: string
}

export interface FrameSplitter {
  /** Adds decoded text; calls onFrame for every frame it completes. */
  feed(text: string): void
  /** End of input: hands over an unterminated last frame, if any. */
  flush(): void
}

export class FrameTooLargeError extends Error {}

/**
 * A frame ends at an empty line. Lines end in CRLF, LF or a lone CR (WHATWG HTML
 * §9.2.6), so the terminator is two line ends in a row, where `\r\n` counts as one.
 */
const FRAME_END = /(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r(?!\n))/g

export function createFrameSplitter(
  onFrame: (frame: string) => void,
  maxFrameLength = 8 * 1024 * 1024,
): FrameSplitter {
  let buffer = ''

  return {
    feed(text) {
      // A terminator can straddle chunks: rescan the last three characters we already had.
      FRAME_END.lastIndex = Math.max(0, buffer.length - 3)
      buffer += text
      let start = 0
      for (let match = FRAME_END.exec(buffer); match; match = FRAME_END.exec(buffer)) {
        const end = match.index + match[0].length
        onFrame(buffer.slice(start, end))
        start = end
      }
      buffer = start === 0 ? buffer : buffer.slice(start)
      if (buffer.length > maxFrameLength) {
        throw new FrameTooLargeError(`an event-stream frame exceeded ${maxFrameLength} characters`)
      }
    },
    flush() {
      if (buffer !== '') onFrame(buffer)
      buffer = ''
    },
  }
}

/**
 * Reads the `event` and `data` fields of one frame. Comment-only and empty frames
 * (keep-alives) give undefined.
 */
export function readFrame(frame: string): SseEvent | undefined {
  // Fast path: the common single-line `data: …` frame.
  if (frame.startsWith('data: ')) {
    const end = lineEnd(frame, 6)
    if (isBlankTail(frame, end)) return { data: frame.slice(6, end) }
  }
  let event: string | undefined
  let data: string | undefined
  for (const line of frame.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`
  }
  if (data === undefined) return undefined
  return event === undefined ? { data } : { event, data }
}

/** Serialises an event with the line ending the upstream used. */
export function writeFrame({ event, data }: SseEvent, eol: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}${eol}`)
  return (event === undefined ? '' : `event: ${event}${eol}`) + lines.join('') + eol
}

/** The line ending a frame uses (CRLF, LF or CR). */
export function lineEnding(frame: string): string {
  const i = frame.search(/[\r\n]/)
  if (i === -1 || frame[i] === '\n') return '\n'
  return frame[i + 1] === '\n' ? '\r\n' : '\r'
}

function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10 || c === 13) return i
  }
  return text.length
}

/** True when everything from `i` on is line endings only. */
function isBlankTail(text: string, i: number): boolean {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 10 && c !== 13) return false
  }
  return true
}
