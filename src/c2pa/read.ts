/**
 * Reading and validating a file's C2PA manifest store (Content Credentials) with
 * @trustnxt/c2pa-ts: pure TypeScript, runs in workerd, writes ES256 as raw r‖s. Its JUMBF
 * parser recurses and decodes every box, so the box tree is walked and bounded here first
 * (src/limits.ts c2pa_*); any failure is a report, never a thrown request.
 */
import { X509Certificate, X509ChainBuilder } from '@peculiar/x509'
import { SuperBox } from '@trustnxt/c2pa-ts/jumbf'
import { ManifestStore, type ValidationResult } from '@trustnxt/c2pa-ts/manifest'
import { FormatError, latin1, u32be } from '../formats/bytes'
import type { CarrierFormat } from '../formats/types'
import { checkLimit } from '../limits'
import { CarrierAsset, carriesC2pa } from './asset'

export interface C2paAction {
  action: string
  digitalSourceType?: string
  softwareAgent?: string
  description?: string
}

/** What a manifest store says, as the detect report and the label record keep it. */
export interface C2paSummary {
  /** `valid`: every hash and signature checks; `unreadable`: the store cannot be parsed. */
  state: 'valid' | 'invalid' | 'unreadable'
  /** `not-checked` unless the caller gives trust anchors (the C2PA trust list, or a test root). */
  trust: 'trusted' | 'untrusted' | 'not-checked'
  /** Validation failure codes (C2PA 2.1 §15), or why the store is unreadable. */
  failures: string[]
  activeManifest?: string
  claimGenerator?: string
  signer?: { subject: string; issuer: string }
  actions: C2paAction[]
  ingredients: { title?: string; relationship?: string }[]
}

/** A store as read: the summary, and for a readable one what a new manifest needs of it. */
export interface ReadManifestStore {
  summary: C2paSummary
  parsed?: { store: ManifestStore; jumbf: Uint8Array; validation: ValidationResult }
}

const unreadable = (problem: string): ReadManifestStore => ({ summary: { state: 'unreadable', trust: 'not-checked', failures: [problem], actions: [], ingredients: [] } })

/** The file's manifest store, read and validated; undefined when it has none (or the format carries none). */
export async function readManifestStore(bytes: Uint8Array, format: CarrierFormat, trustAnchors: X509Certificate[] = []): Promise<ReadManifestStore | undefined> {
  if (!carriesC2pa(format)) return undefined
  let asset: CarrierAsset
  try {
    asset = new CarrierAsset(bytes, format)
  } catch (error) {
    if (error instanceof FormatError) return unreadable(error.message)
    throw error
  }
  const jumbf = asset.getManifestJUMBF()
  if (!jumbf) return undefined
  try {
    checkBoxTree(jumbf)
    const store = ManifestStore.read(SuperBox.fromBuffer(jumbf.slice()))
    const validation = await store.validate(asset)
    return { summary: await summarize(store, validation, trustAnchors), parsed: { store, jumbf, validation } }
  } catch (error) {
    return unreadable(error instanceof Error ? error.message : String(error))
  }
}

/** Walks the JUMBF boxes without recursion: lengths inside their parent, count and depth bounded. */
function checkBoxTree(jumbf: Uint8Array): void {
  const open: { end: number }[] = []
  let at = 0
  let boxes = 0
  while (at < jumbf.length || open.length) {
    while (open.length && at >= open.at(-1)!.end) open.pop()
    if (at >= jumbf.length) break
    const end = open.at(-1)?.end ?? jumbf.length
    if (at + 8 > end) throw new FormatError('JUMBF box header runs past its parent')
    const length = u32be(jumbf, at)
    if (length < 8 || at + length > end) throw new FormatError(`JUMBF box length ${length} out of range`)
    checkLimit('c2paJumbfBoxes', ++boxes, 'the boxes of the C2PA manifest store')
    if (latin1(jumbf, at + 4, at + 8) === 'jumb') {
      open.push({ end: at + length })
      checkLimit('c2paJumbfDepth', open.length, 'the nesting of the C2PA manifest store')
      at += 8
    } else {
      at += length
    }
  }
}

async function summarize(store: ManifestStore, validation: ValidationResult, trustAnchors: X509Certificate[]): Promise<C2paSummary> {
  const manifest = store.getActiveManifest()
  const claim = manifest?.claim
  const certificate = manifest?.signature?.signatureData.certificate
  const actions = (manifest?.assertions?.getActionAssertions() ?? []).flatMap((a) =>
    a.actions.map((action) => ({
      action: action.action,
      ...(action.digitalSourceType ? { digitalSourceType: action.digitalSourceType } : {}),
      ...(action.softwareAgent?.name ? { softwareAgent: action.softwareAgent.name } : {}),
      ...(action.description ?? action.parameters?.description ? { description: action.description ?? action.parameters?.description } : {}),
    })),
  )
  const ingredients = (manifest?.assertions?.assertions ?? []).flatMap((a) =>
    'relationship' in a && a.label?.startsWith('c2pa.ingredient') ? [{ ...pick(a, 'title'), ...pick(a, 'relationship') }] : [],
  )
  const failures = validation.statusEntries.filter((e) => e.success === false).map((e) => e.code)
  return {
    state: validation.isValid ? 'valid' : 'invalid',
    trust: certificate && trustAnchors.length ? ((await isTrusted(certificate, manifest.signature!.signatureData.chainCertificates, trustAnchors)) ? 'trusted' : 'untrusted') : 'not-checked',
    failures,
    ...(manifest?.label ? { activeManifest: manifest.label } : {}),
    ...(claim?.claimGeneratorName ? { claimGenerator: [claim.claimGeneratorName, claim.claimGeneratorVersion].filter(Boolean).join('/') } : {}),
    ...(certificate ? { signer: { subject: certificate.subject, issuer: certificate.issuer } } : {}),
    actions,
    ingredients,
  }
}

function pick<K extends 'title' | 'relationship'>(from: object, key: K): Partial<Record<K, string>> {
  const value = (from as Partial<Record<K, unknown>>)[key]
  return typeof value === 'string' ? ({ [key]: value } as Partial<Record<K, string>>) : {}
}

/** Whether the signer's chain ends, each link's signature checked, at one of the anchors. */
async function isTrusted(certificate: X509Certificate, chain: X509Certificate[], anchors: X509Certificate[]): Promise<boolean> {
  const path = await new X509ChainBuilder({ certificates: [...chain, ...anchors] }).build(certificate)
  const top = path.at(-1)
  if (!top || !anchors.some((a) => a.equal(top))) return false
  for (let i = 0; i + 1 < path.length; i++) {
    if (!(await path[i]!.verify({ publicKey: path[i + 1]!.publicKey, signatureOnly: true }))) return false
  }
  return true
}
