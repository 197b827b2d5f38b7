-- The units of request $2 of organization $1 that are done: step, target, and
-- the detail a later unit needs.
SELECT step, target, detail
FROM gdpr_erasure_steps
WHERE organization_id = $1 AND gdpr_request_id = $2
