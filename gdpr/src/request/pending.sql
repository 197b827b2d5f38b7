-- The requests the job carries out, oldest first: pending ones, and processing
-- ones a stopped run left (each run takes its request's lock, so one being
-- carried out elsewhere is skipped).
SELECT organization_id, id
FROM gdpr_requests
WHERE status IN ('pending', 'processing')
ORDER BY requested_at, organization_id, id
