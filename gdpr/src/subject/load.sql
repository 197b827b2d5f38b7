-- The subject of request $2 of organization $1 as an earlier run resolved it.
SELECT contact_ids, user_id, email_hash
FROM gdpr_subjects
WHERE organization_id = $1 AND gdpr_request_id = $2 AND resolved_at IS NOT NULL
