-- Records a pass over table $1, in the pass's transaction.
INSERT INTO anonymized_tables AS w (table_name, anonymized_through, pii_keys, anonymized_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (table_name) DO UPDATE
SET anonymized_through = EXCLUDED.anonymized_through,
    pii_keys = EXCLUDED.pii_keys,
    anonymized_at = EXCLUDED.anonymized_at
