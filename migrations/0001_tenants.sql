-- Tenants and their gateway keys. See docs/storage-schema.md.
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  provider_code TEXT NOT NULL,
  upstream_base_url TEXT NOT NULL,
  upstream_anthropic_base_url TEXT,
  -- AES-GCM under MASTER_KEY, tenant id as associated data: "v1.<iv>.<ciphertext>"
  upstream_api_key_sealed TEXT NOT NULL,
  labels TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- SHA-256 hex of the whole key; the key itself is shown once and never stored
  key_hash TEXT NOT NULL UNIQUE,
  -- first characters of the key, so an operator can tell keys apart
  key_prefix TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id);
