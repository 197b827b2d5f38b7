-- api_keys: made and revoked by operators (`tally api-key`, the `admin_` queries, run
-- by the owning role outside a tenant transaction), listed by the tenant, and
-- presented by API clients (`authenticate`, before any tenant is known).

--: ApiKey(revoked_at?)
--: Caller()

--! admin_create : ApiKey
-- A key's SHA-256 and prefix; the key itself is shown once by the caller and never
-- stored.
INSERT INTO api_keys (organization_id, name, role_id, prefix, key_hash)
VALUES (:organization_id, :name, :role_id, :prefix, :key_hash)
RETURNING organization_id, id, name, role_id, prefix, created_at, updated_at, revoked_at;

--! admin_revoke : ApiKey
UPDATE api_keys SET revoked_at = now()
 WHERE organization_id = :organization_id AND id = :id AND revoked_at IS NULL
RETURNING organization_id, id, name, role_id, prefix, created_at, updated_at, revoked_at;

--! list : ApiKey
-- The tenant's keys, live and revoked (never their hashes).
SELECT organization_id, id, name, role_id, prefix, created_at, updated_at, revoked_at
  FROM api_keys
 WHERE organization_id = tally_current_org() AND id > :after
 ORDER BY id
 LIMIT :limit;

--! authenticate : Caller
-- A live key of a live organization, by its SHA-256: the organization, the key, its
-- role and the role's permission keys. Any role may ask; no row for anything else.
SELECT organization_id, key_id, role_id, permissions FROM tally_authenticate(:key_hash);
