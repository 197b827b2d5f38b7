-- Takes request $2 of organization $1 into processing: from pending, from
-- processing (a run that stopped is resumed), and from failed only when $3 (an
-- operator's rerun). Returns what the run needs, or no row when the request is
-- completed (or failed and $3 is false).
UPDATE gdpr_requests r
SET status = 'processing', completed_at = NULL, error = NULL
FROM (SELECT $1::bigint AS organization_id, $2::bigint AS id) k
LEFT JOIN gdpr_subjects s ON s.organization_id = k.organization_id AND s.gdpr_request_id = k.id
WHERE r.organization_id = k.organization_id AND r.id = k.id
  AND (r.status IN ('pending', 'processing') OR (r.status = 'failed' AND $3))
RETURNING r.request_type, r.subject_email::text, r.contact_id, r.requested_at,
          coalesce(s.kind, 'contact') AS kind
