-- The organization's GDPR requests that name the subject by marker $2.
SELECT ARRAY(SELECT id FROM gdpr_requests WHERE organization_id = $1 AND subject_email = $2::text ORDER BY id)
