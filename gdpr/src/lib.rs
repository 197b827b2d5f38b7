//! GDPR requests (docs/gdpr.md): the export of everything held about a data subject,
//! and its erasure everywhere it is held, as jobs over `gdpr_requests` that the API and
//! the CLI file and that the scheduler or the CLI carry out.
//!
//! A subject is an address in an organization: its contacts (one per list), or a
//! platform user who is a member. An **export** reads the CRUD rows and the events still
//! in the database as the tenant, and the archived events from the archive's Parquet
//! objects, and writes one JSON document and a CSV file per table to the archive's
//! object store. An **erasure** removes the personal data in units that each commit
//! with their receipt (`data_deletions`) and progress, so it resumes after a crash and a
//! second one changes nothing: the contacts are listed for ingest, the events lose IP
//! address and PII keys in every partition, archived objects holding such events are
//! rewritten and swapped, form responses, leads, validation logs, dead letters and
//! earlier exports are stripped or deleted, the contacts are anonymized (the address
//! replaced by a keyed hash) and soft deleted, and the audit trail is redacted.
//!
//! # Layout
//!
//! - `process`: carrying out one request or every pending one ([`process_request`],
//!   [`process_pending`]); `request`: a request's states in `gdpr_requests`, filing,
//!   the deadline.
//! - `subject`: finding the subject's rows; `key`: the keyed hash ([`ErasureKey`]).
//! - `export`: the export; `erase`: the erasure's steps ([`EraseStep`]) and its modules
//!   `records` (tables), `archive` (archived objects), `audit` (the audit trail).
//! - `erasure_log`: the log of completed erasures kept beside the archive; `reapply`:
//!   erasures carried out again over a restored backup ([`reapply`]).
//! - `redact`: removing personal values from JSON; `error`: [`GdprError`].

mod erase;
mod erasure_log;
mod error;
mod export;
mod key;
mod process;
mod reapply;
mod redact;
mod request;
mod subject;

pub use erase::{EraseStep, Erased};
pub use erasure_log::{
    ERASURE_LOG_PREFIX, LoggedErasure, LoggedSwap, read_all as read_erasure_log,
};
pub use error::GdprError;
pub use export::{DOCUMENT, ExportLocation, export_prefix, read_export};
pub use key::{ERASED_DOMAIN, ErasureKey, MIN_KEY_BYTES, normalize_email};
pub use process::{GdprConfig, Outcome, PendingReport, process_pending, process_request};
pub use reapply::{ReapplyReport, reapply};
pub use request::{DEADLINE, Filed, Overdue, Subject, SubjectKind, file_request, overdue};
pub use subject::is_erased;

/// What a request is doing, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// An export reads the database.
    ReadingDatabase,
    /// An export reads archived objects (`done` of `total`).
    ReadingArchive,
    /// An export writes its files.
    Writing,
    /// An erasure runs this step (`done` of `total` partitions or objects, where the
    /// step has several).
    Erasing(EraseStep),
}

/// A progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What is being done.
    pub stage: Stage,
    /// Units done in this stage.
    pub done: u64,
    /// Units the stage has, 0 when unknown.
    pub total: u64,
}

impl Progress {
    fn of(stage: Stage) -> Progress {
        Progress {
            stage,
            done: 0,
            total: 0,
        }
    }
}
