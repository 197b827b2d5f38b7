-- campaign_contact_assignments: which contacts a campaign targets.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: Assignment(sent_at?, deleted_at?)

--! assign_list
-- Bulk assignment: every live, valid contact of the campaign's list (or of `list`)
-- not yet assigned. Idempotent: a second run assigns nothing. Returns the count.
INSERT INTO campaign_contact_assignments (organization_id, campaign_id, contact_id)
SELECT c.organization_id, cp.id, c.id
  FROM campaigns cp
  JOIN contacts c ON c.organization_id = cp.organization_id
                 AND c.contact_list_id = :list
 WHERE cp.organization_id = tally_current_org() AND cp.id = :campaign_id AND cp.deleted_at IS NULL
   AND c.deleted_at IS NULL AND c.validation_status = 'valid'
ON CONFLICT (organization_id, campaign_id, contact_id) DO NOTHING;

--! assign : Assignment
INSERT INTO campaign_contact_assignments (organization_id, campaign_id, contact_id)
VALUES (tally_current_org(), :campaign_id, :contact_id)
RETURNING *;

--! get : Assignment
SELECT * FROM campaign_contact_assignments
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! list (status?) : Assignment
SELECT * FROM campaign_contact_assignments
 WHERE organization_id = tally_current_org() AND campaign_id = :campaign_id
   AND deleted_at IS NULL AND id > :after
   AND (:status::assignment_status IS NULL OR status = :status)
 ORDER BY id
 LIMIT :limit;

--! mark (sent_at?) : Assignment
UPDATE campaign_contact_assignments SET status = :status, sent_at = :sent_at
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! soft_delete : Assignment
UPDATE campaign_contact_assignments SET deleted_at = now()
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : Assignment
UPDATE campaign_contact_assignments SET deleted_at = NULL
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;
