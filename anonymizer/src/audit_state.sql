-- The audit_logs watermark, and whether its keys cover the policy's keys ($1).
SELECT anonymized_through, pii_keys @> $1::text[] AS keys_covered
FROM anonymized_tables
WHERE table_name = 'audit_logs'
