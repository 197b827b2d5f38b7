-- 0001 foundation, undone. The role is cluster-wide: drop it only when no
-- other database (or anything else) still depends on it.

DROP FUNCTION tally_enable_tenant_rls(regclass, text);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tally_app') THEN
        RETURN;
    END IF;

    REVOKE USAGE ON SCHEMA public FROM tally_app;

    -- A login role granted membership by an operator is configuration we did
    -- not create; dropping tally_app would silently remove it.
    IF EXISTS (
        SELECT 1 FROM pg_auth_members WHERE roleid = 'tally_app'::regrole
    ) THEN
        RAISE NOTICE 'keeping role tally_app: other roles are members of it';
        RETURN;
    END IF;

    BEGIN
        DROP ROLE tally_app;
    EXCEPTION
        WHEN dependent_objects_still_exist THEN
            -- Typically another database of this cluster is still migrated.
            RAISE NOTICE 'keeping role tally_app: %', SQLERRM;
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'keeping role tally_app: %', SQLERRM;
    END;
END
$$;

DROP DOMAIN email_address;
DROP FUNCTION tally_touch_updated_at();
DROP FUNCTION tally_current_org();
