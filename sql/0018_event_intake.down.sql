-- 0018 event intake, undone.

DELETE FROM role_permissions
 WHERE permission_id = (SELECT id FROM permissions WHERE key = 'event.write');
DELETE FROM permissions WHERE key = 'event.write';
