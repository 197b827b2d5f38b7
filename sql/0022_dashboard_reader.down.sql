-- 0022 dashboard reader, undone. The role is cluster-wide: drop it only when
-- no other database (or login role) still depends on it.

DROP POLICY dashboards_read ON organizations;
DROP POLICY dashboards_read ON campaigns;
DROP POLICY dashboards_read ON event_unique_contacts;
DROP POLICY dashboards_read ON event_late_counts;
DROP POLICY dashboards_read ON event_counters;
DROP POLICY dashboards_read ON event_aggregations;

-- Revoking a table's privilege revokes its columns' as well.
REVOKE ALL ON job_runs, organizations, campaigns, event_unique_contacts, event_late_counts,
              event_counters, event_aggregations, campaign_unique_contacts, campaign_funnel,
              campaign_funnel_daily, campaign_daily_stats
    FROM tally_dashboards;
REVOKE USAGE ON SCHEMA public FROM tally_dashboards;

DO $$
BEGIN
    -- A login role made a member by an operator (Grafana's) is configuration
    -- we did not create; dropping tally_dashboards would silently remove it.
    IF EXISTS (
        SELECT 1 FROM pg_auth_members WHERE roleid = 'tally_dashboards'::regrole
    ) THEN
        RAISE NOTICE 'keeping role tally_dashboards: other roles are members of it';
        RETURN;
    END IF;

    BEGIN
        DROP ROLE tally_dashboards;
    EXCEPTION
        WHEN dependent_objects_still_exist THEN
            -- Typically another database of this cluster is still migrated.
            RAISE NOTICE 'keeping role tally_dashboards: %', SQLERRM;
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'keeping role tally_dashboards: %', SQLERRM;
    END;
END
$$;
