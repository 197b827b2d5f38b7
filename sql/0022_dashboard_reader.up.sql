-- 0022 dashboard reader: tally_dashboards, the role Grafana reads as. It may
-- read the dashboard views and what they read (aggregates, live counters, late
-- counts, unique-contact estimates), campaign and organization names for
-- labels, and job_runs; nothing else, and it writes nothing. It sees every
-- organization: each dashboard scopes its panels with an organization variable
-- (WHERE organization_id = $organization), so one datasource serves them all.
-- docs/decisions.md says why policies rather than one login per tenant.

-- Cluster-wide, like tally_app in 0001: another database of the cluster may
-- have created it already, or be creating it now.
DO $$
DECLARE
    existing record;
BEGIN
    SELECT rolsuper, rolbypassrls INTO existing FROM pg_roles WHERE rolname = 'tally_dashboards';
    IF NOT FOUND THEN
        BEGIN
            CREATE ROLE tally_dashboards NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    ELSIF existing.rolsuper OR existing.rolbypassrls THEN
        -- Reading only what is granted below rests on the role being ordinary.
        RAISE EXCEPTION 'role tally_dashboards exists but is SUPERUSER or BYPASSRLS'
            USING HINT = 'ALTER ROLE tally_dashboards NOSUPERUSER NOBYPASSRLS, then migrate again';
    END IF;
    -- Membership in the application role would bring its writes and every
    -- tenant table it reads (contacts, leads, ...).
    IF pg_has_role('tally_dashboards', 'tally_app', 'USAGE') THEN
        RAISE EXCEPTION 'role tally_dashboards is a member of tally_app'
            USING HINT = 'REVOKE tally_app FROM tally_dashboards, then migrate again';
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tally_dashboards;

-- The views (0010, 0013) are security_invoker: the reader needs SELECT on them
-- and on every table underneath.
GRANT SELECT ON campaign_daily_stats, campaign_funnel_daily, campaign_funnel,
                campaign_unique_contacts TO tally_dashboards;
GRANT SELECT ON event_aggregations, event_counters, event_late_counts TO tally_dashboards;
-- Not the sketch: its registers come from hashes of contact ids.
GRANT SELECT (organization_id, campaign_id, event_type, period, period_start, unique_contacts,
              events, first_day, last_day, computed_at)
    ON event_unique_contacts TO tally_dashboards;
-- Labels only: no slugs, templates, forms or lists of the campaign, no domain of
-- the organization.
GRANT SELECT (organization_id, id, name, deleted_at) ON campaigns TO tally_dashboards;
GRANT SELECT (id, name, deleted_at) ON organizations TO tally_dashboards;
-- Global and free of personal data (job errors name ids, never addresses).
GRANT SELECT ON job_runs TO tally_dashboards;

-- Every organization's rows, for this role only. Policies of a table are
-- OR-ed, so for its members tenant_isolation's condition becomes
-- "... OR true", which the planner folds away: the dashboards' own
-- organization_id filters reach the indexes as they do for the tenant.
CREATE POLICY dashboards_read ON event_aggregations FOR SELECT TO tally_dashboards USING (true);
CREATE POLICY dashboards_read ON event_counters FOR SELECT TO tally_dashboards USING (true);
CREATE POLICY dashboards_read ON event_late_counts FOR SELECT TO tally_dashboards USING (true);
CREATE POLICY dashboards_read ON event_unique_contacts FOR SELECT TO tally_dashboards USING (true);
CREATE POLICY dashboards_read ON campaigns FOR SELECT TO tally_dashboards USING (true);
CREATE POLICY dashboards_read ON organizations FOR SELECT TO tally_dashboards USING (true);
