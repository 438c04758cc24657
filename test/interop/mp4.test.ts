import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FormatError, formatFor, readLabels, writeLabel } from '../../src/formats'
import { createLabel, serializeLabel } from '../../src/label/annex-e'
import { contentHash } from '../../src/label/content-hash'
import { file, run } from './tools'

// Files written by ffmpeg (see test/fixtures/video): moov last, faststart (moov first),
// an M4A, a MOV, and an MP4 that already carries an AIGC key beside a title.
const video = (name: string) => new Uint8Array(readFileSync(join('test/fixtures/video', name)))
const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'interop-mp4' })

const ffprobeTags = (path: string): Record<string, string> =>
  JSON.parse(run('ffprobe', ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', path])).format.tags ?? {}
const streamMd5 = (path: string) => run('ffmpeg', ['-v', 'error', '-i', path, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'])
  .split('\n').filter((line) => line && !line.startsWith('#')).join('\n')

describe('MP4 / MOV / M4A carrier, read by ffmpeg and mediainfo', () => {
  for (const name of ['moov-last.mp4', 'faststart.mp4', 'audio.m4a', 'clip.mov', 'keys.mp4']) {
    it(`${name}: one AIGC tag after labelling twice, other tags kept, media packets identical`, () => {
      const input = video(name)
      const before = file(`before-${name}`, input)
      const once = writeLabel(input, createLabel({ producer: 'X', produceId: 'old' }))
      const out = writeLabel(once, label)
      const after = file(`after-${name}`, out)

      const tags = ffprobeTags(after)
      expect(tags.AIGC).toBe(serializeLabel(label))
      for (const [key, value] of Object.entries(ffprobeTags(before))) if (key !== 'AIGC') expect(tags[key], key).toBe(value)
      expect(readLabels(out)).toHaveLength(1)
      // Chunk offsets moved with the grown moov: every packet decodes to the same bytes.
      expect(streamMd5(after)).toBe(streamMd5(before))
      expect(run('ffmpeg', ['-v', 'error', '-i', after, '-f', 'null', '-'])).toBe('')
      // The label write does not change what the content binding covers.
      const format = formatFor(input)
      expect(contentHash('SHA-256', format.content(out))).toBe(contentHash('SHA-256', format.content(input)))
    })
  }

  it('mediainfo reads the AIGC key of a labelled MP4', () => {
    const path = file('mediainfo.mp4', writeLabel(video('faststart.mp4'), label))
    expect(run('mediainfo', ['--Output=JSON', path])).toContain('AIGC')
  })

  it('refuses fragmented, truncated and oversized-box files with a FormatError', () => {
    expect(() => writeLabel(video('fragmented.mp4'), label)).toThrow(FormatError)
    const input = video('moov-last.mp4')
    expect(() => writeLabel(input.subarray(0, input.length - 100), label)).toThrow(FormatError)
    // A box that claims 4 GB in a 7 KB file.
    const huge = input.slice()
    const firstBoxEnd = new DataView(huge.buffer).getUint32(0)
    new DataView(huge.buffer).setUint32(firstBoxEnd, 0xfffffff0)
    expect(() => writeLabel(huge, label)).toThrow(FormatError)
  })
})
