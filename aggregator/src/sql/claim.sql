-- Claims one day's invalidation entries: locks them in key order (the order
-- ingest writes them in, so neither side deadlocks), deletes them and returns
-- the distinct (organization, campaign) pairs to recompute. An entry a batch
-- writes after this statement survives for the next run.
WITH claimed AS (
    DELETE FROM event_invalidations i
    WHERE (i.organization_id, i.campaign_id, i.day, i.shard) IN (
        SELECT organization_id, campaign_id, day, shard
        FROM event_invalidations
        WHERE day = $1
        ORDER BY organization_id, campaign_id, day, shard
        FOR UPDATE)
    RETURNING i.organization_id, i.campaign_id
)
SELECT DISTINCT organization_id, campaign_id FROM claimed ORDER BY 1, 2
