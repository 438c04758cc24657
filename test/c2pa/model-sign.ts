/**
 * Test inputs signed as an image model signs its output: a `c2pa.created` manifest with
 * trainedAlgorithmicMedia, by the model's own chain, written with @trustnxt/c2pa-ts directly
 * (the gateway's output is validated with c2pa-rs, never with this library).
 */
import { CoseAlgorithmIdentifier, type Signer } from '@trustnxt/c2pa-ts/cose'
import { EmbeddedFileBox, type IBox } from '@trustnxt/c2pa-ts/jumbf'
import { ActionAssertion, Assertion, ClaimVersion, DataHashAssertion, ManifestStore, ThumbnailAssertion, type Action } from '@trustnxt/c2pa-ts/manifest'
import { CarrierAsset, type C2paFormat } from '../../src/c2pa/asset'
import type { C2paCredential } from '../../src/c2pa/sign'
import { jpeg, jpegSegments } from '../../src/formats/jpeg'
import { png, pngChunks } from '../../src/formats/png'
import { webpChunks } from '../../src/formats/webp'

/** ThumbnailType.Claim (the library exports the enum as a type only). */
const CLAIM_THUMBNAIL = 0
const JSON_ASSERTION = new Uint8Array([0x6a, 0x73, 0x6f, 0x6e, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71])

/**
 * A JSON assertion written with the whitespace a model's SDK leaves in (pretty-printed JSON-LD):
 * valid, and hashed as stored, but @trustnxt/c2pa-ts writes a parsed JSON box back compact, so
 * a re-serialised copy of the manifest no longer matches its own claim.
 */
class PrettyJsonAssertion extends Assertion {
  override uuid = JSON_ASSERTION
  override label = 'stds.schema-org.CreativeWork'
  readContentFromJUMBF(): void {}
  generateJUMBFBoxForContent(): IBox {
    const json = JSON.stringify({ '@context': 'https://schema.org', '@type': 'CreativeWork', author: [{ '@type': 'Organization', name: 'Test Model Co' }] }, null, 2)
    // A raw-content box typed `json`: its bytes are written as they are.
    return Object.assign(new EmbeddedFileBox(), { type: 'json', content: new TextEncoder().encode(json) })
  }
}

/**
 * `padding`: characters of an action description, to make a store that spans several JPEG
 * APP11 segments; `thumbnail`: a JPEG for a `c2pa.thumbnail.claim.jpeg` assertion (embedded-file
 * boxes), with a JSON-LD assertion beside it, as real model output carries.
 */
export async function modelSigned(bytes: Uint8Array, format: C2paFormat, credential: C2paCredential, padding = 0, thumbnail?: Uint8Array): Promise<{ bytes: Uint8Array; label: string }> {
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
  if (thumbnail) {
    manifest.addAssertion(ThumbnailAssertion.create('jpeg', thumbnail, CLAIM_THUMBNAIL))
    manifest.addAssertion(new PrettyJsonAssertion())
  }
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
