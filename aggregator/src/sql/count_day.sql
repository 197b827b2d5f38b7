-- Counts every event of one day ([$1, $2)), for a restatement: late events
-- included, since restating folds them in on purpose.
INSERT INTO tally_day_counts (organization_id, campaign_id, event_type, event_count, unique_contacts)
SELECT organization_id, campaign_id, event_type, count(*), count(DISTINCT contact_id)
FROM events
WHERE occurred_at >= $1 AND occurred_at < $2
GROUP BY 1, 2, 3
