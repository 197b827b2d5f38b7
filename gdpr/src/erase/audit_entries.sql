-- The audit entries of organization $1 that may hold the subject's data: those
-- about their rows ($2 entity types and $3 ids, pairwise), those their user
-- account made ($4), and, when $5 (the lower-cased address) is not '', any other
-- whose changes hold it. The caller redacts each.
WITH about (entity_type, entity_id) AS (
    SELECT * FROM unnest($2::text[], $3::bigint[])
)
SELECT a.id, a.entity_type, a.changes,
       EXISTS (SELECT 1 FROM about b WHERE b.entity_type = a.entity_type AND b.entity_id = a.entity_id)
           AS about_subject,
       coalesce(a.actor_user_id = $4, false) AS by_subject,
       a.ip_address IS NOT NULL OR a.user_agent IS NOT NULL AS has_client
FROM audit_logs a
WHERE a.organization_id = $1
  AND (EXISTS (SELECT 1 FROM about b WHERE b.entity_type = a.entity_type AND b.entity_id = a.entity_id)
       OR a.actor_user_id = $4
       OR ($5 <> '' AND strpos(lower(a.changes::text), $5) > 0))
ORDER BY a.id
