-- Article 9 of the Measures: unmark grants and the tamper-evident delivery log.
-- See docs/storage-schema.md.
ALTER TABLE tenants ADD COLUMN unmark_policy TEXT NOT NULL DEFAULT '{"allowed":false,"autoApprove":false,"grantTtlDays":30,"retentionDays":180,"requiredIdentity":[]}';

CREATE TABLE unmark_grants (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  end_user TEXT NOT NULL,
  purpose TEXT NOT NULL,
  agreement_version TEXT NOT NULL,
  accepted_at TEXT NOT NULL,
  identity TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'revoked')),
  created_at TEXT NOT NULL,
  decided_at TEXT,
  expires_at TEXT,
  note TEXT
);
CREATE INDEX unmark_grants_by_tenant ON unmark_grants (tenant_id, created_at);

-- One hash chain per tenant: hash = SHA-256 over prev_hash and the row's fields.
-- (tenant_id, seq) is the primary key, so two writers can never both extend the same head.
CREATE TABLE unmark_log (
  tenant_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  at TEXT NOT NULL,
  grant_id TEXT,
  end_user TEXT,
  produce_ids TEXT NOT NULL,
  content_kind TEXT,
  route TEXT,
  client_ip TEXT,
  user_agent TEXT,
  request_id TEXT,
  details TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX unmark_log_by_time ON unmark_log (tenant_id, at);

-- Where a tenant's chain starts after retention deleted its oldest rows.
CREATE TABLE unmark_log_anchor (
  tenant_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  pruned_at TEXT NOT NULL
);
