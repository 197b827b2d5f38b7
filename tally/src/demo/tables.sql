-- Every table of the schema (partitions aside) with its comment and whether
-- row-level security guards it.
SELECT c.relname::text AS name,
       coalesce(obj_description(c.oid, 'pg_class'), '') AS comment,
       c.relkind = 'p' AS partitioned,
       c.relrowsecurity AS tenant_guarded
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
ORDER BY c.relname
