-- Which migrations this database has, with the checksum of the up file as applied.
CREATE TABLE IF NOT EXISTS tally_migrations (
    version    integer PRIMARY KEY CHECK (version > 0),
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tally_migrations IS 'Applied schema migrations and the checksum of each up file';
