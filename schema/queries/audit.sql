-- audit_logs: read only (the database writes them; see sql/0014).
-- Tenant-scoped: run inside schema::Tenant::begin (row-level security as tally_app).

--: AuditEntry(actor_user_id?, entity_id?, ip_address?, user_agent?)

--! for_entity (entity_id?) : AuditEntry
-- One entity's history, oldest first.
SELECT * FROM audit_logs
 WHERE organization_id = tally_current_org() AND entity_type = :entity_type
   AND entity_id IS NOT DISTINCT FROM :entity_id AND id > :after
 ORDER BY id
 LIMIT :limit;

--! list : AuditEntry
-- The organization's trail, oldest first.
SELECT * FROM audit_logs
 WHERE organization_id = tally_current_org() AND id > :after
 ORDER BY id
 LIMIT :limit;
