-- The import's session settings and staging tables, private to its transaction.

-- The statements below join and sort every staged row once: JIT compilation would cost
-- more than it saves (the staging tables have no statistics, so their estimates are
-- wide), and sorts of a large file should stay in memory.
SET LOCAL jit = off;
SET LOCAL work_mem = '64MB';

-- The accepted lines of the file, binary-COPYed. key is what the unique index
-- contacts_list_email_key compares: the database's lower(), whatever the parser's
-- lower-casing thought. domain and local_part are lower-cased for rule matching.
CREATE TEMP TABLE import_rows (
    line       bigint NOT NULL,
    email      text NOT NULL,
    key        text GENERATED ALWAYS AS (lower(email)) STORED,
    domain     text NOT NULL,
    local_part text NOT NULL,
    first_name text NULL,
    last_name  text NULL,
    phone      text NULL,
    attributes jsonb NOT NULL,
    -- The marker the address would carry had the organization erased it (NULL
    -- without TALLY_GDPR_KEY): a contact holding it means the person was erased.
    erased     text NULL
) ON COMMIT DROP;

-- One row per (staged address, failing rule).
CREATE TEMP TABLE import_failures (
    key     text NOT NULL,
    rule_id bigint NOT NULL,
    name    text NOT NULL,
    result  validation_status NOT NULL,
    matched text NOT NULL
) ON COMMIT DROP;

-- One row per staged address some rule failed: its status and validation details.
CREATE TEMP TABLE import_verdicts (
    key     text NOT NULL,
    status  validation_status NOT NULL,
    details jsonb NOT NULL
) ON COMMIT DROP;
