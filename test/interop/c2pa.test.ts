/**
 * Content Credentials through labelling, judged by c2pa-rs (its wasm build): the model's
 * manifest becomes our manifest's parentOf ingredient, everything validates together with
 * the TC260 label, and one changed pixel byte breaks both.
 */
import { readFileSync } from 'node:fs'
import { initSync, WasmReader } from '@contentauth/c2pa-wasm'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import type { C2paFormat } from '../../src/c2pa/asset'
import { developmentChain } from '../../src/c2pa/dev-chain'
import type { C2paCredential } from '../../src/c2pa/sign'
import { jpeg, jpegSegments } from '../../src/formats/jpeg'
import { png } from '../../src/formats/png'
import { webp } from '../../src/formats/webp'
import { labelFile } from '../../src/image/label-image'
import { createLabel } from '../../src/label/annex-e'
import { generateKeyPair } from '../../src/label/signature'
import { inspect } from '../../src/verify/inspect'
import { trustAnchors } from '../../src/c2pa/trust'
import type { X509Certificate } from '@peculiar/x509'
import { imageDataAt, modelSigned } from '../c2pa/model-sign'
import { DEFAULT_IMAGE_MARK } from '../../src/label/image-mark'
import { codecs, FONT } from './codecs'

initSync({ module: readFileSync('node_modules/@contentauth/c2pa-wasm/pkg/c2pa_bg.wasm') })

interface ReadStore {
  active_manifest: string
  validation_state: string
  validation_results?: { activeManifest?: { failure: { code: string }[] } }
  manifests: Record<string, { ingredients?: { relationship: string; active_manifest?: string; validation_results?: { activeManifest?: { failure: unknown[] } } }[]; assertions: { label: string; data: { actions?: { action: string; description?: string; digitalSourceType?: string }[] } }[] }>
}

let model: C2paCredential
let gateway: C2paCredential
let anchors: string
let modelRoot: X509Certificate
let gatewayRoot: X509Certificate
beforeAll(async () => {
  const m = await developmentChain('Test Model Co')
  const g = await developmentChain('Test Gateway Operator')
  model = m.credential
  gateway = g.credential
  modelRoot = m.root
  gatewayRoot = g.root
  anchors = [m.root, g.root].map((c) => c.toString('pem')).join('\n')
})

async function c2paRs(bytes: Uint8Array, mime: string): Promise<ReadStore> {
  const reader = await WasmReader.fromBytes(mime, bytes, JSON.stringify({ trust: { trust_anchors: anchors } }))
  return JSON.parse(reader.json()) as ReadStore
}

const failures = (store: ReadStore) => store.validation_results?.activeManifest?.failure.map((f) => f.code) ?? []

const IMAGES: [C2paFormat, () => Promise<Uint8Array>, number][] = [
  [png as C2paFormat, () => sharp({ create: { width: 96, height: 64, channels: 3, background: '#3366aa' } }).png().toBuffer().then((b) => new Uint8Array(b)), 0],
  // A store over 64 KB: several APP11 segments, as real-world files with thumbnails have.
  [jpeg as C2paFormat, () => sharp({ create: { width: 96, height: 64, channels: 3, background: '#aa6633' } }).jpeg().toBuffer().then((b) => new Uint8Array(b)), 150_000],
  [webp as C2paFormat, () => sharp({ create: { width: 96, height: 64, channels: 3, background: '#33aa66' } }).webp().toBuffer().then((b) => new Uint8Array(b)), 0],
]

