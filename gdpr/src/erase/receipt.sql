-- The receipt of one table (or archived object, or export): request $2 of
-- organization $1 removed personal data from $4 of its rows.
INSERT INTO data_deletions (organization_id, gdpr_request_id, table_name, rows_deleted)
VALUES ($1, $2, $3, $4)
