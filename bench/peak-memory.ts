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
const [path, mode] = process.argv.slice(2) as [string, 'mark' | 'label']
const explicit = mode === 'mark' ? ctx : undefined
const bytes = new Uint8Array(readFileSync(path))
const tiny = path.endsWith('.png') ? 'test/fixtures/images/mark.png' : 'test/fixtures/images/mark.jpg'
await labelImage(new Uint8Array(readFileSync(tiny)), label, explicit)

const before = process.resourceUsage().maxRSS / 1024
const t = performance.now()
const out = await labelImage(bytes, label, explicit).catch((e: Error) => {
  console.log(`${(bytes.length / 2 ** 20).toFixed(1)} MB file: refused: ${e.message}`)
  process.exit(0)
})
const ms = performance.now() - t
const added = process.resourceUsage().maxRSS / 1024 - before
// The input is already resident before the clock starts; a Worker holds it too.
const total = added + bytes.length / 2 ** 20
console.log(`${(bytes.length / 2 ** 20).toFixed(1)} MB file: +${added.toFixed(0)} MB peak while working (${total.toFixed(0)} MB with the input) in ${ms.toFixed(0)} ms`)
