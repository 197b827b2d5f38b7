-- Every organization's contacts, generated server-side so 100k+ rows cost one
-- round trip. Ids, emails and first names follow the generator's derivation
-- (ingest/src/simulate/plan.rs and payload.rs), passed in rather than repeated.
-- $1: organization ids; $2: their contact list ids; $3: contacts per organization;
-- $4: CONTACT_STRIDE; $5: the first names, picked by id modulo their count.
INSERT INTO contacts (organization_id, id, contact_list_id, email, first_name, last_name, validation_status)
SELECT o.org,
       c.id,
       o.list,
       'c' || c.id || '@org' || o.org || '.sim.example',
       ($5::text[])[1 + c.id % cardinality($5::text[])],
       'Contact',
       'valid'
FROM unnest($1::bigint[], $2::bigint[]) AS o (org, list)
CROSS JOIN LATERAL (
    -- contact k (1-based) of organization org
    SELECT o.org * $4::bigint + k AS id
    FROM generate_series(1, $3::bigint) AS k
) AS c
ON CONFLICT DO NOTHING
