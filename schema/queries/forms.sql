-- forms: create, get, list, update, soft delete, restore.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: Form(description?, deleted_at?)

--! create (description?) : Form
INSERT INTO forms (organization_id, name, description)
VALUES (tally_current_org(), :name, :description)
RETURNING *;

--! get : Form
SELECT * FROM forms WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! list : Form
SELECT * FROM forms
 WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > :after
 ORDER BY id
 LIMIT :limit;

--! update (description?) : Form
UPDATE forms
   SET name = :name,
       description = :description
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! soft_delete : Form
UPDATE forms SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : Form
UPDATE forms SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;
