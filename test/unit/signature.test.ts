/**
 * Signed labels in the TC260 guide's SecurityData format: round trips for every carrier
 * format and both algorithms, and each way a label can go wrong giving its own status.
 */
import { sm2 } from 'sm-crypto-v2'
import { describe, expect, it } from 'vitest'
import { markdown, readLabels, writeLabel, type CarrierFormat } from '../../src/formats'
import { gif } from '../../src/formats/gif'
import { jpeg } from '../../src/formats/jpeg'
import { png, pngChunks } from '../../src/formats/png'
import { webp } from '../../src/formats/webp'
import { createLabel, labelProblem, serializeLabel, type AigcLabel } from '../../src/label/annex-e'
import { contentHash } from '../../src/label/content-hash'
import { parseSecurityData, signingInput } from '../../src/label/security-data'
import { checkLabelSignature, generateKeyPair, signLabel, type Signer, type SigningAlgorithm } from '../../src/label/signature'
import { fixture } from '../fixtures'

const PRODUCER = '001191110000MA01ABCD2X00000'
const encode = (s: string) => new TextEncoder().encode(s)

async function signer(algorithm: SigningAlgorithm, keyId = `test-${algorithm}`): Promise<Signer> {
  return { keyId, ...(await generateKeyPair(algorithm)) }
}

const FILES: [CarrierFormat, Uint8Array][] = [
  [png, fixture('plain.png')],
  [jpeg, fixture('photo.jpg')],
  [webp, fixture('lossy.webp')],
  [gif, fixture('anim.gif')],
  [markdown, encode('# 标题\n\n正文。\n')],
]

/** Labels a file the way the gateway does: sign over the content, then write. */
async function signedFile(format: CarrierFormat, bytes: Uint8Array, key: Signer, produceId = 'p-1') {
  const label = await signLabel(createLabel({ producer: PRODUCER, produceId }), 'producer', key, () => format.content(bytes))
  return writeLabel(bytes, label, format)
}

async function status(format: CarrierFormat, bytes: Uint8Array, known: Signer[], label?: AigcLabel) {
  const found = label ?? readLabels(bytes, format)[0]!.label!
  const keys = new Set(known.map((k) => k.publicKey))
  return checkLabelSignature(found, 'producer', { content: () => format.content(bytes), isKnownKey: (k) => keys.has(k.toLowerCase()) })
}

