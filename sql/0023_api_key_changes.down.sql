-- 0023 API key changes, undone: servers of an older build do not listen.

DROP TRIGGER organizations_notify_change ON organizations;
DROP TRIGGER permissions_notify_change ON permissions;
DROP TRIGGER role_permissions_notify_change ON role_permissions;
DROP TRIGGER api_keys_notify_change ON api_keys;
DROP FUNCTION tally_notify_api_key_change();
