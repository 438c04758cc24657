/**
 * Our own manifest, made after every edit and written last: a standard manifest (our XMP
 * label moves bytes, so an update manifest cannot bind the file). The upstream's store is
 * carried byte for byte and its active manifest is the `parentOf` ingredient, with the
 * validation results we found; the actions say what the gateway did; an assertion in the
 * operator's namespace carries the TC260 label; `c2pa.hash.data` binds every other byte.
 * Never `c2pa.watermarked`: that action means an invisible soft-binding watermark.
 */
import type { X509Certificate } from '@peculiar/x509'
import { CoseAlgorithmIdentifier, type Signer } from '@trustnxt/c2pa-ts/cose'
import { CBORBox, EmbeddedFileBox, SuperBox, type IBox } from '@trustnxt/c2pa-ts/jumbf'
import {
  ActionAssertion,
  Assertion,
  ClaimVersion,
  DataHashAssertion,
  IngredientAssertion,
  ManifestStore,
  RelationshipType,
  type Action,
  type HashedURI,
  type Manifest,
} from '@trustnxt/c2pa-ts/manifest'
import type { AigcLabel } from '../label/annex-e'
import { CarrierAsset, type C2paFormat } from './asset'
import type { ReadManifestStore } from './read'

/** A tenant's C2PA signing credential: an ES256 key that never leaves WebCrypto, and its chain (leaf first). */
export interface C2paCredential {
  key: CryptoKey
  chain: X509Certificate[]
}

export interface ManifestPlan {
  /** The gateway as claim generator. */
  generator: { name: string; version: string }
  /** The upstream's store, as read from the file before the gateway changed it. */
  upstream?: ReadManifestStore
  /** The model that made the image: the softwareAgent of `c2pa.created`. */
  model: string
  /** Set when the visible mark was drawn: what it says. */
  visibleMark?: string
  /** The TC260 label as written in the XMP. */
  label: AigcLabel
  /** The operator's assertion label (reverse domain), e.g. `cn.example.tc260.label`. */
  labelAssertion: string
}

export const TRAINED_ALGORITHMIC_MEDIA = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia'
/** JUMBF type of a CBOR assertion: `cbor` then the ISO suffix (C2PA 2.1 §11.1). */
const CBOR_ASSERTION = new Uint8Array([0x63, 0x62, 0x6f, 0x72, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71])

/** The TC260 label's Annex E fields as a CBOR assertion. */
class LabelAssertion extends Assertion {
  override uuid = CBOR_ASSERTION
  constructor(
    public override label: string,
    private readonly fields: AigcLabel,
  ) {
    super()
  }
  readContentFromJUMBF(): void {}
  generateJUMBFBoxForContent(): IBox {
    const box = new CBORBox()
    box.content = { ...this.fields }
    return box
  }
}

/**
 * The upstream's manifest written back exactly as it was read. The library re-serialises a
 * parsed box tree, and not every box comes back the same (embedded-file boxes of thumbnails,
 * JSON assertions), which c2pa-rs reports as `ingredient.manifest.mismatch`: the box keeps
 * its stored content and writes it with the schema of a raw-content box.
 */
function verbatim(manifest: Manifest): Manifest {
  const box = manifest.sourceBox
  if (box?.rawContent) Object.assign(box, { schema: EmbeddedFileBox.schema, content: box.rawContent })
  return manifest
}

/** A hashed reference to an upstream box, over its stored bytes (the box content, as C2PA hashes it). */
async function hashedUri(path: string, box: SuperBox): Promise<HashedURI> {
  return { uri: `self#jumbf=${path}`, hash: new Uint8Array(await crypto.subtle.digest('SHA-256', box.rawContent!)), algorithm: 'SHA-256' }
}

/** The labelled file with our manifest store, signed with the credential. */
export async function signManifest(bytes: Uint8Array, format: C2paFormat, credential: C2paCredential, plan: ManifestPlan): Promise<Uint8Array> {
  const signer: Signer = {
    certificate: credential.chain[0]!,
    chainCertificates: credential.chain.slice(1),
    algorithm: CoseAlgorithmIdentifier.ES256,
    // WebCrypto's ECDSA signature is IEEE P1363 r‖s, which COSE wants.
    sign: async (payload) => new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, credential.key, payload)),
  }
  const store = new ManifestStore()
  const parent = plan.upstream?.parsed
  if (parent) store.manifests.push(...parent.store.manifests.map(verbatim))
  const manifest = store.createManifest({
    claimVersion: ClaimVersion.V2,
    assetFormat: format.mime,
    instanceID: `xmp:iid:${crypto.randomUUID()}`,
    defaultHashAlgorithm: 'SHA-256',
    signer,
  })
  manifest.claim!.claimGeneratorName = plan.generator.name
  manifest.claim!.claimGeneratorVersion = plan.generator.version

  const actions = new ActionAssertion()
  actions.label = 'c2pa.actions.v2'
  const upstreamActive = parent?.store.getActiveManifest()
  if (parent && upstreamActive?.label) {
    const ingredient = IngredientAssertion.createV3(RelationshipType.ParentOf)
    ingredient.title = 'upstream image'
    ingredient.format = format.mime
    const manifestBox = upstreamActive.sourceBox!
    const signatureBox = manifestBox.contentBoxes.find((b): b is SuperBox => b instanceof SuperBox && b.descriptionBox?.label === 'c2pa.signature')
    ingredient.activeManifest = await hashedUri(`/c2pa/${upstreamActive.label}`, manifestBox)
    if (signatureBox) ingredient.claimSignature = await hashedUri(`/c2pa/${upstreamActive.label}/c2pa.signature`, signatureBox)
    const entries = parent.validation.toRepresentation()
    ingredient.validationResults = {
      activeManifest: {
        success: entries.filter((e) => e.success !== false),
        informational: [],
        failure: entries.filter((e) => e.success === false),
      },
    }
    manifest.addAssertion(ingredient)
    actions.actions.push({ action: 'c2pa.opened', parameters: { ingredients: [manifest.createAssertionReference(ingredient)] } } as Action)
  } else {
    actions.actions.push({ action: 'c2pa.created', digitalSourceType: TRAINED_ALGORITHMIC_MEDIA, softwareAgent: { name: plan.model } } as Action)
  }
  if (plan.visibleMark !== undefined) {
    // Actions v1 carry the description among the parameters; the library writes no other place.
  actions.actions.push({ action: 'c2pa.edited', parameters: { description: `visible AI-generated label drawn on the image (GB 45438-2025): ${plan.visibleMark}` } } as Action)
  }
  actions.actions.push({ action: 'c2pa.edited.metadata', parameters: { description: 'TC260 implicit label written in the XMP metadata (GB 45438-2025)' } } as Action)
  manifest.addAssertion(actions)
  manifest.addAssertion(new LabelAssertion(plan.labelAssertion, plan.label))
  const binding = DataHashAssertion.create('SHA-256')
  binding.name = 'jumbf manifest'
  manifest.addAssertion(binding)

  const asset = new CarrierAsset(bytes, format)
  await asset.ensureManifestSpace(store.measureSize())
  await binding.updateWithAsset(asset)
  await manifest.sign(signer)
  await asset.writeManifestJUMBF(store.getBytes())
  return asset.bytes
}
