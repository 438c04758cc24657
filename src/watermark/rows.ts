/**
 * Rows in, bands of watermark deltas out, for callers that stream rows (PNG strips): a
 * band is ready once the CONTEXT_ROWS rows below it have arrived, and the rows above it
 * are kept for its texture. Holds BAND_ROWS + 2 × CONTEXT_ROWS rows of luma at most.
 */
import { BAND_ROWS, CONTEXT_ROWS, TileWatermark } from './embed'

export interface ReadyBand {
  y0: number
  count: number
  /** count × width luma changes. */
  deltas: Int8Array
}

export class BandQueue {
  private rows: Float32Array[] = []
  /** Image row of rows[0]. */
  private top = 0
  /** First image row not yet given deltas. */
  private next = 0
  private received = 0

  constructor(
    private readonly mark: TileWatermark,
    private readonly width: number,
    private readonly height: number,
  ) {}

  /** Adds the next row's luma; returns a band when one is ready. */
  push(luma: Float32Array): ReadyBand | undefined {
    this.rows.push(luma)
    this.received++
    const end = Math.min(this.height, this.next + BAND_ROWS)
    if (this.received < Math.min(this.height, end + CONTEXT_ROWS)) return undefined
    return this.band(end)
  }

  private band(end: number): ReadyBand {
    const luma = new Float32Array(this.rows.length * this.width)
    this.rows.forEach((row, i) => luma.set(row, i * this.width))
    const above = this.next - this.top
    const count = end - this.next
    const deltas = this.mark.bandDeltas(luma, this.width, above, count, this.next)
    const band = { y0: this.next, count, deltas }
    this.next = end
    // Keep the context rows above the next band.
    const keepFrom = Math.max(this.top, end - CONTEXT_ROWS)
    this.rows = this.rows.slice(keepFrom - this.top)
    this.top = keepFrom
    return band
  }
}
