/**
 * One contract, run for every carrier format and fixture: round trip, exactly one label,
 * everything else byte-identical, corrupt input refused with a FormatError.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { FormatError } from '../../src/formats/bytes'
import { aac } from '../../src/formats/aac'
import { flac, flacBlocks } from '../../src/formats/flac'
import { gif, gifBlocks } from '../../src/formats/gif'
import { id3Tag } from '../../src/formats/id3'
import { mp3, mp3Stream } from '../../src/formats/mp3'
import { oggVorbis, opus } from '../../src/formats/ogg'
import { wav, wavChunks } from '../../src/formats/wav'
import { detectFormat, readLabels, verifyLabel, writeLabel, type CarrierFormat } from '../../src/formats'
import { jpeg, jpegSegments } from '../../src/formats/jpeg'
import { png, pngChunks } from '../../src/formats/png'
import { webp, webpChunks } from '../../src/formats/webp'
import { createLabel } from '../../src/label/annex-e'
import { fixture, insertPngChunk } from '../fixtures'

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

interface Case {
  format: CarrierFormat
  fixtures: string[]
  /** The file's parts other than the label carrier (and headers the label must change), as hex. */
  others(bytes: Uint8Array): string[]
  /** XMP properties of the fixture that must survive. */
  keeps?: Record<string, string>
  /** The fixture folder (default: images) and the label's form (default: an XMP element). */
  set?: Record<string, string>
  form?: 'text'
  /**
   * Where media starts that a cut at a unit boundary leaves valid (an MP3 cut between
   * frames is a shorter MP3): cuts past it are labelled or refused, either is right.
   */
  mediaFrom?(bytes: Uint8Array): number
}

const latin = (b: Uint8Array) => String.fromCharCode(...b)
/** ID3v2-tagged streams: the tag's frames but the label, and everything after the tag. */
function id3Others(b: Uint8Array): string[] {
  const tag = id3Tag(b)
  const frames = (tag?.frames ?? []).filter((f) => !(f.id === 'TXXX' && latin(b.subarray(f.body + 1, f.body + 6)) === 'AIGC\0'))
  return [...frames.map((f) => hex(b.subarray(f.start, f.end))), hex(b.subarray(tag?.end ?? 0))]
}
/** Ogg: what the content binding covers (audio pages but their sequence numbers and CRCs) is what must not change. */
const contentHex = (format: CarrierFormat) => (b: Uint8Array) => [...format.content(b)].map(hex)

const CASES: Case[] = [
  {
    format: png,
    fixtures: ['plain.png', 'rgba.png', 'xmp.png', 'text-aigc.png'],
    others: (b) => pngChunks(b).filter((c) => !/^(iTXt|tEXt|zTXt)$/.test(c.type) || !/^(XML:com.adobe.xmp|AIGC)\0/.test(String.fromCharCode(...c.data.subarray(0, 18)))).map((c) => hex(b.subarray(c.start, c.end))),
    keeps: { 'xmp.png': 'Fixture Artist' },
  },
  {
    format: jpeg,
    fixtures: ['photo.jpg', 'bare.jpg'],
    others: (b) => {
      const { segments, scan } = jpegSegments(b)
      return [...segments.filter((s) => !(s.marker === 0xe1 && String.fromCharCode(...s.payload.subarray(0, 4)) === 'http')).map((s) => hex(b.subarray(s.start, s.end))), hex(b.subarray(scan))]
    },
    keeps: { 'photo.jpg': 'Fixture Artist' },
  },
  {
    format: webp,
    fixtures: ['lossy.webp', 'lossless.webp', 'alpha.webp', 'icc.webp'],
    others: (b) => webpChunks(b).filter((c) => c.fourcc !== 'XMP ' && c.fourcc !== 'VP8X').map((c) => hex(b.subarray(c.start, c.end))),
  },
  {
    format: gif,
    fixtures: ['still.gif', 'anim.gif'],
    others: (b) => {
      const { headerEnd, blocks } = gifBlocks(b)
      const body = blocks.filter((x) => !(x.label === 0xff && String.fromCharCode(...b.subarray(x.start + 3, x.start + 14)) === 'XMP DataXMP'))
      return [hex(b.subarray(6, headerEnd)), ...body.map((x) => hex(b.subarray(x.start, x.end)))]
    },
  },
  {
    format: mp3,
    fixtures: ['tagged-v23.mp3', 'v24.mp3', 'bare.mp3'],
    set: env.AUDIO_FIXTURES,
    form: 'text',
    others: id3Others,
    keeps: { 'tagged-v23.mp3': 'Fixture Artist' },
    mediaFrom: (b) => mp3Stream(b).audio,
  },
  { format: aac, fixtures: ['tagged.aac', 'clip.aac'], set: env.AUDIO_FIXTURES, form: 'text', others: id3Others, keeps: { 'tagged.aac': 'Fixture Title' }, mediaFrom: (b) => id3Tag(b)?.end ?? 0 },
  {
    format: wav,
    fixtures: ['info.wav', 'plain.wav'],
    set: env.AUDIO_FIXTURES,
    form: 'text',
    others: (b) => wavChunks(b).filter((c) => c.id !== 'AIGC').map((c) => hex(b.subarray(c.start, c.end))),
    keeps: { 'info.wav': 'Fixture Artist' },
  },
  {
    format: flac,
    fixtures: ['picture.flac', 'bare.flac'],
    set: env.AUDIO_FIXTURES,
    form: 'text',
    others: (b) => {
      const { blocks, audio } = flacBlocks(b)
      return [...blocks.filter((x) => x.type !== 4).map((x) => hex(Uint8Array.of(b[x.start]! & 0x7f)) + hex(b.subarray(x.start + 1, x.end))), hex(b.subarray(audio))]
    },
    keeps: { 'picture.flac': 'Fixture Title' },
  },
  { format: oggVorbis, fixtures: ['clip.ogg'], set: env.AUDIO_FIXTURES, form: 'text', others: contentHex(oggVorbis), keeps: { 'clip.ogg': 'Fixture Title' } },
  { format: opus, fixtures: ['clip.opus'], set: env.AUDIO_FIXTURES, form: 'text', others: contentHex(opus), keeps: { 'clip.opus': 'Fixture Title' } },
]

