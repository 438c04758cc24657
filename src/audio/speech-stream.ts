/**
 * OpenAI's streamed speech (`stream_format: "sse"`): `speech.audio.delta` events carry base64
 * slices of the audio, `speech.audio.done` ends it. The rhythm mark goes in as deltas of its
 * own: before the first audio delta (start) and/or before `done` (end), as raw PCM (the
 * stream's 24 kHz layout) or as MP3 frames at the rate and channel mode of the stream's
 * first frame. Audio deltas are forwarded untouched. A pure reducer over events.
 */
import { Buffer } from 'node:buffer'
import { concat, FormatError } from '../formats/bytes'
import { id3Tag } from '../formats/id3'
import { mpegFrame } from '../formats/mp3'
import { StreamLabelError, type LabelReducer } from '../stream/label-stream'
import type { SseEvent } from '../stream/sse-frames'
import { isRecord } from '../guards'
import { encodeMarkFrames } from './mp3-mark'
import { encodePcm, leadingSilence, rhythmMark, type AudioMarkPosition, type PcmLayout } from './rhythm-mark'

/** Bytes of MP3 held before the first frame header shows its rate and channel mode. */
const MAX_HELD_BYTES = 64 * 1024

export interface SpeechStreamState {
  /** The stream's codec: raw PCM of this layout, or MP3. */
  codec: { pcm: PcmLayout } | 'mp3'
  /** Where the mark goes; undefined sends none (an unmark grant). */
  position: AudioMarkPosition | undefined
  /** The mark parts once the stream's layout is known: before the content and after it. */
  mark?: { before: Uint8Array; after: Uint8Array }
  /** MP3 deltas held until the first frame header is complete. */
  held: Uint8Array[]
  done: boolean
}

export const speechStreamState = (codec: SpeechStreamState['codec'], position: AudioMarkPosition | undefined): SpeechStreamState => ({ codec, position, held: [], done: false })

const delta = (audio: Uint8Array): SseEvent => ({ data: JSON.stringify({ type: 'speech.audio.delta', audio: Buffer.from(audio).toString('base64') }) })

function pcmMark(layout: PcmLayout) {
  const mark = rhythmMark(layout.sampleRate)
  return { before: encodePcm(mark, layout), after: encodePcm(leadingSilence(mark, layout.sampleRate), layout) }
}

/** The MP3 mark for the stream whose first bytes are `held`, or undefined while its first frame header is incomplete. */
function mp3Mark(held: Uint8Array) {
  let tagEnd = 0
  try {
    tagEnd = id3Tag(held)?.end ?? 0
  } catch (error) {
    if (!(error instanceof FormatError) || held.length >= MAX_HELD_BYTES) throw new StreamLabelError('the streamed MP3 does not start with a readable ID3v2 tag or MPEG frame')
    return undefined
  }
  const frame = mpegFrame(held, tagEnd)
  if (frame) {
    const { mark, lead } = encodeMarkFrames(frame.sampleRate, frame.mono ? 1 : 2)
    return { before: mark, after: lead }
  }
  if (held.length >= Math.min(MAX_HELD_BYTES, tagEnd + 4)) throw new StreamLabelError('the streamed MP3 does not start with an MPEG Layer III frame')
  return undefined
}

export const speechStreamReducer: LabelReducer<SpeechStreamState> = {
  step(state, event) {
    let message: unknown
    try {
      message = JSON.parse(event.data)
    } catch {
      return undefined
    }
    if (!isRecord(message) || state.position === undefined) return undefined
    if (message.type === 'speech.audio.delta') {
      if (typeof message.audio !== 'string') throw new StreamLabelError('a speech.audio.delta event without base64 audio')
      if (state.mark) return undefined
      if (state.codec !== 'mp3') {
        state.mark = pcmMark(state.codec.pcm)
        return state.position === 'end' ? undefined : [delta(state.mark.before), event]
      }
      state.held.push(Buffer.from(message.audio, 'base64'))
      const held = concat(state.held)
      state.mark = mp3Mark(held)
      if (!state.mark) return []
      state.held = []
      return [...(state.position === 'end' ? [] : [delta(state.mark.before)]), delta(held)]
    }
    if (message.type === 'speech.audio.done') {
      state.done = true
      if (state.held.length) throw new StreamLabelError('the streamed MP3 ended before its first frame was complete')
      if (!state.mark || state.position === 'start') return undefined
      return [delta(state.mark.after), event]
    }
    return undefined
  },

  end(state, failure) {
    const reason = failure ?? (state.done ? undefined : 'upstream closed the stream before speech.audio.done')
    if (!reason) return []
    return [{ data: JSON.stringify({ type: 'error', error: { message: reason, type: 'upstream_error', code: 'upstream_stream_incomplete' } }) }]
  },
}