describe.each(IMAGES)('%s', (format, image, padding) => {
  it('re-signs: our manifest validates in c2pa-rs with the model manifest as its parentOf ingredient, and the TC260 label verifies too', async () => {
    const upstream = await modelSigned(await image(), format, model, padding)
    const before = await c2paRs(upstream.bytes, format.mime)
    expect(failures(before)).toEqual([])
    const key = await generateKeyPair('Ed25519')
    const label = createLabel({ producer: 'TESTPRODUCER', produceId: crypto.randomUUID() })
    const out = await labelFile(upstream.bytes, format, label, undefined, {
      signer: { keyId: 'k1', ...key },
      role: 'producer',
      c2pa: { signer: { credential: gateway, plan: { generator: { name: 'aigc-label-gateway', version: '0.1.0' }, model: 'gpt-image-1', labelAssertion: 'org.example.tc260.label' } } },
    })
    expect(out.c2pa.action).toBe('re-signed')
    if (padding) expect(jpegSegments(upstream.bytes).segments.filter((s) => s.marker === 0xeb).length).toBeGreaterThan(2)
    expect(out.c2pa.upstream).toMatchObject({ state: 'valid', claimGenerator: 'test-image-model/1.0' })
    const store = await c2paRs(out.bytes, format.mime)
    expect(failures(store)).toEqual([])
    expect(store.validation_state, JSON.stringify(store.validation_results)).toBe('Trusted')
    const ours = store.manifests[store.active_manifest]!
    expect(ours.ingredients).toHaveLength(1)
    expect(ours.ingredients![0]).toMatchObject({ relationship: 'parentOf', active_manifest: upstream.label })
    expect(ours.ingredients![0]!.validation_results?.activeManifest?.failure).toEqual([])
    const actions = ours.assertions.find((a) => a.label.startsWith('c2pa.actions'))!.data.actions!.map((a) => a.action)
    expect(actions).toEqual(['c2pa.opened', 'c2pa.edited.metadata'])
    expect(ours.assertions.some((a) => a.label === 'org.example.tc260.label')).toBe(true)

    const report = await inspect(out.bytes, format, { isKnownKey: () => true })
    expect(report.labels[0]!.signatures![0]!.status).toBe('valid')
    // Trust anchors (C2PA_TRUST_ANCHORS): our signer's root makes it trusted, another root does not.
    expect(report.c2pa).toMatchObject({ state: 'valid', trust: 'not-checked' })
    expect((await inspect(out.bytes, format, { isKnownKey: () => true }, trustAnchors(gatewayRoot.toString('pem')))).c2pa).toMatchObject({ trust: 'trusted' })
    expect((await inspect(out.bytes, format, { isKnownKey: () => true }, [modelRoot])).c2pa).toMatchObject({ trust: 'untrusted' })

    const changed = out.bytes.slice()
    changed[imageDataAt(out.bytes, format)]! ^= 1
    const broken = await c2paRs(changed, format.mime).catch(() => undefined)
    if (broken) expect(failures(broken)).toContain('assertion.dataHash.mismatch')
    expect((await inspect(changed, format, { isKnownKey: () => true })).labels[0]?.signatures?.[0]?.status).toBe('content-changed')
  })

  it('re-signs after the visible mark: c2pa-rs validates it and names the edit', async () => {
    // Large enough for the mark, small enough for the whole-image paths.
    const big = () => sharp({ create: { width: 400, height: 300, channels: 3, background: '#557799' } })
    const source = format === png ? big().png() : format === jpeg ? big().jpeg() : big().webp()
    const upstream = await modelSigned(new Uint8Array(await source.toBuffer()), format, model, 0)
    const key = await generateKeyPair('Ed25519')
    const label = createLabel({ producer: 'TESTPRODUCER', produceId: crypto.randomUUID() })
    const out = await labelFile(upstream.bytes, format, label, { spec: DEFAULT_IMAGE_MARK, font: FONT, codecs }, {
      signer: { keyId: 'k1', ...key },
      role: 'producer',
      c2pa: { signer: { credential: gateway, plan: { generator: { name: 'aigc-label-gateway', version: '0.1.0' }, model: 'gpt-image-1', labelAssertion: 'org.example.tc260.label' } } },
    })
    expect(out.c2pa.action).toBe('re-signed')
    const store = await c2paRs(out.bytes, format.mime)
    expect(failures(store)).toEqual([])
    expect(store.validation_state).toBe('Trusted')
    const ours = store.manifests[store.active_manifest]!
    expect(ours.ingredients![0]).toMatchObject({ relationship: 'parentOf', active_manifest: upstream.label })
    const actions = ours.assertions.find((a) => a.label.startsWith('c2pa.actions'))!.data.actions!
    expect(actions.map((a) => a.action)).toEqual(['c2pa.opened', 'c2pa.edited', 'c2pa.edited.metadata'])
    expect((actions[1] as { parameters?: { description?: string } }).parameters?.description).toContain(DEFAULT_IMAGE_MARK.text)
    expect((await inspect(out.bytes, format, { isKnownKey: () => true })).labels[0]!.signatures![0]!.status).toBe('valid')
  })

  it('creates a manifest for an image that had none: c2pa.created, trainedAlgorithmicMedia, the model as softwareAgent', async () => {
    const key = await generateKeyPair('Ed25519')
    const label = createLabel({ producer: 'TESTPRODUCER', produceId: crypto.randomUUID() })
    const out = await labelFile(await image(), format, label, undefined, {
      signer: { keyId: 'k1', ...key },
      role: 'producer',
      c2pa: { signer: { credential: gateway, plan: { generator: { name: 'aigc-label-gateway', version: '0.1.0' }, model: 'gpt-image-1', labelAssertion: 'org.example.tc260.label' } } },
    })
    expect(out.c2pa.action).toBe('created')
    const store = await c2paRs(out.bytes, format.mime)
    expect(failures(store)).toEqual([])
    const actions = store.manifests[store.active_manifest]!.assertions.find((a) => a.label.startsWith('c2pa.actions'))!.data.actions!
    expect(actions[0]).toMatchObject({ action: 'c2pa.created', digitalSourceType: expect.stringMatching(/trainedAlgorithmicMedia$/), softwareAgent: { name: 'gpt-image-1' } })
  })

  it('keeps an upstream manifest with a thumbnail (embedded-file boxes) byte for byte: its ingredient hash matches in c2pa-rs', async () => {
    const thumbnail = new Uint8Array(await sharp({ create: { width: 16, height: 12, channels: 3, background: '#808080' } }).jpeg().toBuffer())
    const upstream = await modelSigned(await image(), format, model, 0, thumbnail)
    const before = await c2paRs(upstream.bytes, format.mime)
    expect(failures(before)).toEqual([])
    expect(JSON.stringify(before.manifests[before.active_manifest])).toContain('c2pa.thumbnail.claim.jpeg')
    const key = await generateKeyPair('Ed25519')
    const out = await labelFile(upstream.bytes, format, createLabel({ producer: 'TESTPRODUCER', produceId: 'p2' }), undefined, {
      signer: { keyId: 'k1', ...key },
      role: 'producer',
      c2pa: { signer: { credential: gateway, plan: { generator: { name: 'aigc-label-gateway', version: '0.1.0' }, model: 'gpt-image-1', labelAssertion: 'org.example.tc260.label' } } },
    })
    expect(out.c2pa.action).toBe('re-signed')
    const store = await c2paRs(out.bytes, format.mime)
    expect(failures(store), JSON.stringify(store.validation_results)).toEqual([])
    expect(store.validation_state).toBe('Trusted')
    expect(store.manifests[store.active_manifest]!.ingredients![0]).toMatchObject({ relationship: 'parentOf', active_manifest: upstream.label })
    // The model's manifest box (the store's content after its own 8-byte header and description box) is inside ours unchanged.
    const theirs = format.c2pa.find(upstream.bytes)!.jumbf
    const manifestBox = theirs.subarray(8 + new DataView(theirs.buffer, theirs.byteOffset + 8).getUint32(0))
    expect(Buffer.from(format.c2pa.find(out.bytes)!.jumbf).includes(Buffer.from(manifestBox))).toBe(true)
  })

  it('without a C2PA signer, strips the model manifest and says what it said', async () => {
    const upstream = await modelSigned(await image(), format, model, padding)
    const key = await generateKeyPair('Ed25519')
    const out = await labelFile(upstream.bytes, format, createLabel({ producer: 'TESTPRODUCER', produceId: 'p1' }), undefined, { signer: { keyId: 'k1', ...key }, role: 'producer' })
    expect(out.c2pa).toMatchObject({ action: 'stripped', upstream: { state: 'valid', actions: [{ action: 'c2pa.created', softwareAgent: 'gpt-image-1' }] } })
    expect(format.c2pa.find(out.bytes)).toBeUndefined()
  })
})
