-- The subject's leads lose their notes, the one free-text field; status and
-- score stay for the sales figures.
UPDATE leads
SET notes = NULL
WHERE organization_id = $1 AND contact_id = ANY($2) AND notes IS NOT NULL
