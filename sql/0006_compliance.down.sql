-- 0006 compliance, undone in reverse order. DROP TABLE does not fire the
-- audit_logs TRUNCATE trigger.

DROP TABLE data_deletions;
DROP TABLE gdpr_requests;
DROP TABLE audit_logs;
DROP FUNCTION tally_refuse_audit_log_change();
DROP TABLE form_responses;
DROP TABLE leads;
DROP TYPE gdpr_request_status;
DROP TYPE gdpr_request_type;
DROP TYPE lead_status;
