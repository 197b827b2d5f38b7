-- contacts: create, get, list (by list, validation status), list_created (a created
-- range), update,
-- soft delete, restore. Bulk loading goes through the contacts crate's import.
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: Contact(first_name?, last_name?, phone?, deleted_at?)

--! create (first_name?, last_name?, phone?) : Contact
INSERT INTO contacts (organization_id, contact_list_id, email, first_name, last_name, phone, attributes)
VALUES (tally_current_org(), :contact_list_id, :email::text, :first_name, :last_name, :phone, :attributes)
RETURNING *;

--! get : Contact
SELECT * FROM contacts
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL;

--! list (list?, status?) : Contact
-- Each filter is optional; NULL leaves it out. Every combination pages through an
-- index that ends in id (sql/0014's *_page_idx).
SELECT * FROM contacts
 WHERE organization_id = tally_current_org() AND deleted_at IS NULL AND id > :after
   AND (:list::bigint IS NULL OR contact_list_id = :list)
   AND (:status::validation_status IS NULL OR validation_status = :status)
 ORDER BY id
 LIMIT :limit;

--! list_created (created_before?) : Contact
-- Contacts created in a range, oldest first, paged by (created_at, id): the first page
-- passes the range's start as `after_created_at` and 0 as `after`, the next ones the
-- last row's created_at and id. (Ids follow creation only roughly, so a range ordered
-- by id would scan every contact before the range.)
SELECT * FROM contacts
 WHERE organization_id = tally_current_org() AND deleted_at IS NULL
   AND (created_at, id) > (:after_created_at, :after)
   AND (:created_before::timestamptz IS NULL OR created_at < :created_before)
 ORDER BY created_at, id
 LIMIT :limit;

--! update (first_name?, last_name?, phone?) : Contact
UPDATE contacts
   SET email = :email::text,
       first_name = :first_name,
       last_name = :last_name,
       phone = :phone,
       attributes = :attributes
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! soft_delete : Contact
UPDATE contacts SET deleted_at = now()
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NULL
RETURNING *;

--! restore : Contact
UPDATE contacts SET deleted_at = NULL
 WHERE organization_id = tally_current_org() AND id = :id AND deleted_at IS NOT NULL
RETURNING *;

--! get_by_email : Contact
-- The live contact with this address in a list (case-insensitive), as a landing-page
-- submission finds its submitter: through tally_contact_by_email (sql/0021), since
-- under row-level security lower(email) could not use the unique index.
SELECT * FROM tally_contact_by_email(:list, :email::text);
