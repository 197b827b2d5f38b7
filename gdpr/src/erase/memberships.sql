-- The erased user's membership in organization $1 goes: no access remains.
DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2
