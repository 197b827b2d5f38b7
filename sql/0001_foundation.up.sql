-- 0001 foundation: the helpers every later migration relies on: the tenant
-- session setting, the updated_at trigger, the email domain, the application
-- role and the one-call row-level-security setup for tenant tables.

-- The tenant of the current session. Row-level security on every tenant table
-- compares against this. An unset or empty setting yields NULL, so a session
-- that forgot to set it sees no tenant rows at all (fail closed). Plain SQL
-- with no SET clause so the planner inlines it and can use it in index scans.
CREATE FUNCTION tally_current_org() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('tally.organization_id', true), '')::bigint $$;

COMMENT ON FUNCTION tally_current_org() IS
    'Tenant of the session (setting tally.organization_id), NULL when unset; keys row-level security';

CREATE FUNCTION tally_touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION tally_touch_updated_at() IS
    'BEFORE UPDATE trigger body: keeps updated_at honest whatever the writer sends';

-- Deliberately loose: it rejects what can never be delivered (no @, spaces,
-- no dot in the domain, longer than RFC 5321 allows); deliverability is the
-- job of contact validation, not of the column type.
CREATE DOMAIN email_address AS text
    CONSTRAINT email_address_format CHECK (
        length(VALUE) <= 254 AND VALUE ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
    );

COMMENT ON DOMAIN email_address IS 'Syntactically plausible email address (<= 254 characters)';

-- Roles are cluster-wide while migrations run per database: another database
-- of the same cluster may already have created the role, or may be creating it
-- right now. The loser of that race sees duplicate_object if the winner had
-- committed before CREATE ROLE, or, if not, waits for it and then fails with
-- unique_violation on pg_authid.
DO $$
DECLARE
    existing record;
BEGIN
    SELECT rolsuper, rolbypassrls INTO existing FROM pg_roles WHERE rolname = 'tally_app';
    IF NOT FOUND THEN
        BEGIN
            CREATE ROLE tally_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    ELSIF existing.rolsuper OR existing.rolbypassrls THEN
        -- Tenant isolation rests on this role obeying row-level security.
        RAISE EXCEPTION 'role tally_app exists but is SUPERUSER or BYPASSRLS'
            USING HINT = 'ALTER ROLE tally_app NOSUPERUSER NOBYPASSRLS, then migrate again';
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tally_app;

-- Migration-time helper: the same policy and grants on every tenant table, so
-- no table can be forgotten or get a subtly different policy. No FORCE ROW
-- LEVEL SECURITY: the owner (the migrating role, which also runs ingest and the
-- scheduled jobs across all tenants) keeps full access. `privileges` narrows
-- what the application role gets (e.g. 'SELECT' for append-only tables).
CREATE FUNCTION tally_enable_tenant_rls(
    tbl regclass,
    privileges text DEFAULT 'SELECT, INSERT, UPDATE, DELETE'
) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    seq regclass;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_attribute
        WHERE attrelid = tbl AND attname = 'organization_id' AND NOT attisdropped
    ) THEN
        RAISE EXCEPTION 'table % has no organization_id column', tbl;
    END IF;
    -- privileges is spliced into GRANT, so accept only a list of table verbs.
    IF privileges !~* '^\s*(SELECT|INSERT|UPDATE|DELETE)(\s*,\s*(SELECT|INSERT|UPDATE|DELETE))*\s*$' THEN
        RAISE EXCEPTION 'invalid privilege list %', quote_literal(privileges)
            USING HINT = 'use a comma-separated subset of SELECT, INSERT, UPDATE, DELETE';
    END IF;

    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        '%s POLICY tenant_isolation ON %s'
        ' USING (organization_id = tally_current_org())'
        ' WITH CHECK (organization_id = tally_current_org())',
        CASE WHEN EXISTS (
            SELECT 1 FROM pg_policy WHERE polrelid = tbl AND polname = 'tenant_isolation'
        ) THEN 'ALTER' ELSE 'CREATE' END,
        tbl);
    EXECUTE format('GRANT %s ON %s TO tally_app', privileges, tbl);

    -- Identity inserts do not need it, but an explicit nextval() does (e.g.
    -- taking an id before a row becomes visible through the policy).
    FOR seq IN
        SELECT d.objid::regclass
        FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        WHERE d.classid = 'pg_class'::regclass
          AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid = tbl
          AND d.deptype IN ('a', 'i')
    LOOP
        EXECUTE format('GRANT USAGE ON SEQUENCE %s TO tally_app', seq);
    END LOOP;
END
$$;

COMMENT ON FUNCTION tally_enable_tenant_rls(regclass, text) IS
    'Migration helper: RLS policy tenant_isolation on organization_id plus grants to tally_app';

-- Only migrations (run by the owner) call it.
REVOKE EXECUTE ON FUNCTION tally_enable_tenant_rls(regclass, text) FROM PUBLIC;
