-- campaigns: create (always a draft), get, list (by status), update, status moves,
-- soft delete, restore. The database refuses a move the flow does not allow
-- (draft -> scheduled -> active -> completed, scheduled -> draft) and sets
-- scheduled_at, started_at and completed_at itself.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: Campaign(email_template_id?, form_id?, contact_list_id?, landing_page_slug?, scheduled_at?, started_at?, completed_at?, deleted_at?)

--! create (email_template_id?, form_id?, contact_list_id?, landing_page_slug?) : Campaign
INSERT INTO campaigns (organization_id, name, email_template_id, form_id, contact_list_id, landing_page_slug)
VALUES (tally_current_org(), :name, :email_template_id, :form_id, :contact_list_id, :landing_page_slug)
RETURNING *;

--! get : Campaign
SELECT * FROM campaigns
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! get_by_slug : Campaign
SELECT * FROM campaigns
 WHERE organization_id = tally_current_org() AND landing_page_slug = :slug AND deleted_at IS NULL;

--! list (status?) : Campaign
SELECT * FROM campaigns
 WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > :after
   AND (:status::campaign_status IS NULL OR status = :status)
 ORDER BY id
 LIMIT :limit;

--! update (email_template_id?, form_id?, contact_list_id?, landing_page_slug?) : Campaign
UPDATE campaigns
   SET name = :name,
       email_template_id = :email_template_id,
       form_id = :form_id,
       contact_list_id = :contact_list_id,
       landing_page_slug = :landing_page_slug
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! move_to (scheduled_at?) : Campaign
-- scheduled_at is the time to send when moving to scheduled (now when NULL); the
-- other moves ignore it.
UPDATE campaigns
   SET status = :status,
       scheduled_at = CASE WHEN :status::campaign_status = 'scheduled'
                           THEN coalesce(:scheduled_at, scheduled_at) ELSE scheduled_at END
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! soft_delete : Campaign
UPDATE campaigns SET deleted_at = now()
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : Campaign
UPDATE campaigns SET deleted_at = NULL
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;
