/**
 * Hostile images (issue 9): every one ends in a labelled file or a 4xx naming the reason,
 * and the gateway keeps answering after it. The files are in test/fixtures/hostile.
 */
import { zlibSync } from 'fflate'
import { GifReader } from 'omggif'
import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { concat, FormatError } from '../src/formats/bytes'
import { pngChunk } from '../src/formats/png'
import { decodeLzw, encodeLzw } from '../src/image/gif-lzw'
import { markContext } from '../src/image/runtime'
import { DEFAULT_IMAGE_MARK } from '../src/label/image-mark'
import { fixture, hostile, hostileNames } from './fixtures'
import { createTenant, gateway, type TestTenant } from './helpers'

const codecs = markContext(DEFAULT_IMAGE_MARK).codecs

function label(t: TestTenant, body: Uint8Array, query = '') {
  return gateway(`/v1/aigc/label${query}`, { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body })
}

async function refusal(res: Response): Promise<{ status: number; message: string; param: string | null }> {
  const body = (await res.json()) as { error: { message: string; param: string | null } }
  return { status: res.status, message: body.error.message, param: body.error.param }
}

/** The answer each hostile file must get from /v1/aigc/label: status, and the limit or reason. */
const EXPECTED: Record<string, [number, string | RegExp]> = {
  'gif-lzw-infinite-loop.gif': [422, /LZW code \d+ is not in the table/],
  'gif-fuzz-hang-367B.gif': [422, /LZW code \d+ is not in the table/],
  'gif-1x1-screen-huge-frame.gif': [422, /30000×30000 at 0,0\) lies outside the 1×1 screen/],
  'gif-huge-frame-20000.gif': [422, /lies outside the 64×64 screen/],
  'gif-huge-frame-65535.gif': [422, /lies outside the 64×64 screen/],
  'gif-many-frames-100.gif': [413, 'gif_total_pixels'],
  'mp4-nested-size-zero.mp4': [422, /the trak box in the moov box has size 0/],
  'pdf-objstm-length-cycle.pdf': [422, /the \/Length of object stream 2 is itself in an object stream/],
  'mp4-item-names-no-key.mp4': [422, /an ilst item names key 1 of the 0/],
  'png-wide-67108864x1.png': [413, 'png_row_bytes'],
  'png-wide-16777216x4.png': [413, 'png_row_bytes'],
  'png-wide-4194304x16.png': [413, 'png_row_bytes'],
  'png-huge-dims.png': [413, 'image_strip_pixels'],
  'png-huge-dims-palette.png': [413, 'image_decoded_pixels'],
  'png-palette-bad-zlib.png': [422, /png image data cannot be decoded/],
  'png-palette-short-idat.png': [422, /png image data cannot be decoded/],
  'webp-corrupt-decoding-error.webp': [422, /webp image data cannot be decoded/],
  'corrupt-body.webp': [422, /webp image data cannot be decoded/],
  'jpeg-cmyk-valid-exit1.jpg': [422, /CMYK\/YCCK JPEG/],
}

// Each request is bounded by the limits; the machine running the tests may be busy.
const SLOW = 30_000

describe('hostile images on POST /v1/aigc/label', () => {
  it('answers every hostile fixture with a labelled file or a 4xx naming the reason', async () => {
    const t = await createTenant()
    const names = hostileNames()
    expect(names.length).toBeGreaterThan(30)
    for (const name of names) {
      // Video takes the implicit label alone (a visible mark is refused before the file is read);
      // a PDF's page text would stop at its page tree before the Info dictionary is reached.
      const res = await label(t, hostile(name), /\.(mp4|pdf)$/.test(name) ? '?mark=implicit' : '')
      if (res.status === 200) {
        expect(readLabels(new Uint8Array(await res.arrayBuffer())), name).toHaveLength(1)
        continue
      }
      const { status, message, param } = await refusal(res)
      expect([413, 415, 422], `${name}: ${status} ${message}`).toContain(status)
      const expected = EXPECTED[name]
      if (!expected) continue
      expect(status, `${name}: ${message}`).toBe(expected[0])
      if (typeof expected[1] === 'string') expect(param, name).toBe(expected[1])
      else expect(message, name).toMatch(expected[1])
    }
  }, SLOW)

  it('labels a GIF whose image data stops early, leaving the rest clear as viewers do', async () => {
    const t = await createTenant()
    const res = await label(t, hostile('gif-small.gif'))
    expect(res.status).toBe(200)
    const out = new Uint8Array(await res.arrayBuffer())
    expect(readLabels(out)).toHaveLength(1)
    expect(new GifReader(out).numFrames()).toBe(1)
  }, SLOW)

  it('marks an interlaced GIF and leaves every pixel outside the mark as it was', async () => {
    const t = await createTenant()
    const source = fixture('interlaced.gif')
    expect(new GifReader(source).frameInfo(0).interlaced).toBe(true)
    const res = await label(t, source)
    expect(res.status).toBe(200)
    const out = new Uint8Array(await res.arrayBuffer())
    const [before, after] = [new GifReader(source), new GifReader(out)]
    const { width, height } = before
    const [a, b] = [new Uint8Array(width * height * 4), new Uint8Array(width * height * 4)]
    before.decodeAndBlitFrameRGBA(0, a)
    after.decodeAndBlitFrameRGBA(0, b)
    const changed = [...Array(width * height).keys()].filter((p) => [0, 1, 2, 3].some((k) => a[p * 4 + k] !== b[p * 4 + k]))
    expect(changed.length).toBeGreaterThan(0)
    expect(changed.every((p) => p % width >= width / 2 && Math.floor(p / width) >= height / 2)).toBe(true)
  })

  it('refuses a GIF with more frames than the gif_frames limit before decoding any', async () => {
    const t = await createTenant()
    const { status, param } = await refusal(await label(t, framesGif(1001)))
    expect([status, param]).toEqual([413, 'gif_frames'])
    expect((await label(t, framesGif(3))).status).toBe(200)
  })

  it('caps inflated label text per file, not per chunk, and text chunks per file', async () => {
    const t = await createTenant()
    // Two AIGC zTXt chunks of 3 MiB each: each under the 4 MiB budget, together over it.
    const zeros = zlibSync(new Uint8Array(3 * 1024 * 1024), { level: 9 })
    const ztxt = pngChunk('zTXt', new Uint8Array([...new TextEncoder().encode('AIGC'), 0, 0, ...zeros]))
    const bomb = await refusal(await label(t, withChunks(fixture('mark.png'), [ztxt, ztxt]), '?mark=implicit'))
    expect([bomb.status, bomb.param]).toEqual([422, 'png_text_bytes'])
    const comment = pngChunk('tEXt', new TextEncoder().encode('Comment\0hello'))
    const many = await refusal(await label(t, withChunks(fixture('mark.png'), Array(300).fill(comment))))
    expect([many.status, many.param]).toEqual([422, 'png_text_chunks'])
  }, SLOW)

  it('reads a PNG with 32 zTXt bombs without inflating them, and labels and detects it', async () => {
    const t = await createTenant()
    const detect = (body: Uint8Array) => gateway('/v1/aigc/detect', { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body })
    const bare = await detect(hostile('ztxt-bomb-32.png'))
    expect(bare.status).toBe(200)
    expect(((await bare.json()) as { labels: unknown[] }).labels).toEqual([])
    const res = await label(t, hostile('ztxt-bomb-32.png'), '?mark=implicit')
    expect(res.status).toBe(200)
    const report = (await (await detect(new Uint8Array(await res.arrayBuffer()))).json()) as { labels: unknown[] }
    expect(report.labels).toHaveLength(1)
  }, SLOW)

  it('keeps answering after a hostile file: the next request is served', async () => {
    const t = await createTenant()
    for (const name of ['gif-lzw-infinite-loop.gif', 'jpeg-cmyk-valid-exit1.jpg', 'png-palette-bad-zlib.png', 'webp-corrupt-decoding-error.webp']) {
      expect((await label(t, hostile(name))).status, name).toBe(422)
      const res = await label(t, fixture(name.endsWith('.gif') ? 'anim.gif' : 'mark.png'))
      expect(res.status, `after ${name}`).toBe(200)
      expect(readLabels(new Uint8Array(await res.arrayBuffer()))).toHaveLength(1)
    }
  })
})

