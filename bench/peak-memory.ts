/**
 * Child process of the image benchmark: labels one file as the gateway does (visible mark
 * when asked, SM2-signed label bound to the content) and prints how much the peak resident
 * memory rose while doing it, after codecs and font were warmed up on a tiny image.
 */
import { readFileSync } from 'node:fs'
import { formatFor } from '../src/formats'
import { Buffer } from 'node:buffer'
import { labelFile } from '../src/image/label-image'
import { answerStream, decodeBase64, liftImages } from '../src/protocols/openai-images'
import { createLabel } from '../src/label/annex-e'
import { DEFAULT_IMAGE_MARK } from '../src/label/image-mark'
import { generateKeyPair } from '../src/label/signature'
import { codecs, FONT } from '../test/interop/codecs'

const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'peak' })
const ctx = { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs }
// label: metadata only; mark: visible mark too; answer: marked as the images route does it,
// from an upstream JSON answer carrying the file as b64_json to the streamed JSON answer.
const [path, mode] = process.argv.slice(2) as [string, 'mark' | 'label' | 'answer']
const explicit = mode === 'label' ? undefined : ctx
const signing = { signer: { keyId: 'bench', ...(await generateKeyPair('SM2')) }, role: 'producer' as const }
const file = new Uint8Array(readFileSync(path))
const size = file.length
// What the Worker holds when the work starts: the file, or the upstream answer carrying it.
let input: Uint8Array | undefined =
  mode === 'answer' ? new TextEncoder().encode(JSON.stringify({ data: [{ b64_json: Buffer.from(file).toString('base64') }] })) : file
const tiny = path.endsWith('.png') ? 'test/fixtures/images/mark.png' : 'test/fixtures/images/mark.jpg'
const warm = new Uint8Array(readFileSync(tiny))
await labelFile(warm, formatFor(warm), label, explicit, signing)

/** The images route's way: lift the base64 out of the answer, decode, label, stream the answer back. */
async function throughAnswer(body: Uint8Array): Promise<void> {
  const lifted = liftImages(body)!
  input = undefined // the route lets go of the body once the image is decoded
  const source = decodeBase64(lifted.images[0]!)
  lifted.images[0] = undefined
  const out = await labelFile(source, formatFor(source), label, explicit, signing)
  for await (const _ of answerStream(lifted.answer, [out.bytes]) as unknown as AsyncIterable<Uint8Array>);
}

// maxRSS is a high-water mark that tsx's own start-up may already have set: measure from the
// current resident size, and say "at most" when the work never rose past the old mark.
const MB = 2 ** 20
const inputMB = input.length / MB
const start = process.memoryUsage().rss / MB
const markBefore = process.resourceUsage().maxRSS / 1024
const t = performance.now()
const work = mode === 'answer' ? throughAnswer(input) : labelFile(file, formatFor(file), label, explicit, signing)
await work.catch((e: Error) => {
  console.log(`${(size / MB).toFixed(1)} MB file: refused: ${e.message}`)
  process.exit(0)
})
const ms = performance.now() - t
const markAfter = process.resourceUsage().maxRSS / 1024
const bound = markAfter > markBefore ? '' : 'at most '
const added = markAfter - start
// The input is already resident before the clock starts; a Worker holds it too.
const what = mode === 'answer' ? `${inputMB.toFixed(1)} MB answer` : 'the input'
console.log(`${(size / MB).toFixed(1)} MB file: ${bound}+${added.toFixed(0)} MB peak while working (${bound}${(added + inputMB).toFixed(0)} MB with ${what}) in ${ms.toFixed(0)} ms`)
