-- The events of contacts $1 in every partition in the database, in the archive's
-- text forms (abbrev(inet), jsonb as printed), so rows read from the database
-- and from archived objects compare equal. Run as the tenant.
SELECT event_id, organization_id, campaign_id, contact_id, event_type::text, occurred_at,
       abbrev(ip_address), event_data::text, received_at
FROM events
WHERE organization_id = tally_current_org() AND contact_id = ANY($1)
