/**
 * A tenant's C2PA signer through the admin API (key + CSR, the CA's chain, import, removal,
 * each in the tenant's log), then its images through /v1/aigc/label, /v1/images/generations
 * and the Responses image tool: X-AIGC-C2PA says re-signed or created, and the manifest the
 * gateway wrote reads back valid in workerd (c2pa-rs judges it in test/interop/c2pa.test.ts).
 */
import { Buffer } from 'node:buffer'
import * as x509 from '@peculiar/x509'
import { beforeAll, describe, expect, it } from 'vitest'
import type { C2paFormat } from '../src/c2pa/asset'
import { exportableKeyPair, exportPrivateKey } from '../src/c2pa/certificates'
import { developmentChain } from '../src/c2pa/dev-chain'
import type { C2paCredential } from '../src/c2pa/sign'
import { jpeg } from '../src/formats/jpeg'
import { png } from '../src/formats/png'
import { webp } from '../src/formats/webp'
import { modelSigned } from './c2pa/model-sign'
import { fixture } from './fixtures'
import { admin, createTenant, gateway, type TestTenant } from './helpers'

const ES256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
const DAY = 86_400_000

let model: C2paCredential
beforeAll(async () => {
  model = (await developmentChain('Test Model Co')).credential
})

const post = (tenant: TestTenant, path: string, body: BodyInit, type?: string) =>
  gateway(path, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, ...(type ? { 'content-type': type } : {}) }, body })

interface Report {
  c2pa: { present: boolean; state?: string; failures?: string[]; activeManifest?: string; claimGenerator?: string; actions?: { action: string }[]; ingredients?: { relationship?: string }[] }
  labels: { signatures: { status: string }[] }[]
}
const detect = async (tenant: TestTenant, bytes: Uint8Array) => (await (await post(tenant, '/v1/aigc/detect', bytes)).json()) as Report

/** A CA's answer to the gateway's CSR: a leaf for the CSR's key under a fresh root. */
async function issueFor(csrPem: string, extensions = [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.4'])]) {
  const csr = new x509.Pkcs10CertificateRequest(csrPem)
  const root = await crypto.subtle.generateKey(ES256, false, ['sign', 'verify']) as CryptoKeyPair
  const now = Date.now()
  const rootCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=Test CA', notBefore: new Date(now - DAY), notAfter: new Date(now + DAY), keys: root, signingAlgorithm: ES256,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true), await x509.SubjectKeyIdentifierExtension.create(root.publicKey)],
  })
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02', subject: csr.subject, issuer: rootCert.subject, notBefore: new Date(now - DAY), notAfter: new Date(now + DAY),
    publicKey: await csr.publicKey.export(), signingKey: root.privateKey, signingAlgorithm: ES256,
    extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(root.publicKey)],
  })
  return [leaf, rootCert].map((c) => c.toString('pem')).join('\n')
}

async function logActions(tenantId: string): Promise<{ action: string; text: string }[]> {
  const text = await (await admin('GET', `/tenants/${tenantId}/unmark-log`)).text()
  return text.trim().split('\n').filter(Boolean).map((line) => ({ action: (JSON.parse(line) as { details: { action?: string } }).details.action ?? '', text: line }))
}

