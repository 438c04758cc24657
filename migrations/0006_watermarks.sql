-- The invisible watermark (src/watermark): a row per watermarked file, so a payload read
-- from the pixels resolves to the label it was made for. See src/db/watermarks.ts.
-- The payload holds a 12-bit tenant index: tenants get one on their first watermark.
-- No foreign keys to tenants: like published signing keys, files already delivered keep
-- resolving after their tenant is deleted.
CREATE TABLE watermark_tenants (
  tenant_index INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL UNIQUE
);

CREATE TABLE watermarks (
  id INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  tenant_index INTEGER NOT NULL,
  -- key epoch and the ProduceID's keyed 32-bit tag under it
  epoch INTEGER NOT NULL,
  tag INTEGER NOT NULL,
  produce_id TEXT NOT NULL,
  -- SHA-256 hex of the file as delivered
  content_hash TEXT NOT NULL,
  -- the label as written (Annex E JSON, signature included)
  label TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE INDEX watermarks_by_tag ON watermarks (tenant_index, epoch, tag);
