-- Every erased contact and the keys its later events lose, with the version read.
SELECT organization_id, contact_id, pii_keys, (SELECT coalesce(max(seq), 0) FROM gdpr_erased_contacts)
FROM gdpr_erased_contacts
