-- 0002 tenancy and access, undone in reverse order. Grants and policies go
-- with their tables, except the users policy, which references memberships.

DROP POLICY user_signup ON users;
DROP POLICY tenant_isolation ON users;

DROP TABLE memberships;
DROP TABLE role_permissions;
DROP TABLE permissions;
DROP TABLE roles;
DROP TABLE users;
DROP TABLE organizations;
