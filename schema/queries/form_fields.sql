-- form_fields: the fields of a form, in display order.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app).

--: FormField(options?, deleted_at?)

--! create (options?) : FormField
INSERT INTO form_fields (organization_id, form_id, field_key, label, field_type, required, position, options)
VALUES (tally_current_org(), :form_id, :field_key, :label, :field_type, :required, :position, :options)
RETURNING *;

--! get : FormField
SELECT * FROM form_fields
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! list : FormField
-- A form's live fields in display order.
SELECT * FROM form_fields
 WHERE organization_id = tally_current_org() AND form_id = :form_id AND deleted_at IS NULL
 ORDER BY position, id;

--! update (options?) : FormField
UPDATE form_fields
   SET label = :label, field_type = :field_type, required = :required,
       position = :position, options = :options
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! soft_delete : FormField
UPDATE form_fields SET deleted_at = now()
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : FormField
UPDATE form_fields SET deleted_at = NULL
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;
