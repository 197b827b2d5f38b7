-- The contacts $2 of organization $1 that gdpr_erased_contacts does not list.
SELECT c
FROM unnest($2::bigint[]) AS c
WHERE NOT EXISTS (
    SELECT 1 FROM gdpr_erased_contacts e WHERE e.organization_id = $1 AND e.contact_id = c)
