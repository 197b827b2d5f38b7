-- The checks of the subject's address are deleted: they describe the address
-- and nothing else depends on them.
DELETE FROM validation_logs
WHERE organization_id = $1 AND contact_id = ANY($2)
