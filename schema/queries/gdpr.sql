-- gdpr_requests and data_deletions (the receipts). Requests are created here and
-- processed by the GDPR job; receipts are written by the erasure only.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: GdprRequest(contact_id?, completed_at?, result_location?, error?)
--: DataDeletion()

--! create (contact_id?) : GdprRequest
INSERT INTO gdpr_requests (organization_id, contact_id, subject_email, request_type)
VALUES (tally_current_org(), :contact_id, :subject_email::text, :request_type)
RETURNING *;

--! get : GdprRequest
SELECT * FROM gdpr_requests WHERE organization_id = tally_current_org() AND id = :id;

--! list (status?) : GdprRequest
SELECT * FROM gdpr_requests
 WHERE organization_id = tally_current_org() AND id > :after
   AND (:status::gdpr_request_status IS NULL OR status = :status)
 ORDER BY id
 LIMIT :limit;

--! deletions : DataDeletion
SELECT * FROM data_deletions
 WHERE organization_id = tally_current_org() AND gdpr_request_id = :gdpr_request_id
 ORDER BY id;
