-- leads: create (always new), get, list (by status, campaign), update, status moves,
-- soft delete, restore. The database refuses a move the flow does not allow
-- (new -> qualified | disqualified, qualified -> contacted -> converted).
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: Lead(campaign_id?, form_id?, notes?, deleted_at?)

--! create (campaign_id?, form_id?, notes?) : Lead
INSERT INTO leads (organization_id, contact_id, campaign_id, form_id, score, notes)
VALUES (tally_current_org(), :contact_id, :campaign_id, :form_id, :score, :notes)
RETURNING *;

--! get : Lead
SELECT * FROM leads
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! list (status?, campaign?) : Lead
SELECT * FROM leads
 WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > :after
   AND (:status::lead_status IS NULL OR status = :status)
   AND (:campaign::bigint IS NULL OR campaign_id = :campaign)
 ORDER BY id
 LIMIT :limit;

--! update (notes?) : Lead
UPDATE leads
   SET score = :score,
       notes = :notes
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! move_to : Lead
UPDATE leads SET status = :status
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! soft_delete : Lead
UPDATE leads SET deleted_at = now()
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : Lead
UPDATE leads SET deleted_at = NULL
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;

--! get_for (campaign_id?) : Lead
-- A contact's live lead from a campaign (or from no campaign), the oldest first: a
-- second submission updates it rather than making another.
SELECT * FROM leads
 WHERE organization_id = tally_current_org() AND contact_id = :contact_id
   AND campaign_id IS NOT DISTINCT FROM :campaign_id AND deleted_at IS NULL
 ORDER BY id
 LIMIT 1;
