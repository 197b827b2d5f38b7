//! The archive: day partitions past the horizon to Parquet on object storage, verified
//! before anything is dropped, and restored from there.
//!
//! # Layout
//!
//! - `archive`: the policy and the run's steps; its modules: `run` (one day: export,
//!   upload, verify, record, detach, drop), `export` and `pgbinary` (the partition's
//!   binary COPY into Parquet), `verify`, `manifest`, `detach`, `restore`, `store` (the
//!   object store behind a URL), `rows` (the Parquet schema and checksum), `subject` (a
//!   data subject's rows: read for a GDPR export, edited by an erasure), `error`.

mod archive;

pub use archive::{
    ArchiveError, ArchivePolicy, ArchiveReport, ArchiveStore, ArchivedEvent, ManifestEntry,
    Progress, RestoreReport, Rewritten, Stage, SubjectRows, archive, list, open_store, restore,
    rewrite_subject, rewritten_key, subject_events, swap_object,
};
#[cfg(feature = "testsuite")]
pub use archive::{ArchiveStep, open_store_with_options};
