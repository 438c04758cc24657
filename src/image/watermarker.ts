/** What the image pipeline needs from whoever owns the watermark keys and records (the route layer). */
import type { AigcLabel } from '../label/annex-e'
import type { WatermarkEmbedding } from '../watermark'

export interface Watermarker {
  /** The epoch's tile key and the payload for a file carrying this label. */
  embedding(label: AigcLabel): Promise<WatermarkEmbedding>
  /** Keeps what detect resolves the payload to, once the file is labelled (label as written). */
  record(label: AigcLabel, bytes: Uint8Array): Promise<void>
}
