import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { answerStream, decodeBase64, liftImages, placeholder } from '../../src/protocols/openai-images'

const bytesOf = (s: string) => new TextEncoder().encode(s)
const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7919 + 13) & 255)

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text()
}

describe('OpenAI image answers without whole-image strings', () => {
  it('lifts every b64_json value out of the body and puts the labelled images back as a stream', async () => {
    const [a, b] = [random(100_000), random(70_001)]
    const original = {
      created: 1,
      data: [
        { b64_json: Buffer.from(a).toString('base64'), revised_prompt: 'a "b64_json": "not an image" in a prompt' },
        { b64_json: Buffer.from(b).toString('base64') },
      ],
    }
    const body = bytesOf(JSON.stringify(original, null, 2)) // whitespace around the colon
    const lifted = liftImages(body)!
    expect(lifted.images).toHaveLength(2)
    expect(lifted.answer).toEqual({ created: 1, data: [{ b64_json: placeholder(0), revised_prompt: original.data[0]!.revised_prompt }, { b64_json: placeholder(1) }] })
    expect(decodeBase64(lifted.images[0]!)).toEqual(a)
    expect(decodeBase64(lifted.images[1]!)).toEqual(b)

    const [x, y] = [random(3 * 16_384 + 1), random(5)]
    ;(lifted.answer as any).data[1].aigc = { Label: '1' }
    const out = JSON.parse(await text(answerStream(lifted.answer, [x, y])))
    expect(out.data[0].b64_json).toBe(Buffer.from(x).toString('base64'))
    expect(out.data[1]).toEqual({ b64_json: Buffer.from(y).toString('base64'), aigc: { Label: '1' } })
    expect(out.data[0].revised_prompt).toBe(original.data[0]!.revised_prompt)
  })

  it('leaves answers it cannot lift safely to the ordinary parser', () => {
    // Some encoders escape "/" in strings.
    expect(liftImages(bytesOf('{"data":[{"b64_json":"ab\\/cd=="}]}'))).toBeUndefined()
    expect(liftImages(bytesOf('{"data":[{"b64_json":"abcd"'))).toBeUndefined()
    expect(liftImages(bytesOf('{"data":[{"url":"https://x/y.png"}]}'))).toEqual({ answer: { data: [{ url: 'https://x/y.png' }] }, images: [] })
  })

  it('decodes base64 of every length and padding, across slices', () => {
    for (const n of [0, 1, 2, 3, 49_151, 49_152, 49_153, 200_000]) {
      const data = random(n)
      expect(decodeBase64(bytesOf(Buffer.from(data).toString('base64'))), String(n)).toEqual(data)
    }
  })
})