describe('the C2PA signer admin API', () => {
  it('generates a key and CSR, takes the chain a CA issued, logs each change without key material, and removes it', async () => {
    const tenant = await createTenant()
    expect(await (await admin('GET', `/tenants/${tenant.id}/c2pa-signer`)).json()).toEqual({ active: null, pending: null })
    const made = await admin('POST', `/tenants/${tenant.id}/c2pa-signer/csr`, { namespace: 'cn.example', subject: { commonName: 'Example AIGC signer', organization: 'Example', country: 'CN' } })
    expect(made.status).toBe(201)
    const { csr } = (await made.json()) as { csr: string }
    expect(new x509.Pkcs10CertificateRequest(csr).subject).toContain('CN=Example AIGC signer')

    // A chain for another key, and a leaf without an allowed EKU, are refused.
    const other = await issueFor((await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=other', keys: await exportableKeyPair(), signingAlgorithm: ES256 })).toString('pem'))
    expect((await admin('PUT', `/tenants/${tenant.id}/c2pa-signer/certificate`, { chain: other })).status).toBe(422)
    const noEku = await admin('PUT', `/tenants/${tenant.id}/c2pa-signer/certificate`, { chain: await issueFor(csr, [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)]) })
    expect(noEku.status).toBe(422)
    expect(((await noEku.json()) as { error: { message: string } }).error.message).toContain('extended key usage')

    const set = await admin('PUT', `/tenants/${tenant.id}/c2pa-signer/certificate`, { chain: await issueFor(csr) })
    expect(set.status).toBe(200)
    const status = (await set.json()) as { active: { namespace: string; certificate: { subject: string; issuer: string } }; pending: unknown }
    expect(status).toMatchObject({ active: { namespace: 'cn.example', certificate: { issuer: 'CN=Test CA' } }, pending: null })

    const labelled = await post(tenant, '/v1/aigc/label?mark=implicit', fixture('plain.png'))
    expect(labelled.headers.get('X-AIGC-C2PA')).toBe('created')
    const report = await detect(tenant, new Uint8Array(await labelled.arrayBuffer()))
    expect(report.c2pa).toMatchObject({ present: true, state: 'valid', failures: [], claimGenerator: 'aigc-label-gateway/0.1.0' })

    expect((await admin('DELETE', `/tenants/${tenant.id}/c2pa-signer`)).status).toBe(204)
    const signed = await modelSigned(fixture('plain.png'), png as C2paFormat, model)
    expect((await post(tenant, '/v1/aigc/label?mark=implicit', signed.bytes)).headers.get('X-AIGC-C2PA')).toBe('stripped')

    const log = await logActions(tenant.id)
    expect(log.map((l) => l.action).filter((a) => a.startsWith('c2pa'))).toEqual(['c2pa-signer.requested', 'c2pa-signer.set', 'c2pa-signer.removed'])
    for (const { text } of log) expect(text).not.toMatch(/PRIVATE KEY|private_key/)
  })

  it('an operator token sets its own tenant\'s signer only', async () => {
    const [own, other] = await Promise.all([createTenant(), createTenant()])
    const { token } = (await (await admin('POST', `/tenants/${own.id}/operator-tokens`, { name: 'ops' })).json()) as { token: string }
    const body = { namespace: 'cn.example', subject: { commonName: 'x' } }
    expect((await admin('POST', `/tenants/${own.id}/c2pa-signer/csr`, body, token)).status).toBe(201)
    expect((await admin('POST', `/tenants/${other.id}/c2pa-signer/csr`, body, token)).status).toBe(404)
  })
})

describe('a tenant with a C2PA signer (imported key and chain)', () => {
  let tenant: TestTenant
  beforeAll(async () => {
    tenant = await createTenant()
    const keys = await exportableKeyPair()
    const { credential } = await developmentChain('Test Gateway Operator', new Date(), keys)
    const imported = await admin('PUT', `/tenants/${tenant.id}/c2pa-signer`, {
      namespace: 'org.example',
      privateKey: await exportPrivateKey(keys.privateKey),
      chain: credential.chain.map((c) => c.toString('pem')).join('\n'),
    })
    expect(imported.status).toBe(200)
  })

  describe.each([
    [png as C2paFormat, 'plain.png'],
    [jpeg as C2paFormat, 'bare.jpg'],
    [webp as C2paFormat, 'lossy.webp'],
  ])('%s', (format, name) => {
    it('/v1/aigc/label re-signs a model manifest (both marks) and the manifest and the TC260 label read back valid', async () => {
      const signed = await modelSigned(fixture(name), format, model)
      for (const mark of ['implicit', 'explicit,implicit']) {
        const labelled = await post(tenant, `/v1/aigc/label?mark=${mark}`, signed.bytes)
        expect(labelled.status).toBe(200)
        expect(labelled.headers.get('X-AIGC-C2PA')).toBe('re-signed')
        const report = await detect(tenant, new Uint8Array(await labelled.arrayBuffer()))
        expect(report.c2pa).toMatchObject({ present: true, state: 'valid', failures: [], claimGenerator: 'aigc-label-gateway/0.1.0', ingredients: [{ relationship: 'parentOf' }] })
        expect(report.c2pa.activeManifest).not.toBe(signed.label)
        const actions = report.c2pa.actions!.map((a) => a.action)
        expect(actions).toEqual(mark === 'implicit' ? ['c2pa.opened', 'c2pa.edited.metadata'] : ['c2pa.opened', 'c2pa.edited', 'c2pa.edited.metadata'])
        expect(report.labels[0]!.signatures[0]!.status).toBe('valid')
      }
    })
  })

  it('/v1/images/generations re-signs b64_json and url images of a model that signs its output', async () => {
    const signed = await modelSigned(fixture('plain.png'), png as C2paFormat, model)
    for (const response_format of ['b64_json', 'url']) {
      const res = await post(tenant, '/v1/images/generations', JSON.stringify({ model: 'c2pa-signed', prompt: '猫', response_format, c2pa_image: Buffer.from(signed.bytes).toString('base64') }), 'application/json')
      expect(res.status).toBe(200)
      expect(res.headers.get('X-AIGC-C2PA')).toBe('re-signed')
      const { data } = (await res.json()) as { data: { b64_json?: string; url?: string }[] }
      const bytes = data[0]!.b64_json ? Buffer.from(data[0]!.b64_json, 'base64') : new Uint8Array(await (await gateway(new URL(data[0]!.url!).pathname + new URL(data[0]!.url!).search)).arrayBuffer())
      const report = await detect(tenant, new Uint8Array(bytes))
      expect(report.c2pa).toMatchObject({ present: true, state: 'valid', failures: [], ingredients: [{ relationship: 'parentOf' }] })
    }
  })

  it('the Responses image tool: the header on a JSON answer, aigc_c2pa on streamed image events', async () => {
    const signed = await modelSigned(fixture('plain.png'), png as C2paFormat, model)
    const request = { model: 'image-tool', input: 'draw a cat', tools: [{ type: 'image_generation' }], mock_image: Buffer.from(signed.bytes).toString('base64') }
    const answer = await post(tenant, '/v1/responses', JSON.stringify(request), 'application/json')
    expect(answer.status).toBe(200)
    expect(answer.headers.get('X-AIGC-C2PA')).toBe('re-signed')
    const body = (await answer.json()) as { output: { type: string; result?: string; aigc_c2pa?: string }[] }
    const call = body.output.find((o) => o.type === 'image_generation_call')!
    expect(call.aigc_c2pa).toBe('re-signed')
    expect((await detect(tenant, new Uint8Array(Buffer.from(call.result!, 'base64')))).c2pa).toMatchObject({ state: 'valid', failures: [] })

    const stream = await post(tenant, '/v1/responses', JSON.stringify({ ...request, stream: true }), 'application/json')
    const events = (await stream.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as { type: string; aigc_c2pa?: string; item?: { type: string; aigc_c2pa?: string } })
    expect(events.find((e) => e.type === 'response.image_generation_call.partial_image')!.aigc_c2pa).toBe('re-signed')
    expect(events.find((e) => e.type === 'response.output_item.done' && e.item?.type === 'image_generation_call')!.item!.aigc_c2pa).toBe('re-signed')
  })
})
