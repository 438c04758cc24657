/**
 * A tenant's C2PA key and certificate chain: the ES256 (P-256) key made or imported, the CSR
 * a CA signs, and the chain it issues checked against the key and the C2PA certificate
 * profile (C2PA 2.1 §14.5: X.509 v3 extensions, critical key usage with digitalSignature, an
 * allowed EKU, AKI, not a CA, not self-signed; CAs with SKI; each link signed by the next). Pure: no storage, `now` passed in.
 */
import * as x509 from '@peculiar/x509'
import { toHex } from '../crypto'

export const ES256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }

/**
 * Extended key usages of a claim signer that every reader accepts: C2PA 2.1 §14.5.1 lists
 * more (c2pa-kp-claimSigning, …), but @trustnxt/c2pa-ts, and viewers built on it, take only these.
 */
const SIGNER_EKUS = new Set([
  '1.3.6.1.5.5.7.3.4', // id-kp-emailProtection
  '1.3.6.1.5.5.7.3.36', // id-kp-documentSigning
])
const ANY_EKU = '2.5.29.37.0'
const MAX_CHAIN = 10

export class CertificateError extends Error {}

/** What the admin API and the audit log say of a signer's certificate: never key material. */
export interface CertificateSummary {
  subject: string
  issuer: string
  serialNumber: string
  notBefore: string
  notAfter: string
  /** SHA-256 of the leaf certificate's DER, hex. */
  fingerprint: string
}

/** A P-256 pair whose private key can be exported once, to be sealed. */
export const exportableKeyPair = () => crypto.subtle.generateKey(ES256, true, ['sign', 'verify']) as Promise<CryptoKeyPair>

export async function exportPrivateKey(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode((await crypto.subtle.exportKey('pkcs8', key)) as ArrayBuffer, 'PRIVATE KEY')
}

/** The signing key from PKCS#8 PEM, non-extractable, as the gateway holds it. */
export async function signingKey(pem: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pemBlock(pem, 'PRIVATE KEY'), ES256, false, ['sign'])
}

/** An operator's PKCS#8 key, checked to be P-256, and its public half. */
export async function importedKeyPair(pem: string): Promise<CryptoKeyPair> {
  let privateKey: CryptoKey
  try {
    privateKey = await crypto.subtle.importKey('pkcs8', pemBlock(pem, 'PRIVATE KEY'), ES256, true, ['sign'])
  } catch {
    throw new CertificateError('privateKey: not a PKCS#8 ECDSA P-256 key in PEM ("-----BEGIN PRIVATE KEY-----")')
  }
  const { d: _, key_ops: _ops, ...jwk } = (await crypto.subtle.exportKey('jwk', privateKey)) as JsonWebKey
  const publicKey = await crypto.subtle.importKey('jwk', jwk, ES256, true, ['verify'])
  return { privateKey, publicKey }
}

export async function certificateRequest(keys: CryptoKeyPair, subject: { commonName: string; organization?: string; country?: string }): Promise<string> {
  const name: Record<string, string[]>[] = [{ CN: [subject.commonName] }]
  if (subject.organization) name.push({ O: [subject.organization] })
  if (subject.country) name.push({ C: [subject.country] })
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: ES256,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.ExtendedKeyUsageExtension([...SIGNER_EKUS])],
  })
  return csr.toString('pem')
}

export function parseChain(pem: string, max = MAX_CHAIN): x509.X509Certificate[] {
  let blocks: ArrayBuffer[]
  try {
    blocks = x509.PemConverter.decode(pem)
  } catch {
    throw new CertificateError('chain: not PEM certificates')
  }
  if (blocks.length === 0) throw new CertificateError('chain: no certificate found; send PEM, leaf first')
  if (blocks.length > max) throw new CertificateError(`chain: at most ${max} certificates`)
  try {
    return blocks.map((der) => new x509.X509Certificate(der))
  } catch {
    throw new CertificateError('chain: a block is not an X.509 certificate')
  }
}

/** Checks the chain (leaf first) against the key and the C2PA profile; returns the leaf's summary. */
export async function checkChain(chain: x509.X509Certificate[], publicKey: CryptoKey, now: Date): Promise<CertificateSummary> {
  const leaf = chain[0]!
  const fail = (why: string) => {
    throw new CertificateError(`chain: ${why}`)
  }
  const ours = (await crypto.subtle.exportKey('jwk', publicKey)) as JsonWebKey
  const theirs = (await crypto.subtle.exportKey('jwk', await leaf.publicKey.export(ES256, ['verify']).catch(() => fail('the leaf key is not ECDSA P-256')) as CryptoKey)) as JsonWebKey
  if (ours.x !== theirs.x || ours.y !== theirs.y) fail('the leaf certificate is not for this signer\'s key')
  if (now < leaf.notBefore || now > leaf.notAfter) fail(`the leaf certificate is valid from ${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()}`)
  const usage = leaf.getExtension(x509.KeyUsagesExtension)
  if (!usage || !(usage.usages & x509.KeyUsageFlags.digitalSignature)) fail('the leaf certificate lacks the digitalSignature key usage')
  const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension)
  if (!eku || eku.usages.includes(ANY_EKU) || !eku.usages.some((u) => SIGNER_EKUS.has(String(u)))) fail('the leaf certificate needs the extended key usage emailProtection or documentSigning (and not anyExtendedKeyUsage)')
  if (leaf.getExtension(x509.BasicConstraintsExtension)?.ca) fail('the leaf certificate is a CA certificate')
  if (await leaf.isSelfSigned()) fail('the leaf certificate is self-signed; C2PA needs one issued by a CA')
  if (!leaf.getExtension(x509.AuthorityKeyIdentifierExtension)) fail('the leaf certificate lacks the authority key identifier')
  for (const [i, certificate] of chain.entries()) {
    // Readers check every certificate in the manifest: a critical key usage, and a CA's key identifier.
    if (!certificate.getExtension(x509.KeyUsagesExtension)?.critical) fail(`certificate ${i + 1} lacks a critical key usage extension`)
    if (i > 0 && !certificate.getExtension(x509.SubjectKeyIdentifierExtension)) fail(`certificate ${i + 1} (a CA) lacks the subject key identifier`)
    const issuer = chain[i + 1]
    if (issuer && !(await certificate.verify({ publicKey: issuer.publicKey, signatureOnly: true }))) fail(`certificate ${i + 1} is not signed by certificate ${i + 2}; send the chain leaf first`)
  }
  return certificateSummary(leaf)
}

export async function certificateSummary(leaf: x509.X509Certificate): Promise<CertificateSummary> {
  return {
    subject: leaf.subject,
    issuer: leaf.issuer,
    serialNumber: leaf.serialNumber,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    fingerprint: toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', leaf.rawData))),
  }
}

export const chainPem = (chain: x509.X509Certificate[]) => chain.map((c) => c.toString('pem')).join('\n')

function pemBlock(pem: string, tag: string): ArrayBuffer {
  const block = x509.PemConverter.decodeWithHeaders(pem).find((b) => b.type === tag)
  if (!block) throw new CertificateError(`not PEM "${tag}"`)
  return block.rawData
}
