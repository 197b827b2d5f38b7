-- validation_rules (versioned: a change is a new version, the old one deactivated)
-- and validation_logs (read only here; the contacts import writes them).
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app);
-- lists page by id (pass the last id seen as `after`, 0 for the first page).

--: ValidationRule()
--: ValidationLog()

--! deactivate : ValidationRule
-- Retires the active version of a rule; run before `create` to publish a new version.
UPDATE validation_rules SET is_active = false
 WHERE organization_id = tally_current_org() AND name = :name AND is_active
RETURNING *;

--! create : ValidationRule
-- The next version of the rule called `name` (1 for a new name), active.
INSERT INTO validation_rules (organization_id, name, version, rule_type, definition)
SELECT tally_current_org(), :name, coalesce(max(version), 0) + 1, :rule_type, :definition
  FROM validation_rules
 WHERE organization_id = tally_current_org() AND name = :name
RETURNING *;

--! get : ValidationRule
SELECT * FROM validation_rules WHERE organization_id = tally_current_org() AND id = :id;

--! list (active?) : ValidationRule
SELECT * FROM validation_rules
 WHERE organization_id = tally_current_org() AND id > :after
   AND (:active::boolean IS NULL OR is_active = :active)
 ORDER BY id
 LIMIT :limit;

--! logs : ValidationLog
-- A contact's validation history, newest first.
SELECT * FROM validation_logs
 WHERE organization_id = tally_current_org() AND contact_id = :contact_id
 ORDER BY validated_at DESC, id DESC
 LIMIT :limit;
