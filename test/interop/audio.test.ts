/**
 * Audio carriers read by ffmpeg: files as ffmpeg writes them (an MP3 with an ID3v2.3 tag
 * and cover art, one with a v2.4 tag, one without, a WAV with LIST/INFO, a FLAC with a
 * picture, Ogg Vorbis, Ogg Opus, ADTS AAC with and without an ID3v2 tag) labelled twice through the pure core; ffprobe shows one
 * AIGC tag and the other tags, ffmpeg decodes with no error, and every stream decodes to
 * the same samples as before.
 */
import { describe, expect, it } from 'vitest'
import { FormatError, formatFor, readLabels, writeLabel } from '../../src/formats'
import { createLabel, serializeLabel } from '../../src/label/annex-e'
import { contentHash } from '../../src/label/content-hash'
import { file, run } from './tools'
import { readFileSync } from 'node:fs'

const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'interop-audio' })
const tone = (seconds: number, rate: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}:sample_rate=${rate}`]

/** Writes a file with ffmpeg and returns its bytes. */
export function ffmpegFile(name: string, args: string[]): Uint8Array {
  const path = file(name, new Uint8Array())
  run('ffmpeg', ['-v', 'error', '-y', ...args, path])
  return new Uint8Array(readFileSync(path))
}

const cover = () => {
  const path = file('cover.png', new Uint8Array())
  run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=16x16', '-frames:v', '1', path])
  return path
}
const meta = ['-metadata', 'title=Fixture Title', '-metadata', 'artist=Fixture Artist']
const withCover = (codec: string[]) => ['-i', cover(), '-map', '0', '-map', '1', ...codec, '-c:v', 'png', '-disposition:v', 'attached_pic']

const FILES: [name: string, args: () => string[], tagsAt: 'format' | 'stream'][] = [
  ['tagged-v23.mp3', () => [...tone(1, 44100), ...withCover(['-c:a', 'libmp3lame']), '-id3v2_version', '3', ...meta], 'format'],
  ['tagged-v24.mp3', () => [...tone(1, 22050), '-c:a', 'libmp3lame', '-ac', '2', ...meta], 'format'],
  ['untagged.mp3', () => [...tone(1, 24000), '-c:a', 'libmp3lame', '-id3v2_version', '0', '-map_metadata', '-1'], 'format'],
  ['adts.aac', () => [...tone(1, 24000), '-c:a', 'aac', '-f', 'adts'], 'format'],
  ['tagged.aac', () => [...tone(1, 44100), '-c:a', 'aac', '-f', 'adts', '-write_id3v2', '1', ...meta], 'format'],
  ['info.wav', () => [...tone(1, 16000), '-c:a', 'pcm_s16le', ...meta], 'format'],
  ['picture.flac', () => [...tone(1, 48000), ...withCover(['-c:a', 'flac']), ...meta], 'format'],
  ['vorbis.ogg', () => [...tone(1, 44100), '-c:a', 'libvorbis', ...meta], 'stream'],
  ['opus.opus', () => [...tone(1, 48000), '-c:a', 'libopus', ...meta], 'stream'],
]

function probeTags(path: string, at: 'format' | 'stream'): Record<string, string> {
  const json = JSON.parse(run('ffprobe', ['-v', 'error', '-show_entries', 'format_tags:stream_tags', '-select_streams', 'a', '-of', 'json', path]))
  const tags = at === 'format' ? json.format.tags : json.streams[0].tags
  return Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [k.toUpperCase(), v as string]))
}

/** The decoded samples of each stream, as ffmpeg's md5 muxer sums them (cover art included). */
const decodedMd5 = (path: string) => run('ffmpeg', ['-v', 'error', '-i', path, '-map', '0', '-f', 'streamhash', '-hash', 'md5', '-'])

describe('audio carriers, read by ffprobe and decoded by ffmpeg', () => {
  for (const [name, args, at] of FILES) {
    it(`${name}: one AIGC tag after labelling twice, other tags kept, same samples`, () => {
      const input = ffmpegFile(`in-${name}`, args())
      const before = file(`before-${name}`, input)
      const out = writeLabel(writeLabel(input, createLabel({ producer: 'X', produceId: 'old' })), label)
      const after = file(`after-${name}`, out)

      const tags = probeTags(after, at)
      if (!name.endsWith('.wav')) expect(tags.AIGC).toBe(serializeLabel(label))
      for (const [key, value] of Object.entries(probeTags(before, at))) if (key !== 'AIGC') expect(tags[key], key).toBe(value)
      expect(readLabels(out)).toMatchObject([{ label }])
      expect(run('ffmpeg', ['-v', 'error', '-i', after, '-f', 'null', '-'])).toBe('')
      expect(decodedMd5(after)).toBe(decodedMd5(before))
      const format = formatFor(input)
      expect(contentHash('SHA-256', format.content(out))).toBe(contentHash('SHA-256', format.content(input)))
    })
  }

  it('refuses truncated files and a 4 GB-claiming size field with a FormatError', () => {
    for (const [name, args] of FILES) {
      const input = ffmpegFile(`hostile-${name}`, args())
      expect(() => writeLabel(input.subarray(0, Math.floor(input.length / 2) + 1), label), name).toThrow(FormatError)
    }
    const wav = ffmpegFile('huge.wav', [...tone(0.2, 8000), '-c:a', 'pcm_s16le'])
    const view = new DataView(wav.buffer, wav.byteOffset)
    view.setUint32(4, 0xfffffff0, true)
    expect(() => writeLabel(wav, label)).toThrow(FormatError)
    view.setUint32(4, wav.length - 8, true)
    view.setUint32(40, 0xfffffff0, true) // the data chunk's size (fmt is 16 bytes)
    expect(() => writeLabel(wav, label)).toThrow(FormatError)
  })
})
