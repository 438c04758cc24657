/**
 * MP3: the label is an ID3v2 `TXXX` frame named AIGC in the tag before the frames (id3.ts).
 * After the tag only whole MPEG Layer III frames are accepted (an ID3v1 tag may close the
 * file). The rhythm mark is LAME-encoded at the stream's rate and channel mode and joined
 * at frame boundaries; the stream's own frames are not re-encoded.
 */
import { encodeMarkFrames } from '../audio/mp3-mark'
import { aroundContent, type AudioMarkPosition } from '../audio/rhythm-mark'
import { concat, FormatError, latin1 } from './bytes'
import { id3Labels, id3Tag, labelledTag, type Tag } from './id3'
import type { CarrierFormat } from './types'

const ID3V1 = 128

interface MpegFrame {
  start: number
  end: number
  version: 1 | 2 | 2.5
  sampleRate: number
  mono: boolean
}

const BITRATES: Record<'1' | '2', number[]> = {
  1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
const SAMPLE_RATES: Record<string, number[]> = { 1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 2.5: [11025, 12000, 8000] }
const VERSIONS = [2.5, undefined, 2, 1] as const

/** The MPEG audio frame header at `at`, if it is a Layer III one. */
export function mpegFrame(bytes: Uint8Array, at: number): MpegFrame | undefined {
  if (at + 4 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1]! & 0xe0) !== 0xe0) return undefined
  const version = VERSIONS[(bytes[at + 1]! >> 3) & 3]
  const layer = (bytes[at + 1]! >> 1) & 3
  const bitrate = BITRATES[version === 1 ? 1 : 2][bytes[at + 2]! >> 4]
  const sampleRate = version ? SAMPLE_RATES[version]![(bytes[at + 2]! >> 2) & 3] : undefined
  if (!version || layer !== 1 || !bitrate || !sampleRate) return undefined
  const padding = (bytes[at + 2]! >> 1) & 1
  const length = Math.floor(((version === 1 ? 144000 : 72000) * bitrate) / sampleRate) + padding
  return { start: at, end: at + length, version, sampleRate, mono: bytes[at + 3]! >> 6 === 3 }
}

interface Stream {
  tag: Tag | undefined
  /** The MPEG frames span [audio, audioEnd); an ID3v1 tag may follow. */
  audio: number
  audioEnd: number
  first: MpegFrame
}

/** The tag, and a walk over every frame: whole Layer III frames to the end (or an ID3v1 tag). */
export function mp3Stream(bytes: Uint8Array): Stream {
  const tag = id3Tag(bytes)
  const audio = tag?.end ?? 0
  const first = mpegFrame(bytes, audio)
  if (!first) throw new FormatError(`no MPEG Layer III frame at byte ${audio}${tag ? ', after the ID3v2 tag' : ''}`)
  let at = audio
  const trailer = bytes.length - ID3V1 >= audio && latin1(bytes, bytes.length - ID3V1, bytes.length - ID3V1 + 3) === 'TAG' ? bytes.length - ID3V1 : bytes.length
  while (at < trailer) {
    const frame = mpegFrame(bytes, at)
    if (!frame) throw new FormatError(`no MPEG frame at byte ${at}: the MP3 is corrupt or carries data the gateway does not know`)
    if (frame.end > trailer) throw new FormatError(`the MPEG frame at byte ${at} is truncated`)
    at = frame.end
  }
  return { tag, audio, audioEnd: trailer, first }
}

/** Whether the first frame is a Xing/Info or VBRI header (no audio, the stream's frame count and gapless values). */
function isInfoFrame(bytes: Uint8Array, frame: MpegFrame): boolean {
  const crc = (bytes[frame.start + 1]! & 1) === 0 ? 2 : 0
  const sideInfo = frame.version === 1 ? (frame.mono ? 17 : 32) : frame.mono ? 9 : 17
  const xing = latin1(bytes, frame.start + 4 + crc + sideInfo, frame.start + 8 + crc + sideInfo)
  return xing === 'Xing' || xing === 'Info' || latin1(bytes, frame.start + 36, frame.start + 40) === 'VBRI'
}

export const mp3: CarrierFormat = {
  name: 'mp3',
  mime: 'audio/mpeg',
  types: ['audio/mp3'],
  detect: (bytes) => (bytes.length >= 3 && latin1(bytes, 0, 3) === 'ID3') || mpegFrame(bytes, 0) !== undefined,

  read(bytes) {
    return id3Labels(bytes, mp3Stream(bytes).tag, 'mp3:ID3v2:TXXX:AIGC')
  },

  write(bytes, json) {
    const { tag, audio } = mp3Stream(bytes)
    return concat([labelledTag(bytes, tag, json), bytes.subarray(audio)])
  },

  /** The file without its ID3v2 tag: every MPEG frame and an ID3v1 tag. */
  content: (bytes) => [bytes.subarray(mp3Stream(bytes).audio)],

  audibleMark(bytes, position: AudioMarkPosition) {
    const { audio, audioEnd, first } = mp3Stream(bytes)
    for (let at = audio; at < audioEnd; ) {
      const frame = mpegFrame(bytes, at)!
      if (frame.sampleRate !== first.sampleRate || frame.mono !== first.mono) throw new FormatError('the MP3 changes its sample rate or channel mode: the rhythm mark cannot be joined to it')
      at = frame.end
    }
    // The Info frame's counts and gapless values would be wrong with the mark added: it goes.
    const frames = bytes.subarray(isInfoFrame(bytes, first) ? first.end : audio, audioEnd)
    const { mark, lead } = encodeMarkFrames(first.sampleRate, first.mono ? 1 : 2)
    const encoded = mpegFrame(mark, 0)
    if (encoded?.sampleRate !== first.sampleRate || encoded.mono !== first.mono) throw new FormatError(`the rhythm mark cannot be encoded as ${first.sampleRate} Hz ${first.mono ? 'mono' : 'stereo'} MP3`)
    return concat([bytes.subarray(0, audio), ...aroundContent(frames, mark, lead, position), bytes.subarray(audioEnd)])
  },
}
