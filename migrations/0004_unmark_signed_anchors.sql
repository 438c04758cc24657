-- The daily job's signed chain heads: rewriting or truncating the delivery log before the
-- last signed head is detected by verify. See docs/storage-schema.md.
CREATE TABLE unmark_log_signed_anchors (
  tenant_id TEXT NOT NULL,
  day TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  start_seq INTEGER NOT NULL,
  start_hash TEXT NOT NULL,
  signed_at TEXT NOT NULL,
  key_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  public_key TEXT NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (tenant_id, day)
);
