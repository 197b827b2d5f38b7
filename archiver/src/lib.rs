//! The archive: day partitions past the horizon to Parquet on object storage, verified
//! before anything is dropped, and restored from there.

mod archive;

pub use archive::{
    ArchiveError, ArchivePolicy, ArchiveReport, ArchiveStep, ArchiveStore, ManifestEntry, Progress,
    RestoreReport, Stage, archive, list, open_store, open_store_with_options, restore,
};
