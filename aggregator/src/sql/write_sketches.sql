-- Writes merged period sketches and their estimates; the values already
-- include what was stored (stored_sketches.sql), so they replace it.
INSERT INTO event_unique_contacts AS u
    (organization_id, campaign_id, event_type, period, period_start,
     unique_contacts, events, first_day, last_day, sketch, computed_at)
SELECT k.*, $11
FROM unnest($1::bigint[], $2::bigint[], $3::event_type[], $4::text[], $5::date[],
            $6::bigint[], $7::bigint[], $8::date[], $9::date[], $10::bytea[])
     AS k (organization_id, campaign_id, event_type, period, period_start,
           unique_contacts, events, first_day, last_day, sketch)
ON CONFLICT (organization_id, campaign_id, event_type, period, period_start) DO UPDATE
SET unique_contacts = EXCLUDED.unique_contacts,
    events = EXCLUDED.events,
    first_day = EXCLUDED.first_day,
    last_day = EXCLUDED.last_day,
    sketch = EXCLUDED.sketch,
    computed_at = EXCLUDED.computed_at
