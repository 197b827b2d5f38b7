-- The plan's organizations, with derived names and unique domains.
-- $1: organization ids.
INSERT INTO organizations (id, name, domain)
SELECT org, 'Simulated organization ' || org, 'org' || org || '.sim.example'
FROM unnest($1::bigint[]) AS org
ON CONFLICT DO NOTHING
