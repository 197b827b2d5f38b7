-- 0010 dashboards, undone in reverse order.

DROP VIEW campaign_funnel;
DROP VIEW campaign_funnel_daily;
DROP VIEW campaign_daily_stats;

DROP FUNCTION tally_rate(numeric, numeric);

DROP INDEX event_counters_org_day_idx;
DROP INDEX event_aggregations_org_day_idx;

-- Back to a pipeline table: no grants, no policy.
REVOKE ALL ON event_counters FROM tally_app;
DROP POLICY tenant_isolation ON event_counters;
ALTER TABLE event_counters DISABLE ROW LEVEL SECURITY;
