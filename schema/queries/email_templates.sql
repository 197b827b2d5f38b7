-- email_templates: create (a new version per edit), get, list, soft delete, restore.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: EmailTemplate(body_text?, deleted_at?)

--! create (body_text?) : EmailTemplate
-- Versioned: creating a template under a name that exists makes its next version,
-- so a campaign keeps pointing at exactly what it sent.
INSERT INTO email_templates (organization_id, name, version, subject, body_html, body_text)
SELECT tally_current_org(), :name, coalesce(max(version), 0) + 1, :subject, :body_html, :body_text
  FROM email_templates
 WHERE organization_id = tally_current_org() AND name = :name
RETURNING *;

--! get : EmailTemplate
SELECT * FROM email_templates WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! list : EmailTemplate
SELECT * FROM email_templates
 WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > :after
 ORDER BY id
 LIMIT :limit;

--! soft_delete : EmailTemplate
UPDATE email_templates SET deleted_at = now() WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : EmailTemplate
UPDATE email_templates SET deleted_at = NULL WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;
