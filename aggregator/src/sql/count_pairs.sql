-- Counts the events of the given campaigns ($3, $4) on one day ([$1, $2)),
-- reaching each campaign through events_campaign_idx.
INSERT INTO tally_day_counts (organization_id, campaign_id, event_type, event_count, unique_contacts)
SELECT e.organization_id, e.campaign_id, e.event_type, count(*), count(DISTINCT e.contact_id)
FROM unnest($3::bigint[], $4::bigint[]) AS p (organization_id, campaign_id)
JOIN events e ON e.organization_id = p.organization_id AND e.campaign_id = p.campaign_id
WHERE e.occurred_at >= $1 AND e.occurred_at < $2
GROUP BY 1, 2, 3
