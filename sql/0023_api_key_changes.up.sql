-- 0023 API key changes are announced: every statement that can change what
-- tally_authenticate answers (a key made or revoked, a role's permissions, an
-- organization deleted or restored, the permission vocabulary) notifies the channel
-- `tally_api_keys` when its transaction commits. Servers keep authenticated keys in
-- memory and forget them all on a notification, so a revoked key stops working on
-- every replica as soon as the revocation commits.

CREATE FUNCTION tally_notify_api_key_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
    AS $$
BEGIN
    -- One notification per transaction: PostgreSQL folds repeats of the same channel
    -- and payload, so a bulk change wakes each server once.
    PERFORM pg_notify('tally_api_keys', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_notify_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION tally_notify_api_key_change();
CREATE TRIGGER role_permissions_notify_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION tally_notify_api_key_change();
CREATE TRIGGER permissions_notify_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON permissions
    FOR EACH STATEMENT EXECUTE FUNCTION tally_notify_api_key_change();
-- Only a change of deleted_at moves a key in or out of use.
CREATE TRIGGER organizations_notify_change
    AFTER UPDATE OF deleted_at OR DELETE OR TRUNCATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION tally_notify_api_key_change();
