/**
 * The audible mark of GB 45438 §5.3: Morse "AI" (· − · ·) as a shaped tone, synthesised as
 * PCM at any sample rate, bit depth and channel count, and put before and/or after the
 * content with the separating silence. Pure: numbers from label/rules.ts.
 */
import { FormatError } from '../formats/bytes'
import { checkLimit } from '../limits'
import { RHYTHM_MARK_ELEMENTS, RHYTHM_MARK_SOUND } from '../label/rules'

export const AUDIO_MARK_POSITIONS = ['end', 'start', 'both'] as const
export type AudioMarkPosition = (typeof AUDIO_MARK_POSITIONS)[number]

/** A tenant's audio label: where the mark goes, and whether audio that cannot take it is refused. */
export const DEFAULT_AUDIO_MARK = { position: 'end', required: false } as const satisfies { position: AudioMarkPosition; required: boolean }

/** How PCM samples are stored: little-endian, interleaved. */
export interface PcmLayout {
  sampleRate: number
  channels: number
  bitsPerSample: number
  float: boolean
}

/** The rhythm mark followed by the separating silence, mono, as samples in [−1, 1]. */
export function rhythmMark(sampleRate: number): Float32Array {
  const { dotMs, toneHz, peakDbfs, edgeMs, separationMs } = RHYTHM_MARK_SOUND
  const samplesOf = (ms: number) => Math.round((ms * sampleRate) / 1000)
  const dot = samplesOf(dotMs)
  const edge = samplesOf(edgeMs)
  const dots = RHYTHM_MARK_ELEMENTS.reduce((n, [tone, gap]) => n + tone + gap, 0)
  const out = new Float32Array(dots * dot + samplesOf(separationMs))
  const peak = 10 ** (peakDbfs / 20)
  let at = 0
  for (const [tone, gap] of RHYTHM_MARK_ELEMENTS) {
    const length = tone * dot
    for (let i = 0; i < length; i++) {
      const fromEdge = Math.min(i, length - 1 - i)
      const envelope = fromEdge < edge ? 0.5 - 0.5 * Math.cos((Math.PI * fromEdge) / edge) : 1
      out[at + i] = peak * envelope * Math.sin((2 * Math.PI * toneHz * i) / sampleRate)
    }
    at += length + gap * dot
  }
  return out
}

/** The mark as stored PCM frames of `layout`. */
export function encodePcm(samples: Float32Array, layout: PcmLayout): Uint8Array {
  const bytes = layout.bitsPerSample / 8
  const out = new Uint8Array(samples.length * layout.channels * bytes)
  const view = new DataView(out.buffer)
  let at = 0
  for (const sample of samples) {
    for (let c = 0; c < layout.channels; c++, at += bytes) {
      if (layout.float && bytes === 4) view.setFloat32(at, sample, true)
      else if (layout.float && bytes === 8) view.setFloat64(at, sample, true)
      else if (bytes === 1) view.setUint8(at, Math.round(sample * 127) + 128)
      else if (bytes === 2) view.setInt16(at, Math.round(sample * 32767), true)
      else if (bytes === 3) {
        const v = Math.round(sample * 8388607)
        view.setUint16(at, v & 0xffff, true)
        view.setInt8(at + 2, v >> 16)
      } else view.setInt32(at, Math.round(sample * 2147483647), true)
    }
  }
  return out
}

/** Throws unless the gateway can synthesise samples of this layout. */
export function checkLayout(layout: PcmLayout): void {
  const { sampleRate, channels, bitsPerSample, float } = layout
  const supported = float ? bitsPerSample === 32 || bitsPerSample === 64 : [8, 16, 24, 32].includes(bitsPerSample)
  if (!supported) throw new FormatError(`the rhythm mark cannot be written as ${bitsPerSample}-bit ${float ? 'float' : 'integer'} PCM`)
  if (!(sampleRate >= 8000 && sampleRate <= 384000)) throw new FormatError(`the rhythm mark cannot be written at ${sampleRate} Hz`)
  if (!(channels >= 1 && channels <= 32)) throw new FormatError(`the rhythm mark cannot be written to ${channels} channels`)
}

/** The parts of the marked audio, in order: the mark where `position` puts it, around `content`. */
export function aroundContent<T>(content: T, mark: T, lead: T, position: AudioMarkPosition): T[] {
  // `lead` is the mark with its silence before it, for the end position.
  if (position === 'start') return [mark, content]
  if (position === 'end') return [content, lead]
  return [mark, content, lead]
}

/** Raw PCM with the mark: the mark at the file's own layout, silence between mark and content. */
export function markPcm(pcm: Uint8Array, layout: PcmLayout, position: AudioMarkPosition): Uint8Array[] {
  checkLayout(layout)
  const frame = (layout.bitsPerSample / 8) * layout.channels
  if (pcm.length % frame !== 0) throw new FormatError(`the PCM data (${pcm.length} bytes) is not a whole number of ${frame}-byte sample frames`)
  const mark = rhythmMark(layout.sampleRate)
  checkLimit('audioMarkBytes', mark.length * frame, 'the rhythm mark at the file\'s rate, channels and bit depth')
  // Only the parts the position needs are made: a mark at 384 kHz in 32 channels is megabytes.
  const before = position === 'end' ? new Uint8Array() : encodePcm(mark, layout)
  const after = position === 'start' ? new Uint8Array() : encodePcm(leadingSilence(mark, layout.sampleRate), layout)
  return aroundContent(pcm, before, after, position)
}

/** The mark with its separating silence moved before it (for a mark after the content). */
export function leadingSilence(mark: Float32Array, sampleRate: number): Float32Array {
  const silence = Math.round((RHYTHM_MARK_SOUND.separationMs * sampleRate) / 1000)
  const out = new Float32Array(mark.length)
  out.set(mark.subarray(0, mark.length - silence), silence)
  return out
}
