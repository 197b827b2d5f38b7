-- Files a request of type $3 about address $2 in organization $1, unless one of
-- the same type about the same address and kind of subject ($4: contact or user)
-- is still unfinished (pending, processing or failed): that one is returned, to
-- be resumed, and nothing is added. A user request is recorded as such in
-- gdpr_subjects; gdpr_requests has no column for it.
WITH open AS (
    SELECT r.id
    FROM gdpr_requests r
    LEFT JOIN gdpr_subjects s ON s.organization_id = r.organization_id AND s.gdpr_request_id = r.id
    WHERE r.organization_id = $1
      AND lower(r.subject_email) = lower($2::text)
      AND r.request_type = $3
      AND r.status <> 'completed'
      AND coalesce(s.kind, 'contact') = $4
    ORDER BY r.id
    LIMIT 1
),
filed AS (
    INSERT INTO gdpr_requests (organization_id, subject_email, request_type)
    SELECT $1, $2::text, $3
    WHERE NOT EXISTS (SELECT 1 FROM open)
    RETURNING id
),
kind AS (
    INSERT INTO gdpr_subjects (organization_id, gdpr_request_id, kind)
    SELECT $1, f.id, $4 FROM filed f WHERE $4 = 'user'
)
SELECT id, false AS filed FROM open
UNION ALL
SELECT id, true FROM filed
