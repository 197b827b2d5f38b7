-- Marks the campaign days the batch touched; an entry still pending stays as it is.
INSERT INTO event_invalidations (organization_id, campaign_id, day, shard)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::date[], $4::int[])
ON CONFLICT DO NOTHING
