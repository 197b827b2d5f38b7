-- Adds the batch's stored events to the live counters of its shard ($5).
INSERT INTO event_counters AS c (organization_id, campaign_id, event_type, day, shard, event_count)
SELECT org, campaign, event_type, day, $5::int, n
  FROM unnest($1::bigint[], $2::bigint[], $3::event_type[], $4::date[], $6::bigint[])
       AS u(org, campaign, event_type, day, n)
ON CONFLICT (organization_id, campaign_id, event_type, day, shard)
DO UPDATE SET event_count = c.event_count + EXCLUDED.event_count,
              last_counted_at = now()
