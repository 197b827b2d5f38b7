-- The archived rows staged in archive_restore go into the day's partition with their
-- PostgreSQL types back. A row whose key is already in the partition (a partial
-- earlier restore, or the same event stored again) is kept as it is.
INSERT INTO {table} (event_id, organization_id, campaign_id, contact_id, event_type,
                     occurred_at, ip_address, event_data, received_at)
SELECT event_id, organization_id, campaign_id, contact_id, event_type::event_type,
       occurred_at, ip_address::inet, event_data::jsonb, received_at
FROM archive_restore
ON CONFLICT DO NOTHING
