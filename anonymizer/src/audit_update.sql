-- Anonymizes the audit entries that occurred in [$1, $2) ($1 NULL: from the
-- first one), in a transaction that set tally.anonymizing, the one change the
-- append-only trigger lets through. Through organizations so that each
-- tenant's slice is read through audit_logs_time_idx (organization_id,
-- occurred_at): every entry references its organization, none is missed.
UPDATE audit_logs a
SET ip_address = NULL,
    user_agent = NULL,
    changes = a.changes - $3::text[]
FROM organizations o
WHERE a.organization_id = o.id
  AND ($1::timestamptz IS NULL OR a.occurred_at >= $1)
  AND a.occurred_at < $2
  AND (a.ip_address IS NOT NULL OR a.user_agent IS NOT NULL OR a.changes ?| $3::text[])
