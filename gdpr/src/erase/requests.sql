-- The organization's GDPR requests about the subject (address $2, one of
-- contacts $3, or this request $4) name it by its marker $5 from now on; an
-- export's location goes with its files (deleted before).
UPDATE gdpr_requests
SET subject_email = $5::text,
    result_location = CASE WHEN request_type = 'export' THEN NULL ELSE result_location END
WHERE organization_id = $1
  AND (lower(subject_email) = $2 OR contact_id = ANY($3) OR id = $4)
  AND (subject_email <> $5::text OR (request_type = 'export' AND result_location IS NOT NULL))
