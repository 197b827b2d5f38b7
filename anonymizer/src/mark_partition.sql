-- Records a pass over the partition of day $1, in the pass's transaction, so
-- the watermark commits with the rows it describes.
INSERT INTO anonymized_partitions AS w
    (day, anonymized_through, counted_before, pii_keys, last_method, anonymized_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (day) DO UPDATE
SET anonymized_through = EXCLUDED.anonymized_through,
    counted_before = EXCLUDED.counted_before,
    pii_keys = EXCLUDED.pii_keys,
    last_method = EXCLUDED.last_method,
    anonymized_at = EXCLUDED.anonymized_at
