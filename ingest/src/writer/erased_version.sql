-- The version of the erased contacts this transaction must honour, under the
-- shared lock a GDPR erasure waits for before listing new ones (migration 0020).
SELECT tally_gdpr_erased_version()
