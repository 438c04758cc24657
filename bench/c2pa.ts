/**
 * What Content Credentials cost in workerd: POST /v1/aigc/label?mark=implicit on a model-signed
 * PNG, re-signed by a tenant with a C2PA signer and stripped by one without, each as a ratio to
 * labelling the same image unsigned by a tenant without a signer (no C2PA work at all).
 * Peak memory at 4096²: the rise of workerd's resident set during one re-signing, in a fresh
 * workerd after a small warm-up (bench/memory.ts); an isolate has 128 MB in all.
 */
import type { C2paFormat } from '../src/c2pa/asset'
import { exportableKeyPair, exportPrivateKey } from '../src/c2pa/certificates'
import { developmentChain } from '../src/c2pa/dev-chain'
import { png } from '../src/formats/png'
import { modelSigned } from '../test/c2pa/model-sign'
import { peakRise } from './memory'
import { fmt } from './stats'
import { ADMIN_TOKEN, makeImage, post, startWorkerd, timed } from './workerd'

/** A second tenant, with a C2PA signer imported through the admin API; returns its gateway key. */
async function tenantWithSigner(gateway: string): Promise<string> {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gateway}/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return res.json() as Promise<Record<string, unknown>>
  }
  await call('POST', '/tenants', { id: 'bench-c2pa', name: 'Bench C2PA', providerCode: '001191110000MA01ABCD2X00000', upstream: { baseUrl: 'https://upstream.invalid/v1', apiKey: 'x' } })
  const keys = await exportableKeyPair()
  const { credential } = await developmentChain('Bench operator', new Date(), keys)
  await call('PUT', '/tenants/bench-c2pa/c2pa-signer', { namespace: 'org.example', privateKey: await exportPrivateKey(keys.privateKey), chain: credential.chain.map((c) => c.toString('pem')).join('\n') })
  return (await call('POST', '/tenants/bench-c2pa/keys')).key as string
}

export async function c2paBench(): Promise<string[]> {
  const model = (await developmentChain('Bench model')).credential
  const w = await startWorkerd()
  const lines = ['C2PA in workerd, POST /v1/aigc/label?mark=implicit on a PNG a model signed (median wall time; ratio to labelling the unsigned PNG without a C2PA signer):']
  try {
    const signerKey = await tenantWithSigner(w.gateway)
    for (const [side, rounds] of [[1024, 5], [4096, 3]] as const) {
      const plain = await makeImage(side, side, 'png', false)
      const signed = (await modelSigned(plain, png as C2paFormat, model)).bytes
      const label = (bytes: Uint8Array, key: string) => () => post(`${w.gateway}/v1/aigc/label?mark=implicit`, bytes, { authorization: `Bearer ${key}`, 'content-type': 'image/png' })
      const ms = await timed(rounds, { baseline: label(plain, w.key), resigned: label(signed, signerKey), stripped: label(signed, w.key) })
      lines.push(
        `  ${side}² PNG (${fmt(plain.length / 1e6, 1)} MB): no C2PA ${fmt(ms.baseline, 0)} ms; re-signed ${fmt(ms.resigned, 0)} ms = ${fmt(ms.resigned / ms.baseline)}×; stripped ${fmt(ms.stripped, 0)} ms = ${fmt(ms.stripped / ms.baseline)}×`,
      )
    }
  } finally {
    await w.dispose()
  }
  lines.push(await peakAt4096(model))
  return lines
}

async function peakAt4096(model: Awaited<ReturnType<typeof developmentChain>>['credential']): Promise<string> {
  const w = await startWorkerd()
  try {
    const signerKey = await tenantWithSigner(w.gateway)
    const label = (bytes: Uint8Array) => post(`${w.gateway}/v1/aigc/label?mark=implicit`, bytes, { authorization: `Bearer ${signerKey}`, 'content-type': 'image/png' })
    await label((await modelSigned(await makeImage(64, 64, 'png', false), png as C2paFormat, model)).bytes)
    const big = (await modelSigned(await makeImage(4096, 4096, 'png', false), png as C2paFormat, model)).bytes
    const rise = await peakRise(() => label(big))
    return `  peak memory, re-signing a 4096² PNG (${fmt(big.length / 1e6, 1)} MB): ${rise === undefined ? 'not measurable here (no /proc)' : `workerd's resident set rose ${fmt(rise, 0)} MB (limit 128 MB per isolate)`}`
  } finally {
    await w.dispose()
  }
}
