-- Contacts $2 of organization $1 are erased by request $3: ingest strips the IP
-- address and keys $4 from their later events. Run after tally_gdpr_lock_erased()
-- in the same transaction. A contact erased before keeps its first row.
INSERT INTO gdpr_erased_contacts (organization_id, contact_id, gdpr_request_id, pii_keys)
SELECT $1, c, $3, $4 FROM unnest($2::bigint[]) AS c
ON CONFLICT (organization_id, contact_id) DO NOTHING
