-- What the organization's tables hold about contacts $1 (the address $2,
-- lower-cased, for its GDPR requests), as one document read in one snapshot.
-- Run as the tenant (tally_app under row-level security): no row of another
-- organization can be read, whatever the ids say.
WITH c AS (
    SELECT * FROM contacts
    WHERE organization_id = tally_current_org() AND id = ANY($1)
),
l AS (
    SELECT * FROM leads
    WHERE organization_id = tally_current_org() AND contact_id = ANY($1)
),
r AS (
    SELECT * FROM form_responses
    WHERE organization_id = tally_current_org()
      AND (contact_id = ANY($1) OR lead_id IN (SELECT id FROM l))
),
a AS (
    SELECT * FROM campaign_contact_assignments
    WHERE organization_id = tally_current_org() AND contact_id = ANY($1)
),
v AS (
    SELECT * FROM validation_logs
    WHERE organization_id = tally_current_org() AND contact_id = ANY($1)
),
g AS (
    SELECT * FROM gdpr_requests
    WHERE organization_id = tally_current_org()
      AND (lower(subject_email) = $2 OR contact_id = ANY($1))
),
-- The audit trail is read through its entity index, one entity at a time.
entities (entity_type, entity_id) AS (
    SELECT 'contacts', id FROM c
    UNION ALL SELECT 'leads', id FROM l
    UNION ALL SELECT 'form_responses', id FROM r
    UNION ALL SELECT 'campaign_contact_assignments', id FROM a
    UNION ALL SELECT 'gdpr_requests', id FROM g
),
audit AS (
    SELECT x.* FROM entities e
    JOIN audit_logs x ON x.organization_id = tally_current_org()
                     AND x.entity_type = e.entity_type AND x.entity_id = e.entity_id
)
SELECT jsonb_build_object(
    'contacts', (SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.id), '[]') FROM c),
    'list_memberships', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'contact_id', c.id, 'contact_list_id', cl.id, 'list_name', cl.name,
                   'added_at', c.created_at, 'removed_at', c.deleted_at) ORDER BY c.id), '[]')
        FROM c JOIN contact_lists cl
          ON cl.organization_id = c.organization_id AND cl.id = c.contact_list_id),
    'assignments', (SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id), '[]') FROM a),
    'validation_logs', (SELECT coalesce(jsonb_agg(to_jsonb(v) ORDER BY v.id), '[]') FROM v),
    'leads', (SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.id), '[]') FROM l),
    'form_responses', (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id), '[]') FROM r),
    'gdpr_requests', (SELECT coalesce(jsonb_agg(to_jsonb(g) ORDER BY g.id), '[]') FROM g),
    'audit_logs', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.id), '[]') FROM audit x)
)
