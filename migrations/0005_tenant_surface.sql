-- Outbound fetch allowlist and browser origins per tenant. See docs/storage-schema.md.
-- JSON array of host patterns ("host" or "*.domain"); NULL: the upstream base URLs' domains.
ALTER TABLE tenants ADD COLUMN upstream_fetch_hosts TEXT;
-- JSON array of origins ("https://app.example.com") allowed to call /v1 from a browser.
ALTER TABLE tenants ADD COLUMN cors_origins TEXT NOT NULL DEFAULT '[]';
