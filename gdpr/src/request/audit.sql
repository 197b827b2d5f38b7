-- The audit entry of a request carried out ($3: export or erasure), written by
-- the job as the owner (the application role may not add audit entries).
INSERT INTO audit_logs (organization_id, actor, action, entity_type, entity_id, changes)
VALUES ($1, 'gdpr', $3, 'gdpr_requests', $2, $4)
