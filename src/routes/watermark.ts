/**
 * The watermark in the route layer: the deployment's keys, the tenant's payload, the D1
 * row per watermarked file, and reading the pixels of an uploaded image on detect.
 */
import type { Context } from 'hono'
import { d1WatermarkStore } from '../db/watermarks'
import { FormatError, type CarrierFormat } from '../formats'
import { imageSize } from '../image/mark-image'
import { codecs } from '../image/runtime'
import type { Watermarker } from '../image/watermarker'
import { contentHash } from '../label/content-hash'
import { LIMITS } from '../limits'
import { detectWatermark, PAYLOAD_VERSION, payloadBits, produceTag, readPayload, watermarkKeys, type WatermarkKey } from '../watermark'
import { WATERMARK_SCHEME, type WatermarkReport } from '../verify/watermark-report'
import type { AppEnv } from './types'

const keysBySecret = new Map<string, Promise<WatermarkKey[]>>()

function liveKeys(c: Context<AppEnv>): Promise<WatermarkKey[]> | undefined {
  const secret = c.get('config').watermarkSecret
  if (!secret) return undefined
  let keys = keysBySecret.get(secret)
  if (!keys) keysBySecret.set(secret, (keys = watermarkKeys(secret)))
  return keys
}

/**
 * The tenant's watermarker; undefined when its image labels leave the watermark out of
 * their defaults (`asked`: the caller named it, e.g. mark=watermark).
 */
export async function watermarker(c: Context<AppEnv>, asked = false): Promise<Watermarker | undefined> {
  const { tenant } = c.get('tenant')
  const keys = liveKeys(c)
  if ((!asked && tenant.labels.image.watermark === false) || !keys) return undefined
  const key = (await keys)[0]!
  const store = d1WatermarkStore(c.env.DB)
  let tenantIndex: Promise<number> | undefined
  return {
    async embedding(label) {
      tenantIndex ??= store.tenantIndex(tenant.id)
      const payload = payloadBits({ version: PAYLOAD_VERSION, tenantIndex: await tenantIndex, tag: await produceTag(key, label.ProduceID) })
      return { key: key.tile, payload }
    },
    async record(label, bytes) {
      await store.record({
        tenantId: tenant.id,
        tenantIndex: await (tenantIndex ??= store.tenantIndex(tenant.id)),
        epoch: key.epoch,
        tag: await produceTag(key, label.ProduceID),
        produceId: label.ProduceID,
        contentHash: contentHash('SHA-256', [bytes]),
        label,
        createdAt: new Date().toISOString(),
      })
    },
  }
}

/** The watermark report of an uploaded image (PNG, JPEG, WebP), undefined for other files. */
export async function readWatermark(c: Context<AppEnv>, bytes: Uint8Array, format: CarrierFormat): Promise<WatermarkReport | undefined> {
  const keys = liveKeys(c)
  if (!keys || (format.name !== 'png' && format.name !== 'jpeg' && format.name !== 'webp')) return undefined
  const { width, height } = imageSize(bytes, format.name)
  // Detect decodes whole: beyond the decoded-pixel budget the metadata report stands alone.
  if (width * height > LIMITS.imageDecodedPixels.max) return undefined
  const pixels = await codecs.decode(format.name, bytes).catch((error: unknown) => {
    // Pixels that cannot be decoded hold no watermark to report; the metadata report stands.
    if (error instanceof FormatError) return undefined
    throw error
  })
  if (!pixels) return undefined
  const live = await keys
  const reading = detectWatermark(pixels.data, pixels.width, pixels.height, live.map((k) => k.tile))
  const report: WatermarkReport = { scheme: WATERMARK_SCHEME, present: reading.present, score: round(reading.score), pValue: reading.pValue, payloadVerified: false }
  if (!reading.payload || reading.keyIndex === undefined) return report
  const payload = readPayload(reading.payload)
  if (payload.version !== PAYLOAD_VERSION) return report
  const row = await d1WatermarkStore(c.env.DB).find(payload.tenantIndex, live[reading.keyIndex]!.epoch, payload.tag)
  return row ? { ...report, payloadVerified: true, record: row.label } : report
}

const round = (v: number) => Math.round(v * 100) / 100
