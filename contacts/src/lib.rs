//! Bulk contact import: a CSV file into one contact list, validated against the
//! organization's active rules, in one tenant transaction (role `tally_app`, actor
//! `import`, so row-level security and the audit triggers of sql/0014 apply).
//!
//! # Layout
//!
//! - `import`: [`import`], the transaction from header to commit.
//! - `frame`: physical lines into records, so an unclosed quote costs one line.
//! - `parse`: the header's columns and each record's verdict (refusals, duplicates).
//! - `email`: the `email_address` domain's rule in Rust.
//! - `stage`: the records through the `csv` crate into a binary COPY of a temp table.
//! - `rules`: the active validation rules as terms ([`RuleType`]).
//! - `load`: the set-based statements over the staged rows (`src/sql/*.sql`).
//! - `report`, `error`: what an import reports ([`ImportReport`]) or fails with
//!   ([`ImportError`]).
//!
//! # The file
//!
//! UTF-8 CSV with a header line. `email` is required; `first_name`, `last_name`,
//! `phone` and `name` (split at its first white space into first and last name where
//! those are blank) are columns of `contacts`; every other named column goes into
//! `attributes` as a string (empty values left out). Names match case-insensitively
//! after trimming; a column with a blank name is ignored. Values are trimmed and a
//! blank one is NULL. A line is refused on its own ([`RefusedReason`]) for bad
//! encoding (invalid UTF-8, a NUL byte), a wrong number of fields or a quoted field
//! that never closes, an empty or invalid address (what the `email_address` domain
//! refuses: at most 254 characters, `^[^@\s]+@[^@\s]+\.[^@\s]+$`), or an address
//! already on an earlier line (compared lower-cased; the first wins).
//!
//! # Validation rules
//!
//! The organization's active `validation_rules` (one version per name) by `rule_type`:
//!
//! | `rule_type` | `definition` | a matching contact is |
//! |---|---|---|
//! | `blocked_domain` | `{"domains": ["example.com", ...]}` | invalid |
//! | `disposable_domain` | `{"domains": [...]}` | risky |
//! | `role_account` | `{"local_parts": [...]}`, default [`DEFAULT_ROLE_LOCAL_PARTS`] | risky |
//! | `syntax` | anything | enforced by the parser (refused lines); version recorded |
//! | `duplicate_in_file` | anything | enforced by the parser (refused lines); version recorded |
//!
//! Domains and local parts match the address's exactly, case-insensitively (a domain's
//! subdomains are not included). Rules of other types are skipped and named in
//! [`ImportReport::skipped_rules`]; a known rule with a malformed definition fails the
//! import ([`ImportError::BadRule`]). A contact is invalid if an invalid rule matched,
//! else risky if a risky one did, else valid; its `validation_details` are
//! `{"rules": {name: version, ...}, "failed": [name, ...]}`, and each failing rule
//! writes a `validation_logs` row with the rule version's id. Only contacts the import
//! inserts or updates are validated and logged: importing the same file twice
//! changes nothing the second time.

mod email;
mod error;
mod frame;
mod import;
mod load;
mod parse;
mod report;
mod rules;
mod stage;

pub use email::{MAX_EMAIL_CHARS, check_email};
pub use error::ImportError;
pub use import::import;
pub use report::{AppliedRule, ImportOptions, ImportReport, RefusedLine, RefusedReason};
pub use rules::{DEFAULT_ROLE_LOCAL_PARTS, RuleType};
