-- The stored sketches of the given period keys, locked until the merged ones
-- are written back.
SELECT u.organization_id, u.campaign_id, u.event_type, u.period, u.period_start,
       u.sketch, u.first_day, u.last_day, u.events
FROM unnest($1::bigint[], $2::bigint[], $3::event_type[], $4::text[], $5::date[])
     AS k (organization_id, campaign_id, event_type, period, period_start)
JOIN event_unique_contacts u USING (organization_id, campaign_id, event_type, period, period_start)
ORDER BY 1, 2, 3, 4, 5
FOR UPDATE OF u
