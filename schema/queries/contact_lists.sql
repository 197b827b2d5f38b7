-- contact_lists: create, get, list, update, soft delete, restore.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: ContactList(description?, deleted_at?)

--! create (description?) : ContactList
INSERT INTO contact_lists (organization_id, name, description)
VALUES (tally_current_org(), :name, :description)
RETURNING *;

--! get : ContactList
SELECT * FROM contact_lists WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! list : ContactList
SELECT * FROM contact_lists
 WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > :after
 ORDER BY id
 LIMIT :limit;

--! update (description?) : ContactList
UPDATE contact_lists
   SET name = :name,
       description = :description
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! soft_delete : ContactList
UPDATE contact_lists SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : ContactList
UPDATE contact_lists SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;
