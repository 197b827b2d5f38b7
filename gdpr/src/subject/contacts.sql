-- The contacts of organization $1 that are the address $2 (lower-cased): its
-- row in every list, deleted or not, found by the address in any case or, once
-- erased, by its marker $3 (NULL when no key is configured).
SELECT id
FROM contacts
WHERE organization_id = $1 AND (lower(email) = $2 OR email = $3::text)
ORDER BY id
