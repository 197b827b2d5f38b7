-- The list, live, in this organization (row-level security hides the others), locked
-- so that two imports into one list take turns; single-row writers of its contacts
-- (FOR KEY SHARE through their foreign key) are not blocked.
SELECT 1
  FROM contact_lists
 WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL
   FOR NO KEY UPDATE
