/** D1 access for the watermark: tenant indexes and a row per watermarked file (migrations/0006). */
import { serializeLabel, type AigcLabel } from '../label/annex-e'
import { TENANT_INDEXES } from '../watermark'

export interface WatermarkRow {
  tenantId: string
  tenantIndex: number
  epoch: number
  tag: number
  produceId: string
  contentHash: string
  /** The label as written. */
  label: AigcLabel
  createdAt: string
}

export interface WatermarkStore {
  /** The tenant's payload index, given on its first watermark. */
  tenantIndex(tenantId: string): Promise<number>
  record(row: WatermarkRow): Promise<void>
  /** The newest file with this payload, if the gateway made one. */
  find(tenantIndex: number, epoch: number, tag: number): Promise<WatermarkRow | undefined>
}

interface Row {
  tenant_id: string
  tenant_index: number
  epoch: number
  tag: number
  produce_id: string
  content_hash: string
  label: string
  created_at: string
}

export function d1WatermarkStore(db: D1Database): WatermarkStore {
  return {
    async tenantIndex(tenantId) {
      const known = await db.prepare('SELECT tenant_index FROM watermark_tenants WHERE tenant_id = ?').bind(tenantId).first<number>('tenant_index')
      if (known !== null) return known % TENANT_INDEXES
      // The next free index; a racing first watermark of the same tenant loses to the UNIQUE constraint and reads the winner's.
      await db
        .prepare('INSERT OR IGNORE INTO watermark_tenants (tenant_index, tenant_id) SELECT COALESCE(MAX(tenant_index) + 1, 0), ? FROM watermark_tenants')
        .bind(tenantId)
        .run()
      const index = await db.prepare('SELECT tenant_index FROM watermark_tenants WHERE tenant_id = ?').bind(tenantId).first<number>('tenant_index')
      if (index === null) throw new Error('watermark tenant index was not assigned')
      // The payload has 12 bits for it; beyond that, indexes are shared and the tag tells files apart.
      return index % TENANT_INDEXES
    },
    async record(row) {
      await db
        .prepare('INSERT INTO watermarks (tenant_id, tenant_index, epoch, tag, produce_id, content_hash, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .bind(row.tenantId, row.tenantIndex, row.epoch, row.tag, row.produceId, row.contentHash, serializeLabel(row.label), row.createdAt)
        .run()
    },
    async find(tenantIndex, epoch, tag) {
      const row = await db
        .prepare('SELECT * FROM watermarks WHERE tenant_index = ? AND epoch = ? AND tag = ? ORDER BY id DESC LIMIT 1')
        .bind(tenantIndex, epoch, tag)
        .first<Row>()
      if (!row) return undefined
      return {
        tenantId: row.tenant_id,
        tenantIndex: row.tenant_index,
        epoch: row.epoch,
        tag: row.tag,
        produceId: row.produce_id,
        contentHash: row.content_hash,
        label: JSON.parse(row.label) as AigcLabel, // written by record()
        createdAt: row.created_at,
      }
    },
  }
}
