-- Drops the rows of a day that is not final yet for the campaigns being
-- recomputed, so that an event type that no longer has events loses its row.
DELETE FROM event_aggregations a
USING unnest($2::bigint[], $3::bigint[]) AS p (organization_id, campaign_id)
WHERE a.day = $1
  AND a.organization_id = p.organization_id
  AND a.campaign_id = p.campaign_id
  AND NOT a.is_final
