-- 0018 event intake: the permission to send campaign events over HTTP
-- (POST /v1/events), which the API produces to the events topic for the ingest.
INSERT INTO permissions (key, description) VALUES
    ('event.write', 'Send campaign events over HTTP');

-- Roles that grant everything keep granting everything.
INSERT INTO role_permissions (organization_id, role_id, permission_id)
SELECT r.organization_id, r.id, p.id
  FROM roles r
  JOIN permissions p ON p.key = 'event.write'
 WHERE (SELECT count(*) FROM role_permissions rp
         WHERE rp.organization_id = r.organization_id AND rp.role_id = r.id)
       = (SELECT count(*) FROM permissions) - 1;
