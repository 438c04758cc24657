/**
 * The trust anchors C2PA signers are checked against: C2PA_TRUST_ANCHORS, PEM root
 * certificates (the C2PA trust list, or an operator's own roots). Without them a manifest's
 * `trust` is `not-checked`; with them `trusted` or `untrusted`.
 */
import type { X509Certificate } from '@peculiar/x509'
import { parseChain } from './certificates'

let parsed: { pem: string; anchors: X509Certificate[] } | undefined

/** Parsed once per isolate; a list that does not parse is logged and checks nothing. */
export function trustAnchors(pem: string | undefined): X509Certificate[] {
  if (!pem?.trim()) return []
  if (parsed?.pem !== pem) {
    let anchors: X509Certificate[] = []
    try {
      anchors = parseChain(pem, 1000)
    } catch (error) {
      console.error('C2PA_TRUST_ANCHORS is not a list of PEM certificates; trust is not checked', error)
    }
    parsed = { pem, anchors }
  }
  return parsed.anchors
}
