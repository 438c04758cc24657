/**
 * The rhythm mark (GB 45438 §5.3) as a listener's decoder meets it: WAV, raw PCM and MP3 at
 * 16, 22.05, 24, 44.1 and 48 kHz, mono and stereo, each position. ffmpeg decodes the marked
 * file with no error, and the envelope detector (test/audio-envelope.ts) finds · − · · where
 * the position says and nowhere else. MP3: the original frames are in the output as they
 * were (joined, not re-encoded), the Info frame gone.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AUDIO_MARK_POSITIONS, markPcm, type AudioMarkPosition } from '../../src/audio/rhythm-mark'
import { concat } from '../../src/formats/bytes'
import { mp3, mp3Stream } from '../../src/formats/mp3'
import { wav } from '../../src/formats/wav'
import { readLabels, writeLabel } from '../../src/formats'
import { createLabel } from '../../src/label/annex-e'
import { markPositions } from '../audio-envelope'
import { file } from './tools'

const RATES = [16000, 22050, 24000, 44100, 48000]
const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'interop-mark' })

/** One second of a 300 Hz tone (−18 dBFS) written by ffmpeg: the "content". */
function content(name: string, rate: number, channels: number, codec: string[]): Uint8Array {
  const path = file(name, new Uint8Array())
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=300:duration=1:sample_rate=${rate}`, '-ac', String(channels), ...codec, path])
  return new Uint8Array(readFileSync(path))
}

/** Decodes with ffmpeg to mono float samples; any message on stderr fails the test. */
function decode(input: string[]): Float32Array {
  const out = execFileSync('ffmpeg', ['-v', 'error', ...input, '-f', 'f32le', '-ac', '1', '-'], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] })
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length))
}

function expectMark(samples: Float32Array, rate: number, position: AudioMarkPosition, what: string): void {
  const { start, end, found } = markPositions(samples, rate)
  const bursts = found.map((b) => `${b.startMs}-${b.endMs}`).join(' ')
  expect(start, `${what}: mark at the start (${bursts})`).toBe(position !== 'end')
  expect(end, `${what}: mark at the end (${bursts})`).toBe(position !== 'start')
}

const contains = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0

describe('the rhythm mark, decoded by ffmpeg and found by its envelope', () => {
  for (const rate of RATES) {
    for (const channels of [1, 2]) {
      const what = `${rate} Hz, ${channels === 1 ? 'mono' : 'stereo'}`

      it(`WAV ${what}`, () => {
        const input = content(`mark-${rate}-${channels}.wav`, rate, channels, ['-c:a', 'pcm_s16le'])
        const unmarked = markPositions(decode(['-i', file(`unmarked-${rate}-${channels}.wav`, input)]), rate)
        expect([unmarked.start, unmarked.end], 'no mark before marking').toEqual([false, false])
        for (const position of AUDIO_MARK_POSITIONS) {
          const out = writeLabel(wav.audibleMark!(input, position), label)
          expect(readLabels(out)).toHaveLength(1)
          expectMark(decode(['-i', file(`marked-${rate}-${channels}-${position}.wav`, out)]), rate, position, `WAV ${what} ${position}`)
        }
      })

      it(`PCM ${what}`, () => {
        const input = content(`mark-${rate}-${channels}.pcm`, rate, channels, ['-f', 's16le', '-c:a', 'pcm_s16le'])
        for (const position of AUDIO_MARK_POSITIONS) {
          const out = concat(markPcm(input, { sampleRate: rate, channels, bitsPerSample: 16, float: false }, position))
          const path = file(`marked-${rate}-${channels}-${position}.pcm`, out)
          expectMark(decode(['-f', 's16le', '-ar', String(rate), '-ac', String(channels), '-i', path]), rate, position, `PCM ${what} ${position}`)
        }
      })

      it(`MP3 ${what}`, () => {
        const input = content(`mark-${rate}-${channels}.mp3`, rate, channels, ['-c:a', 'libmp3lame'])
        for (const position of AUDIO_MARK_POSITIONS) {
          const marked = mp3.audibleMark!(input, position)
          const out = writeLabel(marked, label)
          expect(readLabels(out)).toHaveLength(1)
          // The stream's own frames, after its Info frame, are in the output byte for byte.
          const { first, audioEnd } = mp3Stream(input)
          expect(contains(out, input.subarray(first.end, audioEnd))).toBe(true)
          expect(new TextDecoder('latin1').decode(out).includes('Info')).toBe(false)
          expectMark(decode(['-i', file(`marked-${rate}-${channels}-${position}.mp3`, out)]), rate, position, `MP3 ${what} ${position}`)
        }
      })
    }
  }
})