describe('SecurityData in ReservedCode1', () => {
  it('has the guide shape: TC260PG v1, DS over LabelMataData+Bindings, PubKey, Bindings', async () => {
    const key = await signer('SM2')
    const label = await signLabel(createLabel({ producer: PRODUCER, produceId: 'shape' }), 'producer', key, () => [encode('content')])
    const json = JSON.parse(label.ReservedCode1)
    expect(json.SecurityData).toMatchObject({ Type: 'TC260PG', Version: 1 })
    const [ds, pub, bindings] = json.SecurityData.PubSD
    expect(ds).toMatchObject({ Type: 'DS', AlgID: '1.2.156.10197.1.501', TBSData: { Type: 'LabelMataData+Bindings' } })
    expect(ds.Signature).toMatch(/^30[0-9a-f]+$/) // DER SEQUENCE of r, s
    expect(pub).toEqual({ Type: 'PubKey', AlgID: '1.2.156.10197.1.501', KeyID: key.keyId, KeyValue: key.publicKey })
    expect(pub.KeyValue).toMatch(/^04[0-9a-f]{128}$/)
    expect(bindings).toEqual({ Type: 'Bindings', AlgID: '1.2.156.10197.1.401', Value: contentHash('SM3', [encode('content')]), Version: 2 })
    // Compact, and escaped as \" inside the Annex E JSON, which still passes the character rules.
    expect(label.ReservedCode1).not.toMatch(/\s/)
    expect(serializeLabel(label)).toContain('"ReservedCode1":"{\\"SecurityData\\":')
    expect(labelProblem(label)).toBeUndefined()
  })

  it('signs the guide string: "Label":"1","ContentProducer":"…","ProduceID":"…" (MiniMax-style vector)', async () => {
    const label = createLabel({ producer: PRODUCER, produceId: 'minimax-style' })
    const input = signingInput(label, 'producer')
    expect(input).toBe(`"Label":"1","ContentProducer":"${PRODUCER}","ProduceID":"minimax-style"`)
    // A label signed by another implementation with the library, exactly as the guide says.
    const { publicKey, privateKey } = sm2.generateKeyPairHex()
    const signature = sm2.doSignature(input, privateKey, { hash: true, der: true, userId: '1234567812345678' })
    const foreign = {
      ...label,
      ReservedCode1: JSON.stringify({
        SecurityData: {
          Type: 'TC260PG',
          Version: 1,
          PubSD: [
            { Type: 'DS', AlgID: '1.2.156.10197.1.501', TBSData: { Type: 'LabelMataData' }, Signature: signature },
            { Type: 'PubKey', AlgID: '1.2.156.10197.1.501', KeyValue: publicKey },
          ],
        },
      }),
    }
    const report = await checkLabelSignature(foreign, 'producer', { isKnownKey: (k) => k === publicKey })
    expect(report).toMatchObject({ status: 'valid', algorithm: 'SM2', bound: false })
    // And ours verifies with the library alone, over the same string.
    const key = await signer('SM2')
    const ours = parseSecurityData((await signLabel(label, 'producer', key)).ReservedCode1)
    expect(ours.ok && sm2.doVerifySignature(input, ours.data.signature.value, key.publicKey, { hash: true, der: true, userId: '1234567812345678' })).toBe(true)
  })

  it('accepts the PubSd spelling and reports it', async () => {
    const key = await signer('SM2')
    const label = await signLabel(createLabel({ producer: PRODUCER, produceId: 'pubsd' }), 'producer', key)
    const variant = { ...label, ReservedCode1: label.ReservedCode1.replace('"PubSD"', '"PubSd"') }
    expect(await checkLabelSignature(variant, 'producer', { isKnownKey: () => true })).toMatchObject({ status: 'valid', variants: ['PubSd spelling'] })
  })

  it('reports RSA-SHA256, unsigned and non-SecurityData values instead of failing', async () => {
    const base = createLabel({ producer: PRODUCER, produceId: 'rsa' })
    const pair = (await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('')
    const signature = hex(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', pair.privateKey, encode(signingInput(base, 'producer'))))
    const spki = hex((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer)
    const rsa = {
      ...base,
      ReservedCode1: JSON.stringify({
        SecurityData: { Type: 'TC260PG', Version: 1, PubSD: [{ Type: 'DS', AlgID: '1.2.840.113549.1.1.11', TBSData: { Type: 'LabelMataData' }, Signature: signature }, { Type: 'PubKey', KeyValue: spki }] },
      }),
    }
    expect(await checkLabelSignature(rsa, 'producer', { isKnownKey: () => false })).toMatchObject({ status: 'unknown-key', algorithm: 'RSA-SHA256' })
    expect(await checkLabelSignature(base, 'producer', { isKnownKey: () => true })).toMatchObject({ status: 'unsigned' })
    expect(await checkLabelSignature({ ...base, ReservedCode1: 'vendor-checksum-123' }, 'producer', { isKnownKey: () => true })).toMatchObject({ status: 'unsupported' })
  })
})

for (const algorithm of ['SM2', 'Ed25519'] as const) {
  describe(`${algorithm} labels on every format`, () => {
    for (const [format, original] of FILES) {
      it(`${format.name}: valid, then content-changed, transplanted, edited, unknown key`, async () => {
        const key = await signer(algorithm)
        const labelled = await signedFile(format, original, key)
        expect(await status(format, labelled, [key])).toMatchObject({ status: 'valid', algorithm, bound: true, keyId: key.keyId })

        // One content byte flipped, in the middle of the image data (outside the label carrier).
        // (PNG checks CRCs everywhere but in IDAT, so the flip goes there.)
        const largest = format === png ? pngChunks(labelled).find((c) => c.type === 'IDAT')!.data : [...format.content(labelled)].reduce((a, b) => (b.length > a.length ? b : a))
        const flipped = labelled.slice()
        const at = largest.byteOffset - labelled.byteOffset + (largest.length >> 1)
        flipped[at] = flipped[at]! ^ 0x01
        if (format !== markdown) expect((await status(format, flipped, [key])).status).toBe('content-changed')
        else expect((await status(format, encode(new TextDecoder().decode(labelled).replace('正文', '改文')), [key])).status).toBe('content-changed')

        // The label moved onto other content of the same format.
        const other = format === markdown ? encode('别的文字\n') : writeLabel(original, createLabel({ producer: PRODUCER, produceId: 'x' }), format)
        const transplanted = writeLabel(format === markdown ? other : fixtureOther(format), readLabels(labelled, format)[0]!.label!, format)
        expect((await status(format, transplanted, [key])).status).toBe('content-changed')

        // A field changed after signing.
        const edited = { ...readLabels(labelled, format)[0]!.label!, ProduceID: 'p-2' }
        expect((await status(format, writeLabel(labelled, edited, format), [key])).status).toBe('invalid')

        // Intact, but by a key nobody published.
        expect((await status(format, labelled, [])).status).toBe('unknown-key')
      })
    }
  })
}

/** Another file of the same format, for transplanting a label onto. */
function fixtureOther(format: CarrierFormat): Uint8Array {
  const other = { png: 'rgba.png', jpeg: 'bare.jpg', webp: 'lossless.webp', gif: 'still.gif' }[format.name as 'png']
  return fixture(other)
}

describe('propagator signatures', () => {
  it('ReservedCode2 covers the producer fields and the platform fields', async () => {
    const producer = await signer('SM2')
    const platform = await signer('Ed25519')
    const content = () => [encode('content')]
    const produced = await signLabel(createLabel({ producer: PRODUCER, produceId: 'p' }), 'producer', producer, content)
    const propagated = await signLabel({ ...produced, ContentPropagator: '001191310000MA1FL8XQ3010001', PropagateID: 'q' }, 'propagator', platform, content)
    const context = { content, isKnownKey: () => true }
    expect(await checkLabelSignature(propagated, 'producer', context)).toMatchObject({ status: 'valid' })
    expect(await checkLabelSignature(propagated, 'propagator', context)).toMatchObject({ status: 'valid', algorithm: 'Ed25519' })
    expect(await checkLabelSignature({ ...propagated, PropagateID: 'r' }, 'propagator', context)).toMatchObject({ status: 'invalid' })
  })
})
