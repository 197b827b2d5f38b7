-- Redacts audit entries of organization $1 (ids $2) to changes $3, clearing the
-- client's address and user agent where $4: the one change the append-only
-- trigger lets through, in a transaction that set tally.gdpr_erasing.
UPDATE audit_logs a
SET changes = v.changes,
    ip_address = CASE WHEN v.clear THEN NULL ELSE a.ip_address END,
    user_agent = CASE WHEN v.clear THEN NULL ELSE a.user_agent END
FROM unnest($2::bigint[], $3::jsonb[], $4::boolean[]) AS v(id, changes, clear)
WHERE a.organization_id = $1 AND a.id = v.id
