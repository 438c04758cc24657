/**
 * The rhythm mark as MP3 frames, encoded by LAME (the pure-JS port) at the stream's sample
 * rate and channel count, to be joined to the stream's own frames without re-encoding them.
 * Its input is our own synthesised tone, of a fixed length, so the encoder never sees a
 * caller's bytes. Frames made once per rate and channel count, and kept.
 */
import { Mp3Encoder } from '@breezystack/lamejs'
import { leadingSilence, rhythmMark } from './rhythm-mark'

export interface MarkFrames {
  /** The mark then the separating silence (before content), and the silence then the mark (after). */
  mark: Uint8Array
  lead: Uint8Array
}

const cache = new Map<string, MarkFrames>()

/** 128 kbit/s at MPEG-1 rates, 64 at MPEG-2/2.5 ones: below these LAME resamples to a lower rate. */
const bitrateFor = (sampleRate: number) => (sampleRate >= 32000 ? 128 : 64)

function encode(samples: Float32Array, sampleRate: number, channels: 1 | 2): Uint8Array {
  const pcm = Int16Array.from(samples, (s) => Math.round(s * 32767))
  const encoder = new Mp3Encoder(channels, sampleRate, bitrateFor(sampleRate))
  const body = encoder.encodeBuffer(pcm, channels === 2 ? pcm : undefined)
  const tail = encoder.flush()
  const out = new Uint8Array(body.length + tail.length)
  out.set(body)
  out.set(tail, body.length)
  return out
}

export function encodeMarkFrames(sampleRate: number, channels: 1 | 2): MarkFrames {
  const key = `${sampleRate}/${channels}`
  let frames = cache.get(key)
  if (!frames) {
    const mark = rhythmMark(sampleRate)
    frames = { mark: encode(mark, sampleRate, channels), lead: encode(leadingSilence(mark, sampleRate), sampleRate, channels) }
    cache.set(key, frames)
  }
  return frames
}
