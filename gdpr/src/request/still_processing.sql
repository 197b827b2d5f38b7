-- A run of request $2 of organization $1 stopped for a reason that may pass
-- ($3): it stays processing, with the reason, and the next run resumes it.
UPDATE gdpr_requests SET error = $3
WHERE organization_id = $1 AND id = $2 AND status = 'processing'
