-- What the organization's tables hold about platform user $1 (address $2,
-- lower-cased, for its GDPR requests), as one document read in one snapshot, as
-- the tenant (row-level security). The password hash is a credential, not data
-- about the person, and is left out.
WITH u AS (
    SELECT id, email, full_name, created_at, updated_at FROM users WHERE id = $1
),
m AS (
    SELECT m.*, ro.name AS role_name
    FROM memberships m
    JOIN roles ro ON ro.organization_id = m.organization_id AND ro.id = m.role_id
    WHERE m.organization_id = tally_current_org() AND m.user_id = $1
),
g AS (
    SELECT * FROM gdpr_requests
    WHERE organization_id = tally_current_org() AND lower(subject_email) = $2
),
audit AS (
    SELECT * FROM audit_logs x
    WHERE x.organization_id = tally_current_org()
      AND ((x.entity_type = 'users' AND x.entity_id = $1)
           OR (x.entity_type = 'memberships' AND x.entity_id IN (SELECT id FROM m))
           OR (x.entity_type = 'gdpr_requests' AND x.entity_id IN (SELECT id FROM g))
           OR x.actor_user_id = $1)
)
SELECT jsonb_build_object(
    'users', (SELECT coalesce(jsonb_agg(to_jsonb(u)), '[]') FROM u),
    'memberships', (SELECT coalesce(jsonb_agg(to_jsonb(m) ORDER BY m.id), '[]') FROM m),
    'gdpr_requests', (SELECT coalesce(jsonb_agg(to_jsonb(g) ORDER BY g.id), '[]') FROM g),
    'audit_logs', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.id), '[]') FROM audit x)
)
