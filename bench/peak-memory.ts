/**
 * Child process of the image benchmark: labels one file as the gateway does (visible mark
 * when asked, SM2-signed label bound to the content) and prints how much the peak resident
 * memory rose while doing it, after codecs and font were warmed up on a tiny image.
 */
import { readFileSync } from 'node:fs'
import { formatFor } from '../src/formats'
import { labelFile } from '../src/image/label-image'
import { createLabel } from '../src/label/annex-e'
import { DEFAULT_IMAGE_MARK } from '../src/label/image-mark'
import { generateKeyPair } from '../src/label/signature'
import { codecs, FONT } from '../test/interop/codecs'

const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'peak' })
const ctx = { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs }
const [path, mode] = process.argv.slice(2) as [string, 'mark' | 'label']
const explicit = mode === 'mark' ? ctx : undefined
const signing = { signer: { keyId: 'bench', ...(await generateKeyPair('SM2')) }, role: 'producer' as const }
const bytes = new Uint8Array(readFileSync(path))
const tiny = path.endsWith('.png') ? 'test/fixtures/images/mark.png' : 'test/fixtures/images/mark.jpg'
const warm = new Uint8Array(readFileSync(tiny))
await labelFile(warm, formatFor(warm), label, explicit, signing)

// maxRSS is a high-water mark that tsx's own start-up may already have set: measure from the
// current resident size, and say "at most" when the work never rose past the old mark.
const MB = 2 ** 20
const start = process.memoryUsage().rss / MB
const markBefore = process.resourceUsage().maxRSS / 1024
const t = performance.now()
await labelFile(bytes, formatFor(bytes), label, explicit, signing).catch((e: Error) => {
  console.log(`${(bytes.length / 2 ** 20).toFixed(1)} MB file: refused: ${e.message}`)
  process.exit(0)
})
const ms = performance.now() - t
const markAfter = process.resourceUsage().maxRSS / 1024
const bound = markAfter > markBefore ? '' : 'at most '
const added = markAfter - start
// The input is already resident before the clock starts; a Worker holds it too.
const total = added + bytes.length / MB
console.log(`${(bytes.length / MB).toFixed(1)} MB file: ${bound}+${added.toFixed(0)} MB peak while working (${bound}${total.toFixed(0)} MB with the input) in ${ms.toFixed(0)} ms`)
