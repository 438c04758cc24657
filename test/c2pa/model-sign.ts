/**
 * Test inputs signed as an image model signs its output: a `c2pa.created` manifest with
 * trainedAlgorithmicMedia, by the model's own chain, written with @trustnxt/c2pa-ts directly
 * (the gateway's output is validated with c2pa-rs, never with this library).
 */
import { CoseAlgorithmIdentifier, type Signer } from '@trustnxt/c2pa-ts/cose'
import { ActionAssertion, ClaimVersion, DataHashAssertion, ManifestStore, type Action } from '@trustnxt/c2pa-ts/manifest'
import { CarrierAsset, type C2paFormat } from '../../src/c2pa/asset'
import type { C2paCredential } from '../../src/c2pa/sign'
import { jpeg, jpegSegments } from '../../src/formats/jpeg'
import { png, pngChunks } from '../../src/formats/png'
import { webpChunks } from '../../src/formats/webp'

/** `padding`: characters of an action description, to make a store that spans several JPEG APP11 segments. */
export async function modelSigned(bytes: Uint8Array, format: C2paFormat, credential: C2paCredential, padding = 0): Promise<{ bytes: Uint8Array; label: string }> {
  const signer: Signer = {
    certificate: credential.chain[0]!,
    chainCertificates: credential.chain.slice(1),
    algorithm: CoseAlgorithmIdentifier.ES256,
    sign: async (payload) => new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, credential.key, payload)),
  }
  const store = new ManifestStore()
  const manifest = store.createManifest({ claimVersion: ClaimVersion.V2, assetFormat: format.mime, instanceID: `xmp:iid:${crypto.randomUUID()}`, defaultHashAlgorithm: 'SHA-256', signer })
  manifest.claim!.claimGeneratorName = 'test-image-model'
  manifest.claim!.claimGeneratorVersion = '1.0'
  const actions = new ActionAssertion()
  actions.label = 'c2pa.actions.v2'
  const prompt = padding ? { parameters: { prompt: 'p'.repeat(padding) } } : {}
  actions.actions = [{ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', softwareAgent: { name: 'gpt-image-1' }, ...prompt } as Action]
  manifest.addAssertion(actions)
  const binding = DataHashAssertion.create('SHA-256')
  manifest.addAssertion(binding)
  const asset = new CarrierAsset(bytes, format)
  await asset.ensureManifestSpace(store.measureSize())
  await binding.updateWithAsset(asset)
  await manifest.sign(signer)
  await asset.writeManifestJUMBF(store.getBytes())
  return { bytes: asset.bytes, label: manifest.label! }
}


/** An offset inside the compressed pixels. */
export function imageDataAt(bytes: Uint8Array, format: C2paFormat): number {
  if (format === png) return pngChunks(bytes).find((c) => c.type === 'IDAT')!.start + 20
  if (format === jpeg) return jpegSegments(bytes).scan + 30
  return webpChunks(bytes).find((c) => c.fourcc === 'VP8 ' || c.fourcc === 'VP8L')!.start + 30
}
