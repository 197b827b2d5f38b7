-- Lines whose address the database's lower() makes equal to an earlier line's although
-- the parser's lower-casing did not (a locale's rules differ from Unicode's): refused as
-- duplicates, the earliest line kept, so the insert can never hit the unique index.
DELETE FROM import_rows r
 USING import_rows earlier
 WHERE earlier.key = r.key AND earlier.line < r.line
RETURNING r.line, r.email, earlier.line
