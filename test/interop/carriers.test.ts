import { describe, expect, it } from 'vitest'
import { formatFor, writeLabel } from '../../src/formats'
import { createLabel, serializeLabel } from '../../src/label/annex-e'
import { generateKeyPair, signLabel } from '../../src/label/signature'
import { exiftool, file, fixture, run } from './tools'

const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'interop-1' })

describe('independent tools read our labels', () => {
  for (const name of ['plain.png', 'rgba.png', 'xmp.png', 'text-aigc.png', 'photo.jpg', 'bare.jpg', 'lossy.webp', 'lossless.webp', 'alpha.webp', 'icc.webp', 'still.gif', 'anim.gif']) {
    it(`exiftool finds exactly one TC260:AIGC in ${name}, other metadata intact`, () => {
      const before = exiftool(file(`before-${name}`, fixture(name)))
      const once = writeLabel(fixture(name), createLabel({ producer: 'X', produceId: 'old' }))
      const after = exiftool(file(`relabelled-${name}`, writeLabel(once, label)))
      expect(after['XMP-TC260:Aigc']).toBe(serializeLabel(label))
      expect(Object.keys(after).filter((k) => /aigc/i.test(k))).toEqual(['XMP-TC260:Aigc'])
      for (const key of Object.keys(before)) if (key !== 'SourceFile') expect(after[key], key).toEqual(before[key])
    })
  }

  it('pngcheck passes labelled PNGs', () => {
    for (const name of ['plain.png', 'rgba.png', 'xmp.png', 'text-aigc.png']) {
      expect(run('pngcheck', [file(`check-${name}`, writeLabel(fixture(name), label))])).toMatch(/^OK/)
    }
  })

  it('jpeginfo passes labelled JPEGs', () => {
    for (const name of ['photo.jpg', 'bare.jpg']) {
      expect(run('jpeginfo', ['-c', file(`check-${name}`, writeLabel(fixture(name), label))])).toMatch(/OK\s*$/)
    }
  })

  it('webpmux sees the XMP chunk and the canvas of upgraded simple WebP files', () => {
    for (const name of ['lossy.webp', 'lossless.webp', 'alpha.webp', 'icc.webp']) {
      const info = run('webpmux', ['-info', file(`check-${name}`, writeLabel(fixture(name), label))])
      expect(info).toContain('Canvas size: 48 x 32')
      expect(info).toMatch(/Features present:.*XMP/)
    }
  })

  it('exiftool reads a signed label intact: the SecurityData string survives XMP escaping in every format', async () => {
    const signer = { keyId: 'interop', ...(await generateKeyPair('SM2')) }
    for (const name of ['plain.png', 'photo.jpg', 'lossy.webp', 'anim.gif']) {
      const bytes = fixture(name)
      const format = formatFor(bytes)
      const signed = await signLabel(label, 'producer', signer, () => format.content(bytes))
      const tags = exiftool(file(`signed-${name}`, writeLabel(bytes, signed)))
      const read = JSON.parse(tags['XMP-TC260:Aigc'] as string)
      expect(read.ReservedCode1, name).toBe(signed.ReservedCode1)
      expect(JSON.parse(read.ReservedCode1).SecurityData.PubSD[0].Type).toBe('DS')
    }
  })
})
