-- The addresses of organization $1's contacts that are not erased (not carrying a
-- marker, pattern $2), deleted or not: what a logged erasure's hash is matched with.
SELECT DISTINCT lower(email)
FROM contacts
WHERE organization_id = $1 AND email NOT LIKE $2
