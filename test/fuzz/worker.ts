/**
 * The fuzz worker thread: runs one case at a time through the core and posts each op as it
 * starts, so the main thread can terminate a hung decoder and say where it hung.
 */
import { readFileSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
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

// Parse the font and start every codec before the first case, so that case is not charged
// for a once-per-isolate cost (the strip path for PNG, the whole-image codecs for WebP).
for (const name of ['plain.png', 'lossy.webp']) await runCore(new Uint8Array(readFileSync(`test/fixtures/images/${name}`)), name.endsWith('png') ? 'png' : 'webp', ctx)

port.on('message', async ({ id, format, bytes }: CaseRequest) => {
  const outcomes = await runCore(bytes, format, ctx, (op) => post({ type: 'op', id, op }))
  post({ type: 'done', id, outcomes })
})
post({ type: 'ready' })
