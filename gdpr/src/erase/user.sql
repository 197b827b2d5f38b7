-- A platform user subject (a member of this organization only): the address
-- replaced by its marker $2, the name blanked, no password left to sign in with.
UPDATE users
SET email = $2::text, full_name = 'Erased user', password_hash = NULL
WHERE id = $1
  AND (email <> $2::text OR full_name <> 'Erased user' OR password_hash IS NOT NULL)
