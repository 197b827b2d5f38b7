-- The plan's campaigns, active since the window's start, each with its own
-- landing-page slug (unique per organization because the id is).
-- $1: organization ids; $2: campaign ids; $3: contact list ids; $4: window start.
INSERT INTO campaigns (organization_id, id, name, status, contact_list_id, landing_page_slug, started_at)
SELECT c.org, c.id, 'Simulated campaign ' || c.id, 'active', c.list, 'sim-' || c.id, $4::timestamptz
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS c (org, id, list)
ON CONFLICT DO NOTHING
