/** The invisible watermark: a keyed tiled spread-spectrum mark on luminance (pure, typed arrays). */
export { PAYLOAD_BITS } from './code'
export { embedScale, embedWatermark } from './embed'
export { detectWatermark, PRESENCE_Z, type WatermarkReading } from './detect'
