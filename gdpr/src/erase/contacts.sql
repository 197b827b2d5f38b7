-- The subject's contacts, in every list: the address replaced by its marker $3,
-- every other personal column emptied, and soft deleted. The rows stay, so the
-- events, assignments, leads and responses that point at them keep counting.
UPDATE contacts
SET email = $3::text, first_name = NULL, last_name = NULL, phone = NULL,
    attributes = '{}', validation_details = '{}',
    deleted_at = coalesce(deleted_at, now())
WHERE organization_id = $1 AND id = ANY($2)
  AND (email <> $3::text OR first_name IS NOT NULL OR last_name IS NOT NULL OR phone IS NOT NULL
       OR attributes <> '{}' OR validation_details <> '{}' OR deleted_at IS NULL)
