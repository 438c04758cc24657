-- Per-tenant C2PA signers (ES256 key and certificate chain). See docs/storage-schema.md.
CREATE TABLE c2pa_signers (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- 'pending': key and CSR made, waiting for the chain a CA issues; 'active': signs
  state TEXT NOT NULL CHECK (state IN ('pending', 'active')),
  -- the operator's reverse-domain namespace; the TC260 assertion is <namespace>.tc260.label
  namespace TEXT NOT NULL,
  -- PKCS#8, AES-GCM under MASTER_KEY with "c2pa-signer:<id>" as associated data
  private_key_sealed TEXT NOT NULL,
  -- PEM; only for a key the gateway generated
  csr TEXT,
  -- PEM, leaf first; NULL while pending
  certificate_chain TEXT,
  created_at TEXT NOT NULL,
  activated_at TEXT
);
CREATE UNIQUE INDEX c2pa_signers_one_per_state ON c2pa_signers (tenant_id, state);
