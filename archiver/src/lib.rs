//! The archive: day partitions past the horizon to Parquet on object storage, verified
//! before anything is dropped, and restored from there.
//!
//! # Layout
//!
//! - `archive`: the policy and the run's steps; its modules: `run` (one day: export,
//!   upload, verify, record, detach, drop), `export` and `pgbinary` (the partition's
//!   binary COPY into Parquet), `verify`, `manifest`, `detach`, `restore`, `store` (the
//!   object store behind a URL), `rows` (the Parquet schema and checksum), `error`.

mod archive;

pub use archive::{
    ArchiveError, ArchivePolicy, ArchiveReport, ArchiveStore, ManifestEntry, Progress,
    RestoreReport, Stage, archive, list, open_store, restore,
};
#[cfg(feature = "testsuite")]
pub use archive::{ArchiveStep, open_store_with_options};
