/**
 * The thin stream wrapper around the frame splitter and a protocol's labeler: bytes in,
 * bytes out, one upstream chunk at a time, so time to first byte stays the upstream's.
 */
import { createFrameSplitter, FrameTooLargeError, lineEnding, readFrame, writeFrame, type SseEvent } from './sse-frames'

/** Thrown by a labeler when a frame it must change cannot be understood. */
export class StreamLabelError extends Error {}

export interface StreamLabeler {
  /**
   * Undefined forwards the frame untouched; an array replaces it with these events.
   * Image events answer asynchronously (pixels are re-encoded); text events do not.
   */
  onEvent(event: SseEvent): SseEvent[] | undefined | Promise<SseEvent[] | undefined>
  /**
   * The upstream stream ended, cleanly or with `failure`. Returns the events still owed:
   * end labels of unfinished texts, then an error event when the text was cut short.
   */
  onEnd(failure?: string): SseEvent[]
}

/**
 * A labeler as a reducer, the way the frame splitter is a state machine: `step` reads one
 * event with the state it is given and returns the events that replace it (undefined
 * forwards it untouched), `end` the events still owed. No I/O; the state is the only memory.
 */
export interface LabelReducer<S> {
  step(state: S, event: SseEvent): SseEvent[] | undefined | Promise<SseEvent[] | undefined>
  end(state: S, failure?: string): SseEvent[]
}

/** The thin wrapper: one state per stream. */
export function reducerLabeler<S>(state: S, reducer: LabelReducer<S>): StreamLabeler {
  return { onEvent: (event) => reducer.step(state, event), onEnd: (failure) => reducer.end(state, failure) }
}

export function labelEventStream(body: ReadableStream<Uint8Array>, labeler: StreamLabeler): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let eol: string | undefined
  let pending = ''
  let stopped = false
  const frames: string[] = []
  const splitter = createFrameSplitter((frame) => frames.push(frame))

  /** Labels the frames the last chunk completed, in order. */
  async function drain(): Promise<void> {
    for (const frame of frames.splice(0)) {
      if (stopped) return
      eol ??= lineEnding(frame)
      const event = readFrame(frame)
      let replacement = event && labeler.onEvent(event)
      if (replacement instanceof Promise) replacement = await replacement
      pending += replacement ? replacement.map((e) => writeFrame(e, eol!)).join('') : frame
    }
  }

  function finish(controller: ReadableStreamDefaultController<Uint8Array>, failure?: string): void {
    stopped = true
    const tail = labeler.onEnd(failure)
    pending += tail.map((e) => writeFrame(e, eol ?? '\n')).join('')
    if (pending) controller.enqueue(encoder.encode(pending))
    pending = ''
    controller.close()
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>
        try {
          chunk = await reader.read()
        } catch (error) {
          return finish(controller, `upstream stream failed: ${errorMessage(error)}`)
        }
        try {
          if (chunk.done) {
            splitter.feed(decoder.decode())
            splitter.flush()
            await drain()
            return finish(controller)
          }
          splitter.feed(decoder.decode(chunk.value, { stream: true }))
          await drain()
        } catch (error) {
          if (!(error instanceof StreamLabelError || error instanceof FrameTooLargeError)) throw error
          await reader.cancel(error).catch(() => {})
          return finish(controller, error.message)
        }
        if (pending) {
          controller.enqueue(encoder.encode(pending))
          pending = ''
          return
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
