/**
 * Content Credentials in workerd, through the routes: @trustnxt/c2pa-ts bundled with the
 * Worker reads and validates a model's manifest; a tenant without a C2PA signer gets it
 * stripped and told so, and /v1/aigc/detect reports what the store said.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { C2paFormat } from '../src/c2pa/asset'
import { developmentChain } from '../src/c2pa/dev-chain'
import type { C2paCredential } from '../src/c2pa/sign'
import { jpeg } from '../src/formats/jpeg'
import { png } from '../src/formats/png'
import { webp } from '../src/formats/webp'
import { imageDataAt, modelSigned } from './c2pa/model-sign'
import { fixture } from './fixtures'
import { createTenant, gateway, type TestTenant } from './helpers'

let tenant: TestTenant
let model: C2paCredential
beforeAll(async () => {
  tenant = await createTenant()
  model = (await developmentChain('Test Model Co')).credential
})

const post = (path: string, body: Uint8Array) => gateway(path, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}` }, body })

describe.each([
  [png as C2paFormat, 'plain.png'],
  [jpeg as C2paFormat, 'bare.jpg'],
  [webp as C2paFormat, 'lossy.webp'],
])('%s', (format, name) => {
  it('detect reports the model manifest valid; labelling without a C2PA signer strips it and says so', async () => {
    const signed = await modelSigned(fixture(name), format, model)
    const detect = await post('/v1/aigc/detect', signed.bytes)
    expect(detect.status).toBe(200)
    const report = (await detect.json()) as { c2pa: Record<string, unknown> }
    expect(report.c2pa).toMatchObject({ present: true, state: 'valid', failures: [], activeManifest: signed.label, claimGenerator: 'test-image-model/1.0' })
    expect(report.c2pa.actions).toEqual([{ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', softwareAgent: 'gpt-image-1' }])

    for (const mark of ['implicit', 'explicit,implicit']) {
      const labelled = await post(`/v1/aigc/label?mark=${mark}`, signed.bytes)
      expect(labelled.status).toBe(200)
      expect(labelled.headers.get('X-AIGC-C2PA')).toBe('stripped')
      const out = new Uint8Array(await labelled.arrayBuffer())
      expect(format.c2pa.find(out)).toBeUndefined()
      const after = (await (await post('/v1/aigc/detect', out)).json()) as { c2pa: unknown; labels: { signatures: { status: string }[] }[] }
      expect(after.c2pa).toEqual({ present: false })
      expect(after.labels[0]!.signatures[0]!.status).toBe('valid')
    }
  })

  it('an image without credentials is answered with none', async () => {
    const labelled = await post('/v1/aigc/label?mark=implicit', fixture(name))
    expect(labelled.headers.get('X-AIGC-C2PA')).toBe('none')
  })

  it('a changed pixel byte makes the store invalid', async () => {
    const signed = await modelSigned(fixture(name), format, model)
    const changed = signed.bytes.slice()
    changed[imageDataAt(changed, format)]! ^= 1
    const report = (await (await post('/v1/aigc/detect', changed)).json()) as { c2pa: { state: string; failures: string[] } }
    expect(report.c2pa.state).toBe('invalid')
    expect(report.c2pa.failures).toContain('assertion.dataHash.mismatch')
  })
})
