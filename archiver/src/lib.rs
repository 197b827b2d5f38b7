//! Data lifecycle: anonymization of old partitions (GDPR), archive to object storage with
//! verification before anything is dropped, and restore.

mod anonymize;
mod archive;

pub use anonymize::{
    AnonymizeError, AnonymizeMethod, AnonymizePolicy, AnonymizeReport, DEFAULT_PII_KEYS, anonymize,
    anonymize_with,
};

pub use archive::{
    ArchiveError, ArchivePolicy, ArchiveReport, ArchiveStep, ArchiveStore, ManifestEntry, Progress,
    RestoreReport, Stage, archive, list, open_store, open_store_with_options, restore,
};
