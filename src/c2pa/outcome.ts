/**
 * What labelling does to Content Credentials, as `X-AIGC-C2PA` says: `re-signed` (our
 * manifest, the upstream's as its parentOf ingredient), `created` (our manifest, nothing
 * upstream), `stripped` (the upstream's store removed: a tenant without a C2PA signer, or
 * signing failed; an invalid store is never delivered), `none` (nothing upstream, no signer).
 */
import type { X509Certificate } from '@peculiar/x509'
import type { CarrierFormat } from '../formats/types'
import type { AigcLabel } from '../label/annex-e'
import { carriesC2pa } from './asset'
import { readManifestStore, type C2paSummary, type ReadManifestStore } from './read'
import { signManifest, type C2paCredential, type ManifestPlan } from './sign'

export type C2paAction = 're-signed' | 'created' | 'stripped' | 'none'

export interface C2paOutcome {
  action: C2paAction
  /** What the upstream's store said (kept in the label record and the detect report). */
  upstream?: C2paSummary
}

/** The tenant's C2PA side of signing. */
export interface C2paSigning {
  /** The tenant's signer and what its manifest says; without one, an upstream store is stripped. */
  signer?: { credential: C2paCredential; plan: Pick<ManifestPlan, 'generator' | 'model' | 'labelAssertion'> }
  /** Roots the upstream's signer is checked against (C2PA_TRUST_ANCHORS). */
  trustAnchors?: X509Certificate[]
}

/** The upstream's store, read before any edit (a label write removes it). */
export const readUpstream = (bytes: Uint8Array, format: CarrierFormat, signing?: C2paSigning) => readManifestStore(bytes, format, signing?.trustAnchors)

/** The labelled file with our manifest written last, or without any. */
export async function finishCredentials(
  labelled: Uint8Array,
  format: CarrierFormat,
  upstream: ReadManifestStore | undefined,
  signing: C2paSigning | undefined,
  written: { label: AigcLabel; visibleMark?: string },
): Promise<{ bytes: Uint8Array; c2pa: C2paOutcome }> {
  const summary = upstream ? { upstream: upstream.summary } : {}
  if (!carriesC2pa(format)) return { bytes: labelled, c2pa: { action: 'none' } }
  if (signing?.signer) {
    try {
      const bytes = await signManifest(labelled, format, signing.signer.credential, { ...signing.signer.plan, ...written, ...(upstream ? { upstream } : {}) })
      return { bytes, c2pa: { action: upstream?.parsed ? 're-signed' : 'created', ...summary } }
    } catch (error) {
      console.error('C2PA signing failed; the manifest store is stripped', error)
    }
  }
  return { bytes: labelled, c2pa: { action: upstream ? 'stripped' : 'none', ...summary } }
}
