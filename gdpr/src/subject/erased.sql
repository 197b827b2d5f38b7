-- Whether organization $1 erased the address whose hash is $2: a completed
-- deletion request about it.
SELECT EXISTS (
    SELECT 1
    FROM gdpr_subjects s
    JOIN gdpr_requests r ON r.organization_id = s.organization_id AND r.id = s.gdpr_request_id
    WHERE s.organization_id = $1 AND s.email_hash = $2
      AND r.request_type = 'deletion' AND r.status = 'completed')
