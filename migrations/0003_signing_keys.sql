-- Label signing keys (ReservedCode1/2 SecurityData). See docs/storage-schema.md.
-- No foreign key to tenants: a deleted tenant's public keys stay published, so the labels
-- it signed still verify.
CREATE TABLE signing_keys (
  -- the key id written into labels (PubKey KeyID) and /.well-known/aigc-keys.json
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  provider_code TEXT NOT NULL,
  algorithm TEXT NOT NULL CHECK (algorithm IN ('SM2', 'Ed25519')),
  -- hex, lower case: SM2 uncompressed point, Ed25519 raw key
  public_key TEXT NOT NULL,
  -- AES-GCM under MASTER_KEY with the key id as associated data; NULL once retired
  private_key_sealed TEXT,
  valid_from TEXT NOT NULL,
  -- NULL while the key signs; set when it is rotated out or its tenant is deleted
  valid_until TEXT
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (tenant_id) WHERE valid_until IS NULL;
CREATE INDEX signing_keys_by_public_key ON signing_keys (public_key);
