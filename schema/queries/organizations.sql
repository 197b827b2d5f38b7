-- organizations: the tenants. A tenant transaction sees and updates its own row only;
-- creating, listing, soft-deleting and restoring tenants is an operator's task, run
-- outside a tenant transaction by the owning role (the `admin_` queries).

--: Organization(domain?, deleted_at?)

--! admin_create (domain?) : Organization
INSERT INTO organizations (name, domain) VALUES (:name, :domain)
RETURNING *;

--! admin_list : Organization
SELECT * FROM organizations WHERE deleted_at IS NULL AND id > :after ORDER BY id LIMIT :limit;

--! admin_soft_delete : Organization
UPDATE organizations SET deleted_at = now() WHERE id = :id AND deleted_at IS NULL
RETURNING *;

--! admin_restore : Organization
UPDATE organizations SET deleted_at = NULL WHERE id = :id AND deleted_at IS NOT NULL
RETURNING *;

--! get : Organization
-- The tenant's own organization.
SELECT * FROM organizations WHERE id = tally_current_org() AND deleted_at IS NULL;

--! update (domain?) : Organization
UPDATE organizations SET name = :name, domain = :domain
 WHERE id = tally_current_org() AND deleted_at IS NULL
RETURNING *;
