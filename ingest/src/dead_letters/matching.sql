-- The dead letters a command's filters match: $1 reason, $2 received at or after,
-- $3 organization, $4 ids (empty: any); a NULL filter matches every letter. Every query
-- over the filters starts with this, so `list` and `replay` select the same letters.
WITH matching AS (
    SELECT *
      FROM dead_letters
     WHERE ($1::text IS NULL OR reason = $1)
       AND ($2::timestamptz IS NULL OR received_at >= $2)
       AND ($3::bigint IS NULL OR organization_id = $3)
       AND (cardinality($4::bigint[]) = 0 OR id = ANY($4))
)
