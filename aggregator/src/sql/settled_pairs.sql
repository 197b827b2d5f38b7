-- Of the claimed pairs ($2, $3) of a final day $1, those whose rows are final
-- already: their final rows never change, so only their late events need
-- counting, from the live counters, without reading events.
SELECT DISTINCT a.organization_id, a.campaign_id
FROM event_aggregations a
JOIN unnest($2::bigint[], $3::bigint[]) AS p (organization_id, campaign_id)
  ON a.organization_id = p.organization_id AND a.campaign_id = p.campaign_id
WHERE a.day = $1 AND a.is_final
ORDER BY 1, 2
