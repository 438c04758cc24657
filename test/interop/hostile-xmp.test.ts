/**
 * Issue 9's hostile XMP, labelled by the core and read by exiftool, which resolves XMP by
 * namespace URI: exactly one TC260 AIGC property comes out, and nothing of the DOCTYPE.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeLabel } from '../../src/formats'
import { createLabel, serializeLabel } from '../../src/label/annex-e'
import { exiftool, file, run } from './tools'

const hostile = (name: string) => new Uint8Array(readFileSync(join('test/fixtures/hostile', name)))
const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'interop-hostile' })
const aigcTags = (tags: Record<string, unknown>) => Object.keys(tags).filter((k) => /aigc/i.test(k))

describe('exiftool reads one label from what we write over hostile XMP', () => {
  it('a TC260 prefix bound to another namespace: only our label comes out', () => {
    // exiftool names the group by the prefix it saw first, so the attacker's value reads as XMP-TC260.
    expect(exiftool(file('confusion.png', hostile('xmp-prefix-confusion.png')))['XMP-TC260:Aigc']).toMatch(/"Label":"3"/)
    const after = exiftool(file('confusion-labelled.png', writeLabel(hostile('xmp-prefix-confusion.png'), label)))
    // One AIGC tag, ours; exiftool names its group tmp0, the TC260 prefix still being declared for the other URI.
    const tags = aigcTags(after)
    expect(tags).toHaveLength(1)
    expect(after[tags[0]!]).toBe(serializeLabel(label))
  })

  it.each(['xmp-xxe.png', 'xmp-billion-laughs.png', 'xmp-bad-codepoint.png'])('%s: one label, no DOCTYPE, pngcheck passes', (name) => {
    const path = file(`labelled-${name}`, writeLabel(hostile(name), label))
    const tags = exiftool(path)
    expect(aigcTags(tags)).toEqual(['XMP-TC260:Aigc'])
    expect(tags['XMP-TC260:Aigc']).toBe(serializeLabel(label))
    expect(run('exiftool', ['-b', '-XMP', path])).not.toMatch(/DOCTYPE|ENTITY/)
    expect(run('pngcheck', [path])).toMatch(/^OK/)
  })
})
