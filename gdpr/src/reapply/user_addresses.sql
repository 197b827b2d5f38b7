-- The addresses of organization $1's member users that are not erased (not carrying
-- a marker, pattern $2): what a logged user erasure's hash is matched with.
SELECT DISTINCT lower(u.email)
FROM users u
WHERE u.email NOT LIKE $2
  AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organization_id = $1)
