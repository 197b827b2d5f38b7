-- The platform user with address $2 (lower-cased; or, once erased, marker $3)
-- who is a member of organization $1, and how many other organizations they are
-- a member of.
SELECT u.id,
       (SELECT count(*) FROM memberships m WHERE m.user_id = u.id AND m.organization_id <> $1)
FROM users u
WHERE (lower(u.email) = $2 OR u.email = $3::text)
  AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organization_id = $1)
ORDER BY u.id
LIMIT 1
