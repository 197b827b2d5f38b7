-- Of the claimed pairs ($2, $3) of a final day $1, those whose final figures
-- are settled, so that only their late events are counted (from the live
-- counters, without reading events): pairs with final rows, and pairs with
-- no row at all on a day already made final (all their events came late).
-- Pairs with rows not final yet, and every pair of a day never aggregated
-- before (a backfill), are recounted instead.
WITH pairs AS (
    SELECT * FROM unnest($2::bigint[], $3::bigint[]) AS p (organization_id, campaign_id)
), finalized AS (
    SELECT EXISTS (SELECT 1 FROM event_aggregations WHERE day = $1 AND is_final) AS yes
)
SELECT p.organization_id, p.campaign_id
FROM pairs p, finalized
WHERE EXISTS (
        SELECT 1 FROM event_aggregations a
        WHERE a.organization_id = p.organization_id AND a.campaign_id = p.campaign_id
          AND a.day = $1 AND a.is_final)
   OR (finalized.yes AND NOT EXISTS (
        SELECT 1 FROM event_aggregations a
        WHERE a.organization_id = p.organization_id AND a.campaign_id = p.campaign_id
          AND a.day = $1))
ORDER BY 1, 2
