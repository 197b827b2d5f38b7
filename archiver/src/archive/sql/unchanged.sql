-- Under the drop's ACCESS EXCLUSIVE lock, after pg_current_xact_id() gave this
-- transaction its xid ($2, 64 bits): the table's rows, and how many row versions
-- snapshot $1 does not see, i.e. were written after the read in which the table was
-- found identical to its object. age(xmin) counts back from our xid on the 32 bits a
-- tuple stores; every writer since the snapshot finished before we got the lock, so
-- its rows are at most `span` (ours minus the snapshot's xmin) behind us, and only
-- those rows get the visibility test, on the xid rebuilt to 64 bits. An older row
-- whose 32-bit xmin wrapped into that window, or a span past 2^31, only makes the
-- check inconclusive: the caller then compares the content in full.
WITH bound AS (
    SELECT $2::bigint AS ours,
           $2::bigint - pg_snapshot_xmin($1::text::pg_snapshot)::text::bigint AS span,
           $1::text::pg_snapshot AS seen
)
SELECT count(t.event_id) AS row_count,
       count(t.event_id) FILTER (WHERE CASE
           WHEN age(t.xmin) > bound.span THEN false
           ELSE NOT pg_visible_in_snapshot(greatest(bound.ours - age(t.xmin), 0)::text::xid8, bound.seen)
       END) AS newer,
       bound.span
FROM bound LEFT JOIN {table} t ON true
GROUP BY bound.span
