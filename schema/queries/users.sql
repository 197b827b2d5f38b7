-- users: global people, visible to a tenant through a membership of it. A user's
-- password hash never leaves the database through these queries.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app).

--: User()
--: NewMember()

--! create : NewMember
-- A new user who joins the organization with a role, in one statement. The id is
-- taken first and the user row is not returned: the visibility policy on users
-- would hide a user whose membership does not exist yet.
WITH new_id AS (SELECT nextval('users_id_seq') AS id),
     new_user AS (
         INSERT INTO users (id, email, full_name)
         SELECT id, :email::text, :full_name FROM new_id
     ),
     membership AS (
         INSERT INTO memberships (organization_id, user_id, role_id)
         SELECT tally_current_org(), id, :role_id FROM new_id
         RETURNING id
     )
SELECT new_id.id AS user_id, membership.id AS membership_id FROM new_id, membership;

--! get : User
SELECT id, email::text AS email, full_name, created_at, updated_at FROM users WHERE id = :id;

--! get_by_email : User
SELECT id, email::text AS email, full_name, created_at, updated_at FROM users
 WHERE lower(email) = lower(:email::text);

--! list : User
-- The organization's members.
SELECT u.id, u.email::text AS email, u.full_name, u.created_at, u.updated_at
  FROM users u
 WHERE u.id > :after
   AND EXISTS (SELECT 1 FROM memberships m
                WHERE m.organization_id = tally_current_org() AND m.user_id = u.id)
 ORDER BY u.id
 LIMIT :limit;

--! update : User
UPDATE users SET email = :email::text, full_name = :full_name WHERE id = :id
RETURNING id, email::text AS email, full_name, created_at, updated_at;
