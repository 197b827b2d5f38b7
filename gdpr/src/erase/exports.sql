-- The organization's export requests about the subject (address $2, its marker
-- $3, or one of contacts $4) whose files may still be in the store.
SELECT id
FROM gdpr_requests
WHERE organization_id = $1 AND request_type = 'export'
  AND (lower(subject_email) = $2 OR subject_email = $3::text OR contact_id = ANY($4))
  AND result_location IS NOT NULL
ORDER BY id
