-- Requests filed before $1 (the legal deadline back from now) and not completed.
SELECT organization_id, id, request_type::text, status::text, requested_at
FROM gdpr_requests
WHERE status <> 'completed' AND requested_at < $1
ORDER BY requested_at, organization_id, id
