-- The global permission vocabulary, added where missing (no migration inserts it;
-- the table is the owner's, tally_app may only read it). Keys another writer added
-- first are kept with their description.
-- $1: keys; $2: their descriptions.
INSERT INTO permissions (key, description)
SELECT p.key, p.description
FROM unnest($1::text[], $2::text[]) AS p (key, description)
ON CONFLICT (key) DO NOTHING
