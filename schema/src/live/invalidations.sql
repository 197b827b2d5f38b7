-- Marks the campaign days the batch touched. A pending entry is updated (to
-- itself) rather than skipped so that this transaction holds its row lock:
-- the aggregator, which deletes entries as it claims them, then either waits
-- for this batch to commit and sees its events, or has claimed the entry
-- first, in which case this insert waits and makes a fresh one. The rows come
-- in key order, the order the aggregator locks them in, so neither deadlocks.
INSERT INTO event_invalidations AS i (organization_id, campaign_id, day, shard)
SELECT org, campaign, day, $4::int
  FROM unnest($1::bigint[], $2::bigint[], $3::date[]) AS u(org, campaign, day)
ON CONFLICT (organization_id, campaign_id, day, shard)
    DO UPDATE SET first_touched_at = i.first_touched_at
