//! The archive: day partitions past the horizon to Parquet on object storage, verified
//! before anything is dropped, and restored from there.

mod archive;

pub use archive::{
    ArchiveError, ArchivePolicy, ArchiveReport, ArchiveStore, ManifestEntry, Progress,
    RestoreReport, Stage, archive, list, open_store, restore,
};
#[cfg(feature = "testsuite")]
pub use archive::{ArchiveStep, open_store_with_options};
