-- Per-tenant operator credentials for /admin. See docs/storage-schema.md.
CREATE TABLE operator_tokens (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- SHA-256 hex of the whole token; the token itself is shown once and never stored
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  -- who holds it ("Li Wei, compliance"), as the platform admin named it; the audit log quotes it
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE INDEX operator_tokens_by_tenant ON operator_tokens (tenant_id);
