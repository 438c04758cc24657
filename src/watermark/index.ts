/** The invisible watermark: a keyed tiled spread-spectrum mark on luminance (pure, typed arrays). */
export { PAYLOAD_BITS } from './code'
export { BAND_ROWS, bandGain, amplitudeAt, CONTEXT_ROWS, embedScale, embedWatermark, TileWatermark } from './embed'
export { detectWatermark, PRESENCE_Z, type WatermarkReading } from './detect'
export { PAYLOAD_VERSION, payloadBits, produceTag, readPayload, TENANT_INDEXES, watermarkKeys, type WatermarkKey, type WatermarkPayload } from './payload'
export { BandQueue } from './rows'

/** What one file gets: the epoch's tile key and the 48 payload bits. */
export interface WatermarkEmbedding {
  key: Uint8Array
  payload: Uint8Array
}
