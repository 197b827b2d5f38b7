-- Late events of a final day $1: every stored event of a key that its final
-- row does not count. Set, not added, so a rerun gives the same figure.
INSERT INTO event_late_counts AS l
    (organization_id, campaign_id, event_type, day, late_events, computed_at)
SELECT t.organization_id, t.campaign_id, t.event_type, $1,
       t.total - coalesce(a.event_count, 0), $2
FROM tally_day_counts t
LEFT JOIN event_aggregations a
       ON a.organization_id = t.organization_id
      AND a.campaign_id = t.campaign_id
      AND a.event_type = t.event_type
      AND a.day = $1
WHERE t.total > coalesce(a.event_count, 0)
ON CONFLICT (organization_id, campaign_id, event_type, day) DO UPDATE
SET late_events = EXCLUDED.late_events,
    computed_at = EXCLUDED.computed_at
WHERE l.late_events <> EXCLUDED.late_events
