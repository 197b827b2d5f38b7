-- Counts the events of the given campaigns on one day ([$1, $2)), reaching
-- each campaign through events_campaign_idx. $5 is the finality bound: when
-- set, only events received before it are counted for the final row, and the
-- rest shows up as total - counted (late events).
INSERT INTO tally_day_counts (organization_id, campaign_id, event_type, total, counted, unique_contacts)
SELECT e.organization_id, e.campaign_id, e.event_type,
       count(*),
       count(*) FILTER (WHERE $5::timestamptz IS NULL OR e.received_at < $5),
       count(DISTINCT e.contact_id) FILTER (WHERE $5::timestamptz IS NULL OR e.received_at < $5)
FROM unnest($3::bigint[], $4::bigint[]) AS p (organization_id, campaign_id)
JOIN events e ON e.organization_id = p.organization_id AND e.campaign_id = p.campaign_id
WHERE e.occurred_at >= $1 AND e.occurred_at < $2
GROUP BY 1, 2, 3