const label = (id: string) => createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: id })

for (const { format, fixtures, others, keeps, set, form = 'element', mediaFrom } of CASES) {
  describe(`${format.name} carrier`, () => {
    for (const name of fixtures) {
      it(`${name}: round trip, one label, everything else unchanged`, () => {
        const original = fixture(name, set)
        expect(detectFormat(original)).toBe(format)
        const once = writeLabel(original, label('first-id'))
        expect(verifyLabel(once, label('first-id'))).toBe(true)
        const twice = writeLabel(once, label('second-id'))
        const found = readLabels(twice)
        expect(found).toHaveLength(1)
        expect(found[0]).toMatchObject({ form, wrapped: false, label: label('second-id') })
        expect(verifyLabel(twice, label('first-id'))).toBe(false)
        expect(others(twice)).toEqual(others(original))
        // What a signature's content binding covers is untouched by label writes.
        expect([...format.content(twice)].map(hex).join('')).toBe([...format.content(original)].map(hex).join(''))
        expect(writeLabel(twice, label('second-id'))).toEqual(twice) // idempotent
        const kept = keeps?.[name]
        if (kept) expect(new TextDecoder().decode(twice)).toContain(kept)
      })

      it(`${name}: truncated or corrupt input gives a FormatError`, () => {
        const original = fixture(name, set)
        const media = mediaFrom?.(original) ?? original.length
        for (let length = 0; length < original.length - 1; length += Math.max(1, Math.floor(original.length / 97))) {
          const cut = original.slice(0, length)
          if (length < media) expect(() => format.write(cut, '{}'), `cut at ${length}`).toThrow(FormatError)
          else {
            try {
              expect(readLabels(writeLabel(cut, label('cut')), format)).toHaveLength(1)
            } catch (error) {
              expect(error, `cut at ${length}`).toBeInstanceOf(FormatError)
            }
          }
        }
        const garbage = original.slice()
        for (let i = 16; i < Math.min(garbage.length, 64); i++) garbage[i] = 0xff
        try {
          format.write(garbage, '{}')
        } catch (error) {
          expect(error).toBeInstanceOf(FormatError)
        }
      })
    }
  })
}

describe('labels written by other tools', () => {
  it('reads a PNG zTXt AIGC chunk in the wrapped form', () => {
    const [found] = readLabels(fixture('text-aigc.png'))
    expect(found).toMatchObject({ carrier: 'png:zTXt:AIGC', form: 'text', wrapped: true, label: { ProduceID: 'other-tool-1' } })
  })

  it('replaces a tEXt AIGC label with the single XMP label', () => {
    const withText = insertPngChunk(fixture('plain.png'), 'tEXt', 'AIGC\0{"Label":"2","ContentProducer":"X"}')
    expect(readLabels(withText)).toMatchObject([{ carrier: 'png:tEXt:AIGC', label: { Label: '2' } }])
    const labelled = writeLabel(withText, label('mine'))
    expect(readLabels(labelled)).toMatchObject([{ carrier: 'png:iTXt:XML:com.adobe.xmp', label: { ProduceID: 'mine' } }])
  })

  it('rejects what is not an image it knows', () => {
    expect(detectFormat(new TextEncoder().encode('%!PS-Adobe-3.0'))).toBeUndefined()
    expect(() => readLabels(new Uint8Array([1, 2, 3]))).toThrow(/unsupported file type/)
  })
})
