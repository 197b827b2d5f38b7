-- The receipts of request $2 of organization $1, for its audit entry.
SELECT table_name, rows_deleted FROM data_deletions
WHERE organization_id = $1 AND gdpr_request_id = $2
ORDER BY id
