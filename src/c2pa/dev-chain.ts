/**
 * A development certificate chain for C2PA signing: a local root and a leaf that meets the
 * C2PA certificate profile (X.509 v3, AKI/SKI, digitalSignature, an allowed EKU, not
 * self-signed). Viewers show its manifests as "untrusted": production needs a certificate
 * from a CA on the C2PA trust list.
 */
import * as x509 from '@peculiar/x509'
import { ES256 } from './certificates'
import type { C2paCredential } from './sign'

/** id-kp-emailProtection: on C2PA's list of allowed extended key usages. */
const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4'
const DAY = 86_400_000

/** A P-256 pair whose private key cannot be exported. */
export const newKeyPair = () => crypto.subtle.generateKey(ES256, false, ['sign', 'verify']) as Promise<CryptoKeyPair>

/** `leafKeys`: the signer's own pair (the demo tenant's, to be sealed); a new non-extractable one without. */
export async function developmentChain(organization: string, now = new Date(), leafKeys?: CryptoKeyPair): Promise<{ root: x509.X509Certificate; credential: C2paCredential }> {
  const rootKeys = await newKeyPair()
  leafKeys ??= await newKeyPair()
  const notBefore = new Date(now.getTime() - DAY)
  const notAfter = new Date(now.getTime() + 365 * DAY)
  const serial = () => [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('').replace(/^[89a-f]/, '1')
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${organization} development C2PA root, O=${organization}`,
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: ES256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  })
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${organization} development C2PA signer, O=${organization}`,
    issuer: root.subject,
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: ES256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([EMAIL_PROTECTION]),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  })
  return { root, credential: { key: leafKeys.privateKey, chain: [leaf, root] } }
}
