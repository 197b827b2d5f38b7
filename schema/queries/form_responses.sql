-- form_responses: submitted answers.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: FormResponse(campaign_id?, contact_id?, lead_id?, ip_address?, user_agent?, deleted_at?)

--! create (campaign_id?, contact_id?, lead_id?, ip_address?, user_agent?) : FormResponse
INSERT INTO form_responses (organization_id, form_id, campaign_id, contact_id, lead_id,
                            response_data, ip_address, user_agent)
VALUES (tally_current_org(), :form_id, :campaign_id, :contact_id, :lead_id,
        :response_data, :ip_address, :user_agent)
RETURNING *;

--! get : FormResponse
SELECT * FROM form_responses
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! list (form?, campaign?) : FormResponse
SELECT * FROM form_responses
 WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > :after
   AND (:form::bigint IS NULL OR form_id = :form)
   AND (:campaign::bigint IS NULL OR campaign_id = :campaign)
 ORDER BY id
 LIMIT :limit;

--! soft_delete : FormResponse
UPDATE form_responses SET deleted_at = now()
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : FormResponse
UPDATE form_responses SET deleted_at = NULL
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;
