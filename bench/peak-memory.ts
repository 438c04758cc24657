/**
 * Child process of the image benchmark: marks one file and prints how much the peak
 * resident memory rose while doing it, after codecs and font were warmed up on a tiny image.
 */
import { readFileSync } from 'node:fs'
import { labelImage } from '../src/image/label-image'
import { createLabel } from '../src/label/annex-e'
import { DEFAULT_IMAGE_MARK } from '../src/label/image-mark'
import { codecs, FONT } from '../test/interop/codecs'

const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'peak' })
const ctx = { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs }
const bytes = new Uint8Array(readFileSync(process.argv[2]!))
const tiny = process.argv[2]!.endsWith('.png') ? 'test/fixtures/images/mark.png' : 'test/fixtures/images/mark.jpg'
await labelImage(new Uint8Array(readFileSync(tiny)), label, ctx)

const before = process.resourceUsage().maxRSS / 1024
const t = performance.now()
const out = await labelImage(bytes, label, ctx)
const ms = performance.now() - t
const added = process.resourceUsage().maxRSS / 1024 - before
const verdict = added + bytes.length / 2 ** 20 < 100 ? 'fits' : 'does not fit'
console.log(`peak +${added.toFixed(0)} MB over the warmed-up process (file ${(bytes.length / 2 ** 20).toFixed(1)} MB in, ${(out.length / 2 ** 20).toFixed(1)} MB out, ${ms.toFixed(0)} ms): ${verdict} in 128 MB with room for the isolate`)