describe('wasm decoders', () => {
  it('turn exit(), traps and thrown errors into a FormatError and decode the next file with a fresh instance', async () => {
    for (const [format, bad, good] of [
      ['jpeg', 'jpeg-cmyk-valid-exit1.jpg', 'mark.jpg'],
      ['jpeg', 'jpeg-dht-bad-class-id.jpg', 'mark.jpg'],
      ['png', 'png-palette-short-idat.png', 'mark.png'],
      ['webp', 'webp-corrupt-decoding-error.webp', 'mark.webp'],
    ] as const) {
      const error = await codecs.decode(format, hostile(bad)).catch((e: unknown) => e)
      expect(error, bad).toBeInstanceOf(FormatError)
      const pixels = await codecs.decode(format, fixture(good))
      expect(pixels.width * pixels.height * 4, good).toBe(pixels.data.length)
    }
  }, SLOW)
})

describe('GIF LZW', () => {
  it('codes and decodes through table resets, as omggif reads it', () => {
    // Noise fills the 4096-code table many times over.
    let seed = 7
    const indices = Uint8Array.from({ length: 200 * 150 }, (_, i) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) % (i % 3 ? 256 : 4))
    const data = encodeLzw(indices, 8)
    expect(decodeLzw(data, 0, indices.length, 0, 'test')).toEqual(indices)
    const palette = new Uint8Array(768).map((_, i) => Math.floor(i / 3))
    const header = new Uint8Array([...new TextEncoder().encode('GIF89a'), 200, 0, 150, 0, 0xf7, 0, 0, ...palette])
    const file = new Uint8Array([...header, 0x2c, 0, 0, 0, 0, 200, 0, 150, 0, 0, ...data, 0x3b])
    const canvas = new Uint8Array(200 * 150 * 4)
    new GifReader(file).decodeAndBlitFrameRGBA(0, canvas)
    expect(Array.from({ length: indices.length }, (_, i) => canvas[i * 4])).toEqual(Array.from(indices))
  }, SLOW)

  it('stops with a FormatError on a code beyond the table instead of following it', () => {
    // Minimum size 2: clear (4), literal 0, then code 7 while the next new code is 6.
    const data = new Uint8Array([2, 2, 0b11000100, 0b00000001, 0])
    expect(() => decodeLzw(data, 0, 64, 0, 'test')).toThrow(/LZW code 7 is not in the table/)
  })
})

/** The PNG with `chunks` inserted before IEND (the last 12 bytes). */
function withChunks(png: Uint8Array, chunks: Uint8Array[]): Uint8Array {
  return concat([png.subarray(0, png.length - 12), ...chunks, png.subarray(png.length - 12)])
}

/** A 64×64 GIF of `count` full-screen frames, each one pixel of LZW data and the rest clear. */
function framesGif(count: number): Uint8Array {
  const header = [...new TextEncoder().encode('GIF89a'), 64, 0, 64, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255]
  const frame = [0x2c, 0, 0, 0, 0, 64, 0, 64, 0, 0, 2, 2, 0x44, 0x01, 0]
  return new Uint8Array([...header, ...Array.from({ length: count }, () => frame).flat(), 0x3b])
}
