-- Dead letters that may hold the subject's records: those of organization $1,
-- and those whose organization could not be read. The caller reads each payload.
SELECT id, payload
FROM dead_letters
WHERE organization_id = $1 OR organization_id IS NULL
ORDER BY id
