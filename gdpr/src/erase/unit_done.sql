-- Unit ($3, $4) of request $2 of organization $1 is done, having changed $5 rows;
-- written in the unit's transaction, with its changes and receipts.
INSERT INTO gdpr_erasure_steps (organization_id, gdpr_request_id, step, target, rows_changed, detail)
VALUES ($1, $2, $3, $4, $5, $6)
