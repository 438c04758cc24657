/**
 * The fuzz worker thread: runs one case at a time through the core and posts each op as it
 * starts, so the main thread can terminate a hung decoder and say where it hung.
 */
import { readFileSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { png } from '../../src/formats/png'
import { labelFile } from '../../src/image/label-image'
import { createLabel } from '../../src/label/annex-e'
import { DEFAULT_IMAGE_MARK } from '../../src/label/image-mark'
import { generateKeyPair, type Signer } from '../../src/label/signature'
import { codecs, FONT } from '../interop/codecs'
import { runCore, type CoreContext } from './oracle'
import type { CaseRequest, WorkerMessage } from './protocol'

const port = parentPort!
// Ed25519: the cheap algorithm, so the cases spend their time in the parsers.
const signer = async (keyId: string): Promise<Signer> => ({ keyId, ...(await generateKeyPair('Ed25519')) })
const [producer, platform] = await Promise.all([signer('fuzz-producer'), signer('fuzz-platform')])
const ctx: CoreContext = {
  mark: { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs },
  producer: { signer: producer, role: 'producer' },
  propagator: { signer: platform, role: 'propagator' },
  isKnownKey: (key) => [producer.publicKey, platform.publicKey].includes(key.toLowerCase()),
}
const post = (message: WorkerMessage) => port.postMessage(message)

// Parse the font, start every codec and make SM2's tables before the first case, so that
// case is not charged for once-per-isolate costs (the strip path for PNG, the whole-image
// codecs for WebP, an SM2-signed label for detect, the MP3 rhythm mark at the seeds' rates).
const warm = (name: string) => new Uint8Array(readFileSync(`test/fixtures/images/${name}`))
const sm2Signed = await labelFile(warm('plain.png'), png, createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'warm' }), undefined, {
  signer: { keyId: 'warm-sm2', ...(await generateKeyPair('SM2')) },
  role: 'producer',
})
await runCore(sm2Signed.bytes, 'png', ctx)
await runCore(warm('lossy.webp'), 'webp', ctx)
for (const name of ['bare.mp3', 'tagged-v23.mp3', 'v24.mp3']) await runCore(new Uint8Array(readFileSync(`test/fixtures/audio/${name}`)), 'mp3', ctx)

port.on('message', async ({ id, format, bytes }: CaseRequest) => {
  const outcomes = await runCore(bytes, format, ctx, (op) => post({ type: 'op', id, op }))
  post({ type: 'done', id, outcomes })
})
post({ type: 'ready' })
