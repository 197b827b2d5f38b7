-- 0014 domains: what the platform's CRUD domains need from the database so
-- that no writer can get them wrong: soft delete with uniqueness among live
-- rows only, an audit trail written by the database itself (whoever writes),
-- status flows the database refuses to break, and the indexes the typed list
-- queries page through.

-- The actor of the current transaction, as the schema crate sets it
-- (tally.actor, transaction-local): 'user:12', 'api_key:3', 'import', ...
-- 'system' when nobody said.
CREATE FUNCTION tally_current_actor() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(nullif(current_setting('tally.actor', true), ''), 'system') $$;

COMMENT ON FUNCTION tally_current_actor() IS
    'Actor of the transaction (setting tally.actor), ''system'' when unset; recorded in audit_logs';

-- The crate opens tenant transactions as the connecting (owner) role and then
-- SET LOCAL ROLE tally_app, so row-level security applies to every domain
-- query whatever the pool connects as. That needs membership in tally_app.
DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT tally_app TO %I', current_user);
    END IF;
END
$$;

ALTER TABLE audit_logs
    ADD COLUMN actor text NOT NULL DEFAULT 'system'
        CONSTRAINT audit_logs_actor_nonblank CHECK (btrim(actor) <> '');

COMMENT ON COLUMN audit_logs.actor IS
    'Who made the change: the transaction''s tally.actor (user:N, api_key:N, import, ...) or system';

CREATE INDEX audit_logs_entity_idx ON audit_logs (organization_id, entity_type, entity_id, id);

-- Like actor_user_id and entity_id, the organization needs no foreign key: the
-- trail outlives what it mentions, organizations are only soft-deleted, and the
-- key's check per audit row doubled the cost of a bulk import's trail.
ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_organization_id_fkey;

-- Audit rows are the database's to write (the triggers below, as the owner):
-- the application may read its tenant's trail but not add to it.
REVOKE INSERT ON audit_logs FROM tally_app;

