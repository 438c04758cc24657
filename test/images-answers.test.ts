import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { createTenant, gateway, openai } from './helpers'

const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
const generate = (key: string, mock_item: string) => openai(key).images.generate({ model: 'mark.png', prompt: '猫', mock_item } as never)

describe('image answers in shapes beyond b64_json or url', () => {
  it('labels both forms of an item: the url serves the same labelled image as the base64', async () => {
    const t = await createTenant()
    const item: any = (await generate(t.key, 'both')).data![0]
    const bytes = fromB64(item.b64_json)
    expect(readLabels(bytes)[0]!.label?.ProduceID).toBe(item.aigc.ProduceID)
    const url = new URL(item.url)
    expect(url.pathname).toMatch(/^\/files\//)
    const served = new Uint8Array(await (await gateway(url.pathname + url.search)).arrayBuffer())
    expect(served).toEqual(bytes)
  })

  it('labels images under other keys, as data URLs and in nested objects', async () => {
    const t = await createTenant()
    const pick = { image_base64: (i: any) => i.image_base64, 'data-url': (i: any) => i.url.replace(/^data:image\/png;base64,/, ''), nested: (i: any) => i.image.base64 }
    for (const [kind, read] of Object.entries(pick)) {
      const item: any = (await generate(t.key, kind)).data![0]
      const found = readLabels(fromB64(read(item)))
      expect(found, kind).toHaveLength(1)
      expect(found[0]!.label?.ProduceID, kind).toBe(item.aigc.ProduceID)
    }
    expect((await generate(t.key, 'data-url')).data![0]!.url).toMatch(/^data:image\/png;base64,/)
  })

  it('refuses an image in a format it cannot label rather than pass it beside an aigc record', async () => {
    const t = await createTenant()
    const error = await generate(t.key, 'bmp').catch((e) => e)
    expect(error.status).toBe(502)
    expect(error.message).toMatch(/image_base64/)
  })
})
