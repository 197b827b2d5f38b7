-- Request $2 of organization $1 is done: completed ($3 true) with its export's
-- location $4, or failed with error $5. completed_at is never before the request.
UPDATE gdpr_requests
SET status = CASE WHEN $3 THEN 'completed' ELSE 'failed' END::gdpr_request_status,
    completed_at = greatest(now(), requested_at),
    result_location = coalesce($4, result_location),
    error = $5
WHERE organization_id = $1 AND id = $2 AND status = 'processing'
