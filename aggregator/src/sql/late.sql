-- Late events of the claimed pairs ($3, $4) of a final day $1: every stored
-- event that the key's final row does not count. ingest's live counters hold
-- the exact number stored (maintained in each batch's transaction), so no
-- event is read. Set, not added, so a rerun gives the same figure; a key
-- whose late events were folded in by a restatement loses its row.
WITH pairs AS (
    SELECT * FROM unnest($3::bigint[], $4::bigint[]) AS p (organization_id, campaign_id)
), stored AS (
    SELECT c.organization_id, c.campaign_id, c.event_type, sum(c.event_count)::bigint AS total
    FROM event_counters c
    JOIN pairs p ON c.organization_id = p.organization_id AND c.campaign_id = p.campaign_id
    WHERE c.day = $1
    GROUP BY 1, 2, 3
), late AS (
    SELECT s.organization_id, s.campaign_id, s.event_type,
           s.total - coalesce(a.event_count, 0) AS late_events
    FROM stored s
    LEFT JOIN event_aggregations a
           ON a.organization_id = s.organization_id
          AND a.campaign_id = s.campaign_id
          AND a.event_type = s.event_type
          AND a.day = $1
), cleared AS (
    DELETE FROM event_late_counts l
    USING late
    WHERE l.organization_id = late.organization_id
      AND l.campaign_id = late.campaign_id
      AND l.event_type = late.event_type
      AND l.day = $1
      AND late.late_events <= 0
)
INSERT INTO event_late_counts AS l
    (organization_id, campaign_id, event_type, day, late_events, computed_at)
SELECT organization_id, campaign_id, event_type, $1, late_events, $2
FROM late
WHERE late_events > 0
ON CONFLICT (organization_id, campaign_id, event_type, day) DO UPDATE
SET late_events = EXCLUDED.late_events,
    computed_at = EXCLUDED.computed_at
WHERE l.late_events <> EXCLUDED.late_events
