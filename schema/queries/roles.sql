-- roles, their permissions and the memberships that give them to users.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).
-- Roles and memberships have no soft delete: removing one is audited and refused while
-- something still refers to it.

--: Role(description?)
--: Permission(description?)
--: Membership()

--! create (description?) : Role
INSERT INTO roles (organization_id, name, description)
VALUES (tally_current_org(), :name, :description)
RETURNING *;

--! get : Role
SELECT * FROM roles WHERE organization_id = tally_current_org() AND id = :id;

--! list : Role
SELECT * FROM roles WHERE organization_id = tally_current_org() AND id > :after
 ORDER BY id LIMIT :limit;

--! update (description?) : Role
UPDATE roles SET name = :name, description = :description
 WHERE organization_id = tally_current_org() AND id = :id
RETURNING *;

--! delete : Role
DELETE FROM roles WHERE organization_id = tally_current_org() AND id = :id
RETURNING *;

--! permissions : Permission
-- The global vocabulary of permission keys.
SELECT id, key, description FROM permissions ORDER BY key;

--! grant
-- Idempotent: granting a permission the role has is a no-op.
INSERT INTO role_permissions (organization_id, role_id, permission_id)
SELECT r.organization_id, r.id, p.id
  FROM roles r, permissions p
 WHERE r.organization_id = tally_current_org() AND r.id = :role_id AND p.key = :permission
ON CONFLICT DO NOTHING;

--! revoke
DELETE FROM role_permissions rp
 USING permissions p
 WHERE rp.organization_id = tally_current_org() AND rp.role_id = :role_id
   AND rp.permission_id = p.id AND p.key = :permission;

--! role_permissions : Permission
SELECT p.id, p.key, p.description
  FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id
 WHERE rp.organization_id = tally_current_org() AND rp.role_id = :role_id
 ORDER BY p.key;

--! add_member : Membership
INSERT INTO memberships (organization_id, user_id, role_id)
VALUES (tally_current_org(), :user_id, :role_id)
RETURNING *;

--! members : Membership
SELECT * FROM memberships WHERE organization_id = tally_current_org() AND id > :after
 ORDER BY id LIMIT :limit;

--! members_of : Membership
-- The memberships of some users, as a page of members shows their roles.
SELECT * FROM memberships WHERE organization_id = tally_current_org() AND user_id = ANY(:users::bigint[])
 ORDER BY id;

--! change_member_role : Membership
UPDATE memberships SET role_id = :role_id
 WHERE organization_id = tally_current_org() AND id = :id
RETURNING *;

--! remove_member : Membership
DELETE FROM memberships WHERE organization_id = tally_current_org() AND id = :id
RETURNING *;
