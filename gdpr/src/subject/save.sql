-- Records the subject of request $2 of organization $1 as resolved; every later
-- step and rerun works on these ids.
INSERT INTO gdpr_subjects AS s
    (organization_id, gdpr_request_id, kind, contact_ids, user_id, email_hash, resolved_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
ON CONFLICT (organization_id, gdpr_request_id) DO UPDATE
SET contact_ids = EXCLUDED.contact_ids,
    user_id = EXCLUDED.user_id,
    email_hash = EXCLUDED.email_hash,
    resolved_at = EXCLUDED.resolved_at