-- Users are global and seen through memberships, so a membership is a door into
-- another tenant's user: a tenant may add a user who belongs to no other
-- organization (one it just created) but not adopt another organization's
-- user, and may change a user only while the user belongs to it alone.
CREATE FUNCTION tally_user_elsewhere(user_id bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT EXISTS (SELECT 1 FROM memberships m
                    WHERE m.user_id = $1 AND m.organization_id IS DISTINCT FROM tally_current_org())
$$;

COMMENT ON FUNCTION tally_user_elsewhere(bigint) IS
    'Whether a user belongs to an organization other than the session''s (memberships and users policies)';

CREATE POLICY no_adoption ON memberships AS RESTRICTIVE
    USING (true)
    WITH CHECK (NOT tally_user_elsewhere(user_id));
CREATE POLICY own_users_only ON users AS RESTRICTIVE FOR UPDATE
    USING (NOT tally_user_elsewhere(id));

-- ---------------------------------------------------------------------------
-- Soft delete. deleted_at marks a row as gone for every list and get; only a
-- GDPR erasure deletes physically. Uniqueness holds among live rows, so a
-- deleted slug, domain or address can be used again.
-- ---------------------------------------------------------------------------

ALTER TABLE organizations ADD COLUMN deleted_at timestamptz NULL;
ALTER TABLE contact_lists ADD COLUMN deleted_at timestamptz NULL;
ALTER TABLE contacts ADD COLUMN deleted_at timestamptz NULL;
ALTER TABLE email_templates ADD COLUMN deleted_at timestamptz NULL;
ALTER TABLE forms ADD COLUMN deleted_at timestamptz NULL;
ALTER TABLE form_fields ADD COLUMN deleted_at timestamptz NULL;
ALTER TABLE campaigns ADD COLUMN deleted_at timestamptz NULL;
ALTER TABLE campaign_contact_assignments ADD COLUMN deleted_at timestamptz NULL;
ALTER TABLE form_responses ADD COLUMN deleted_at timestamptz NULL;

-- Columns an import fills beyond the named ones: any other CSV column.
ALTER TABLE contacts ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT contacts_attributes_object CHECK (jsonb_typeof(attributes) = 'object');

DROP INDEX organizations_domain_key;
CREATE UNIQUE INDEX organizations_domain_key ON organizations (lower(domain)) WHERE deleted_at IS NULL;

DROP INDEX contacts_list_email_key;
CREATE UNIQUE INDEX contacts_list_email_key ON contacts (organization_id, contact_list_id, lower(email))
    WHERE deleted_at IS NULL;

ALTER TABLE campaigns DROP CONSTRAINT campaigns_landing_page_slug_key;
CREATE UNIQUE INDEX campaigns_landing_page_slug_key ON campaigns (organization_id, landing_page_slug)
    WHERE deleted_at IS NULL AND landing_page_slug IS NOT NULL;

ALTER TABLE email_templates DROP CONSTRAINT email_templates_name_version_key;
CREATE UNIQUE INDEX email_templates_name_version_key ON email_templates (organization_id, name, version)
    WHERE deleted_at IS NULL;

ALTER TABLE form_fields DROP CONSTRAINT form_fields_key_key;
CREATE UNIQUE INDEX form_fields_key_key ON form_fields (organization_id, form_id, field_key)
    WHERE deleted_at IS NULL;

-- Keyset pages (ORDER BY id, id > cursor) under each filter the lists offer.
-- They replace the two contact indexes whose columns they start with.
DROP INDEX contacts_validation_status_idx;
DROP INDEX contacts_list_validation_status_idx;
CREATE INDEX contacts_list_page_idx ON contacts (organization_id, contact_list_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_created_page_idx ON contacts (organization_id, created_at, id)
    WHERE deleted_at IS NULL;
-- A status filter pages through one partial index per status, not through a
-- (status, id) index: enum comparisons are not leakproof, so under row-level
-- security the planner may not use a status as an index condition (nor its
-- statistics), and a rare status walked the whole tenant. The tenant
-- transactions' custom plans see the status as a constant and pick the index
-- whose predicate it proves. A new enum label needs its index here too (a test
-- checks that every label has one).
DO $$
DECLARE
    label text;
BEGIN
    FOREACH label IN ARRAY enum_range(NULL::validation_status)::text[] LOOP
        EXECUTE format('CREATE INDEX %I ON contacts (organization_id, id)'
                       ' WHERE deleted_at IS NULL AND validation_status = %L',
                       'contacts_' || label || '_page_idx', label);
    END LOOP;
    FOREACH label IN ARRAY enum_range(NULL::campaign_status)::text[] LOOP
        EXECUTE format('CREATE INDEX %I ON campaigns (organization_id, id)'
                       ' WHERE deleted_at IS NULL AND status = %L',
                       'campaigns_' || label || '_page_idx', label);
    END LOOP;
    FOREACH label IN ARRAY enum_range(NULL::lead_status)::text[] LOOP
        EXECUTE format('CREATE INDEX %I ON leads (organization_id, id)'
                       ' WHERE deleted_at IS NULL AND status = %L',
                       'leads_' || label || '_page_idx', label);
    END LOOP;
END
$$;
CREATE INDEX leads_campaign_page_idx ON leads (organization_id, campaign_id, id)
    WHERE deleted_at IS NULL;

-- ---------------------------------------------------------------------------
-- The audit trail. Statement-level triggers with transition tables write one
-- audit_logs row per changed row in one INSERT per statement, so a COPY-sized
-- import pays one pass, not one trigger call per row. SECURITY DEFINER: the
-- trail is written whoever writes (the application role may only INSERT rows
-- of its own tenant; a user's change is recorded in each of their
-- organizations).
--
-- Trigger arguments: the column that holds the organization ('' for users,
-- which are global), then the key columns that pair an old row with its new
-- version.
-- ---------------------------------------------------------------------------

-- The key of a row (as jsonb) under the named key columns.
CREATE FUNCTION tally_audit_key(r jsonb, keys text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT jsonb_agg(r -> k ORDER BY ord) FROM unnest(keys) WITH ORDINALITY AS u(k, ord) $$;

-- The organizations a global row (a user) is recorded in: the transaction's
-- organization, or failing that every organization the user is a member of.
CREATE FUNCTION tally_audit_orgs(r jsonb) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT tally_current_org() WHERE tally_current_org() IS NOT NULL
    UNION ALL
    SELECT m.organization_id FROM memberships m
     WHERE tally_current_org() IS NULL AND m.user_id = (r ->> 'id')::bigint
$$;

CREATE FUNCTION tally_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    org_column text := TG_ARGV[0];
    keys text[] := TG_ARGV[1:];
    actor text := tally_current_actor();
    actor_user bigint := CASE WHEN actor ~ '^user:[0-9]{1,18}$' THEN substr(actor, 6)::bigint END;
    changed text;
    organization text;
BEGIN
    -- changed(r, action, changes): one row per changed row, r its (new) row as jsonb.
    IF TG_OP = 'INSERT' THEN
        changed := $q$
            SELECT r, 'insert', jsonb_build_object('new', jsonb_strip_nulls(r))
              FROM (SELECT to_jsonb(n) AS r FROM new_rows n) AS s $q$;
    ELSIF TG_OP = 'DELETE' THEN
        changed := $q$
            SELECT r, 'delete', jsonb_build_object('old', jsonb_strip_nulls(r))
              FROM (SELECT to_jsonb(d) AS r FROM old_rows d) AS s $q$;
    ELSE
        changed := format($q$
            SELECT b.r,
                   CASE WHEN (a.r ->> 'deleted_at') IS NULL AND (b.r ->> 'deleted_at') IS NOT NULL THEN 'soft_delete'
                        WHEN (a.r ->> 'deleted_at') IS NOT NULL AND (b.r ->> 'deleted_at') IS NULL THEN 'restore'
                        ELSE 'update' END,
                   jsonb_build_object('old', d.old_values, 'new', d.new_values)
              FROM (SELECT to_jsonb(x) AS r FROM old_rows x) AS a
              JOIN (SELECT to_jsonb(y) AS r FROM new_rows y) AS b
                ON tally_audit_key(a.r, %L) = tally_audit_key(b.r, %L)
             CROSS JOIN LATERAL (
                  SELECT jsonb_object_agg(k, a.r -> k) AS old_values,
                         jsonb_object_agg(k, b.r -> k) AS new_values
                    FROM jsonb_object_keys(b.r) AS k
                   WHERE k <> 'updated_at' AND (a.r -> k) IS DISTINCT FROM (b.r -> k)
              ) AS d
             WHERE d.new_values IS NOT NULL $q$, keys, keys);
    END IF;
    -- A tenant row names its organization; a user is recorded in the transaction's
    -- organization or in each of theirs.
    organization := CASE WHEN org_column <> ''
                         THEN format('(SELECT (c.r ->> %L)::bigint)', org_column)
                         ELSE 'tally_audit_orgs(c.r)' END;
    EXECUTE format($q$
        WITH changed(r, action, changes) AS (%s)
        INSERT INTO audit_logs (organization_id, actor_user_id, actor, action, entity_type, entity_id, changes)
        SELECT o, $1, $2, c.action, %L, (c.r ->> 'id')::bigint, c.changes
          FROM changed c, LATERAL %s AS t(o) $q$, changed, TG_TABLE_NAME, organization)
        USING actor_user, actor;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION tally_audit() IS
    'Statement-level trigger body: one audit_logs row per inserted, changed, soft-deleted, restored or deleted row, with the actor of the transaction';

REVOKE EXECUTE ON FUNCTION tally_audit() FROM PUBLIC;

-- Installs the three audit triggers on a table (migration helper).
CREATE FUNCTION tally_enable_audit(tbl regclass, org_column text, VARIADIC keys text[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    args text := array_to_string(
        ARRAY(SELECT quote_literal(a) FROM unnest(org_column || keys) AS a), ', ');
BEGIN
    EXECUTE format('CREATE TRIGGER audit_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION tally_audit(%s)', tbl, args);
    EXECUTE format('CREATE TRIGGER audit_update AFTER UPDATE ON %s'
                   ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION tally_audit(%s)', tbl, args);
    EXECUTE format('CREATE TRIGGER audit_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION tally_audit(%s)', tbl, args);
END
$$;

REVOKE EXECUTE ON FUNCTION tally_enable_audit(regclass, text, text[]) FROM PUBLIC;

SELECT tally_enable_audit('organizations', 'id', 'id');
SELECT tally_enable_audit('users', '', 'id');
SELECT tally_enable_audit('roles', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('role_permissions', 'organization_id', 'organization_id', 'role_id', 'permission_id');
SELECT tally_enable_audit('memberships', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('contact_lists', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('contacts', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('validation_rules', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('email_templates', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('forms', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('form_fields', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('campaigns', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('campaign_contact_assignments', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('leads', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('form_responses', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('gdpr_requests', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('data_deletions', 'organization_id', 'organization_id', 'id');
SELECT tally_enable_audit('email_send_simulations', 'organization_id', 'organization_id', 'id');

-- validation_logs is itself a log (one row per check, never changed): it is
-- not audited row by row; the contact's validation_status change is.

-- ---------------------------------------------------------------------------
-- Status flows. A move the flow does not allow is refused with the from and
-- to states in the message and in DETAIL ('from=draft to=completed'), under
-- a constraint name the crate maps to a typed error.
-- ---------------------------------------------------------------------------

CREATE FUNCTION tally_campaign_status_flow() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The owner (simulation, restores, data loads) may write history in
        -- any state; the application creates every campaign as draft.
        IF NEW.status <> 'draft' AND current_user = 'tally_app' THEN
            RAISE EXCEPTION 'a campaign starts as draft, not %', NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'campaigns_status_flow',
                      DETAIL = format('from=none to=%s', NEW.status),
                      HINT = 'create the campaign as draft, then move it: draft -> scheduled -> active -> completed';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) NOT IN (
        ('draft'::campaign_status, 'scheduled'::campaign_status),
        ('scheduled', 'draft'),
        ('scheduled', 'active'),
        ('active', 'completed'))
    THEN
        RAISE EXCEPTION 'campaign % cannot move from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'campaigns_status_flow',
                  DETAIL = format('from=%s to=%s', OLD.status, NEW.status),
                  HINT = 'campaigns move draft -> scheduled -> active -> completed, or back from scheduled to draft';
    END IF;
    CASE NEW.status
        WHEN 'scheduled' THEN NEW.scheduled_at := coalesce(NEW.scheduled_at, now());
        WHEN 'draft' THEN NEW.scheduled_at := NULL;
        WHEN 'active' THEN NEW.started_at := now();
        WHEN 'completed' THEN NEW.completed_at := greatest(now(), NEW.started_at);
    END CASE;
    RETURN NEW;
END
$$;

-- The first state is checked after the insert, so that row-level security
-- has the first word on a row of another tenant.
CREATE TRIGGER status_flow BEFORE UPDATE OF status ON campaigns
    FOR EACH ROW EXECUTE FUNCTION tally_campaign_status_flow();
CREATE TRIGGER status_start AFTER INSERT ON campaigns
    FOR EACH ROW EXECUTE FUNCTION tally_campaign_status_flow();

CREATE FUNCTION tally_lead_status_flow() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The owner (simulation, restores, data loads) may write history in
        -- any state; the application creates every lead as new.
        IF NEW.status <> 'new' AND current_user = 'tally_app' THEN
            RAISE EXCEPTION 'a lead starts as new, not %', NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'leads_status_flow',
                      DETAIL = format('from=none to=%s', NEW.status),
                      HINT = 'create the lead as new, then move it: new -> qualified | disqualified, qualified -> contacted -> converted';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) NOT IN (
        ('new'::lead_status, 'qualified'::lead_status),
        ('new', 'disqualified'),
        ('qualified', 'contacted'),
        ('contacted', 'converted'))
    THEN
        RAISE EXCEPTION 'lead % cannot move from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'leads_status_flow',
                  DETAIL = format('from=%s to=%s', OLD.status, NEW.status),
                  HINT = 'leads move new -> qualified | disqualified, qualified -> contacted -> converted';
    END IF;
    RETURN NEW;
END
$$;

-- The first state is checked after the insert, so that row-level security
-- has the first word on a row of another tenant.
CREATE TRIGGER status_flow BEFORE UPDATE OF status ON leads
    FOR EACH ROW EXECUTE FUNCTION tally_lead_status_flow();
CREATE TRIGGER status_start AFTER INSERT ON leads
    FOR EACH ROW EXECUTE FUNCTION tally_lead_status_flow();

-- ---------------------------------------------------------------------------
-- Validation rules: one active version per rule name.
-- ---------------------------------------------------------------------------

-- The active version of each rule, found by name.
CREATE UNIQUE INDEX validation_rules_active_key ON validation_rules (organization_id, name)
    WHERE is_active;
