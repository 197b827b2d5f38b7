-- The statements that rebuild events partition $1 (UTC day $2) without
-- personal data, generated from the catalog so that the new table gets
-- exactly the old one's indexes, constraints, storage parameters and comment,
-- whatever later migrations add. The new table is <partition>_anon, its
-- indexes <partition>_anon_N until the swap renames them.
WITH old AS (
    SELECT c.oid,
           c.relname::text AS name,
           c.relname || '_anon' AS new_name,
           c.reloptions,
           pg_get_expr(c.relpartbound, c.oid) AS bound,
           obj_description(c.oid, 'pg_class') AS comment
    FROM pg_class c
    WHERE c.oid = $1::text::regclass
),
indexes AS (
    SELECT x.*, format('%s_%s', x.new_name, x.n) AS tmp
    FROM (
        SELECT o.new_name,
               ic.relname::text AS name,
               i.indisunique,
               pg_get_indexdef(i.indexrelid) AS def,
               con.oid AS constraint_oid,
               con.conname::text AS constraint_name,
               row_number() OVER (ORDER BY ic.relname) AS n
        FROM old o
        JOIN pg_index i ON i.indrelid = o.oid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = o.oid
    ) x
),
-- The parent's columns in order (the new table is made LIKE it): the address
-- emptied, the keys removed. In the generated INSERT, $1 is the keys.
columns AS (
    SELECT string_agg(
               CASE a.attname
                   WHEN 'ip_address' THEN 'NULL'
                   WHEN 'event_data' THEN 'event_data - $1::text[]'
                   ELSE quote_ident(a.attname)
               END, ', ' ORDER BY a.attnum) AS list
    FROM pg_attribute a
    WHERE a.attrelid = 'events'::regclass AND a.attnum > 0 AND NOT a.attisdropped
)
SELECT
    -- As tally_ensure_day_partition makes a partition, plus a CHECK of the
    -- bounds that lets ATTACH PARTITION skip scanning the rows.
    ARRAY[
        format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
               ' INCLUDING STORAGE INCLUDING COMPRESSION)', o.new_name),
        format('ALTER TABLE %I ADD CONSTRAINT tally_anonymize_bounds'
               ' CHECK (occurred_at >= %L AND occurred_at < %L)', o.new_name,
               to_char($2::date, 'YYYY-MM-DD') || ' 00:00:00+00',
               to_char($2::date + 1, 'YYYY-MM-DD') || ' 00:00:00+00')]
    || CASE WHEN o.reloptions IS NULL THEN '{}'::text[]
            ELSE ARRAY[format('ALTER TABLE %I SET (%s)', o.new_name, array_to_string(o.reloptions, ', '))]
       END AS create_table,
    format('INSERT INTO %I SELECT %s FROM %I', o.new_name, c.list, o.name) AS copy_rows,
    -- Built after the copy, which is faster than maintaining them row by row.
    -- A constraint's index comes from its constraint, so that ATTACH pairs it
    -- with the parent's constraint (the primary key).
    coalesce((
        SELECT array_agg(
                   CASE WHEN ix.constraint_oid IS NOT NULL
                        THEN format('ALTER TABLE %I ADD CONSTRAINT %I %s', ix.new_name, ix.tmp,
                                    pg_get_constraintdef(ix.constraint_oid))
                        ELSE format('CREATE %sINDEX %I ON %I%s',
                                    CASE WHEN ix.indisunique THEN 'UNIQUE ' ELSE '' END,
                                    ix.tmp, ix.new_name, substring(ix.def FROM ' USING .*$'))
                   END ORDER BY ix.n)
        FROM indexes ix), '{}') AS build_indexes,
    -- Run holding ACCESS EXCLUSIVE on events (dropping a partition needs it).
    ARRAY[
        format('DROP TABLE %I', o.name),
        format('ALTER TABLE %I RENAME TO %I', o.new_name, o.name)]
    || coalesce((
        SELECT array_agg(
                   CASE WHEN ix.constraint_oid IS NOT NULL
                        THEN format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', o.name, ix.tmp, ix.constraint_name)
                        ELSE format('ALTER INDEX %I RENAME TO %I', ix.tmp, ix.name)
                   END ORDER BY ix.n)
        FROM indexes ix), '{}')
    || ARRAY[
        format('ALTER TABLE events ATTACH PARTITION %I %s', o.name, o.bound),
        format('ALTER TABLE %I DROP CONSTRAINT tally_anonymize_bounds', o.name)]
    || CASE WHEN o.comment IS NULL THEN '{}'::text[]
            ELSE ARRAY[format('COMMENT ON TABLE %I IS %L', o.name, o.comment)]
       END AS swap
FROM old o, columns c
