/**
 * The rhythm mark as MP3 frames, encoded by LAME (the pure-JS port) at the stream's sample
 * rate and channel count, to be joined to the stream's own frames without re-encoding them.
 * Its input is our own synthesised tone, of a fixed length, so the encoder never sees a
 * caller's bytes. Frames made once per rate and channel count, and kept.
 */
import { Mp3Encoder } from '@breezystack/lamejs'
import { RHYTHM_MARK_SOUND } from '../label/rules'
import { concat } from '../formats/bytes'
import { rhythmMark } from './rhythm-mark'

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
  // The port answers Int8Arrays whatever its types say; copying into bytes keeps the bits.
  return concat([new Uint8Array(body.buffer, body.byteOffset, body.length), new Uint8Array(tail.buffer, tail.byteOffset, tail.length)])
}

/**
 * The tones and the silence are encoded apart and put in either order (this port runs LAME
 * with its bit reservoir off, so no frame borrows from the one before): half the encoding
 * of two whole marks, a few hundred ms of CPU per rate and channel count, once per
 * isolate. LAME's delay and padding lengthen the silence by some tens of milliseconds.
 */
export function encodeMarkFrames(sampleRate: number, channels: 1 | 2): MarkFrames {
  const key = `${sampleRate}/${channels}`
  let frames = cache.get(key)
  if (!frames) {
    const mark = rhythmMark(sampleRate)
    const silence = Math.round((RHYTHM_MARK_SOUND.separationMs * sampleRate) / 1000)
    const tones = encode(mark.subarray(0, mark.length - silence), sampleRate, channels)
    const gap = encode(new Float32Array(silence), sampleRate, channels)
    frames = { mark: concat([tones, gap]), lead: concat([gap, tones]) }
    cache.set(key, frames)
  }
  return frames
}
