import { describe, expect, it } from 'vitest'
import { readLabels } from '../src/formats'
import { fixture } from './fixtures'
import { ADMIN_TOKEN, createTenant, gateway } from './helpers'

function preview(tenantId: string, labels: unknown, image?: Blob) {
  const form = new FormData()
  form.set('labels', JSON.stringify(labels))
  if (image) form.set('image', image, 'upload')
  return gateway(`/admin/tenants/${tenantId}/preview`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: form })
}

interface Preview {
  type: string
  image: string
  width: number
  height: number
  mark: { inkHeight: number; shortestSide: number; ratio: number; minimumRatio: number; meetsRule: boolean }
  text: { position: string; sample: string }
}

const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0))

describe('the label preview', () => {
  it('renders the settings being edited, measures the glyph height, and does not save them', async () => {
    const t = await createTenant()
    const res = await preview(t.id, { image: { heightRatio: 0.1, position: 'top-left' }, text: { position: 'start' } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Preview
    expect(body).toMatchObject({ type: 'image/png', width: 960, height: 540, text: { position: 'start' } })
    expect(body.mark.shortestSide).toBe(540)
    // Ink of 10 % of 540 px, measured on the rendered glyphs.
    expect(body.mark.inkHeight).toBeGreaterThanOrEqual(54)
    expect(body.mark.inkHeight).toBeLessThan(60)
    expect(body.mark.meetsRule).toBe(true)
    expect(body.text.sample.startsWith('本内容由人工智能生成')).toBe(true)
    // The very file a client would get: labelled.
    const png = bytesOf(body.image)
    expect(readLabels(png).length).toBe(1)
    const stored = (await (await gateway(`/admin/tenants/${t.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { labels: { image: { position: string } } }
    expect(stored.labels.image.position).toBe('bottom-right')
  })

  it('moves the mark when the position changes', async () => {
    const t = await createTenant()
    const pixels = async (position: string) => bytesOf(((await (await preview(t.id, { image: { position } })).json()) as Preview).image)
    const [a, b] = [await pixels('top-left'), await pixels('bottom-right')]
    expect(a).not.toEqual(b)
  })

  it('refuses settings the rules forbid, naming the field', async () => {
    const t = await createTenant()
    const small = await preview(t.id, { image: { heightRatio: 0.03 } })
    expect(small.status).toBe(400)
    expect(((await small.json()) as { error: { param: string } }).error.param).toBe('labels.image.heightRatio')
    const wording = await preview(t.id, { text: { text: '仅供参考' } })
    expect(wording.status).toBe(400)
    expect(((await wording.json()) as { error: { param: string } }).error.param).toBe('labels.text.text')
  })

  it("takes the operator's own image and refuses what is not one", async () => {
    const t = await createTenant()
    const res = await preview(t.id, {}, new Blob([fixture('mark.jpg')], { type: 'image/jpeg' }))
    expect(res.status).toBe(200)
    const body = (await res.json()) as Preview
    expect(body.type).toBe('image/jpeg')
    expect(readLabels(bytesOf(body.image)).length).toBe(1)
    const notImage = await preview(t.id, {}, new Blob(['# title\n'], { type: 'text/markdown' }))
    expect(notImage.status).toBe(415)
  })
})
