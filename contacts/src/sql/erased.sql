-- Lines whose address organization $1 erased: a contact of the organization (in
-- any list, deleted or not) holds the marker the address would be replaced by.
-- Refused, so an erased person is never imported again.
DELETE FROM import_rows r
 USING contacts c
 WHERE c.organization_id = $1 AND r.erased IS NOT NULL AND c.email = r.erased
RETURNING r.line, r.email
