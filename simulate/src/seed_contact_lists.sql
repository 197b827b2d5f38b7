-- One contact list per organization.
-- $1: organization ids; $2: their contact list ids.
INSERT INTO contact_lists (organization_id, id, name, description)
SELECT o.org, o.list, 'Simulated contacts', 'Recipients of simulated campaigns (tally simulate)'
FROM unnest($1::bigint[], $2::bigint[]) AS o (org, list)
ON CONFLICT DO NOTHING
