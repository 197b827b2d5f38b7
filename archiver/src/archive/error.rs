//! What can stop an archive or a restore run.

use chrono::NaiveDate;
use schema::describe_pg_error;

#[cfg(feature = "testsuite")]
use super::ArchiveStep;

/// Why an archive, restore or listing failed. Every step commits before the next
/// starts, so a failed run leaves a state that the next run resumes from; a partition
/// is never dropped on a path that returned an error before the drop.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Postgres refused a statement or the connection failed.
    #[error("archive failed in Postgres: {}", describe_pg_error(.0))]
    Database(#[from] tokio_postgres::Error),
    /// The archive URL could not be turned into an object store.
    #[error(
        "cannot open the archive store {url}: {reason}; expected file:///absolute/path, s3://bucket/prefix (credentials from AWS_* variables) or another object_store URL"
    )]
    StoreUrl {
        /// The URL as given.
        url: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The object store failed to write, read or list an object.
    #[error(
        "object store error on {key}: {source}; nothing was dropped, rerun when the store is reachable"
    )]
    Store {
        /// The object's key, relative to the archive URL.
        key: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Writing or reading Parquet failed.
    #[error("Parquet error on {key}: {source}; nothing was dropped")]
    Parquet {
        /// The object's key, relative to the archive URL.
        key: String,
        /// The codec's error.
        source: parquet::errors::ParquetError,
    },
    /// An object does not have the archive's layout (columns, types, nulls, values).
    #[error("object {key} is not a tally events archive: {reason}; nothing was dropped")]
    BadObject {
        /// The object's key, relative to the archive URL.
        key: String,
        /// What did not fit.
        reason: String,
    },
    /// The rows read back from an object differ from what they must equal.
    #[error(
        "object {key} of {day} does not match {against}: it holds {found_rows} rows with checksum {found_checksum}, expected {expected_rows} rows with checksum {expected_checksum}; nothing was dropped. The object is damaged or was replaced: a rerun of the archive writes it again while the partition is in the database; otherwise restore from a backup of the store"
    )]
    ObjectMismatch {
        /// The archived day.
        day: NaiveDate,
        /// The object's key, relative to the archive URL.
        key: String,
        /// What it was compared with: the exported partition or the manifest.
        against: &'static str,
        /// Rows read back.
        found_rows: u64,
        /// Checksum of the rows read back.
        found_checksum: String,
        /// Rows expected.
        expected_rows: u64,
        /// Checksum expected.
        expected_checksum: String,
    },
    /// The manifest names an object that the store does not have.
    #[error(
        "archived object {key} of {day} is missing from the store: check that the archive URL points where the day was archived; nothing was dropped or restored"
    )]
    ObjectMissing {
        /// The archived day.
        day: NaiveDate,
        /// The object's key, relative to the archive URL.
        key: String,
    },
    /// A partition was made again for a day whose archived partition was dropped, and
    /// its rows are not the archived ones.
    #[error(
        "{day} was archived to {key} ({archived_rows} rows) and its partition dropped, but {partition} exists again with {rows} rows that differ from the archive (late events?); it was left in place. Restore the day (restore merges the archived rows into the partition), then rerun the archive, which archives the whole day again under the same key"
    )]
    DayReappeared {
        /// The archived day.
        day: NaiveDate,
        /// The partition found in the database.
        partition: String,
        /// Rows in the partition.
        rows: u64,
        /// The object's key, relative to the archive URL.
        key: String,
        /// Rows in the archived object.
        archived_rows: u64,
    },
    /// A partition changed between its check and its drop on every attempt.
    #[error(
        "{table} of {day} changed between its check and its drop {attempts} times in a row; it was left in place: find what writes to a day past the archive line, then rerun"
    )]
    KeepsChanging {
        /// The day.
        day: NaiveDate,
        /// The table.
        table: String,
        /// Attempts made.
        attempts: usize,
    },
    /// Some days were refused (each error names its day and what to do); the others
    /// were archived.
    #[error("{} day(s) refused, the others were archived: {}", .errors.len(), join(.errors))]
    DaysRefused {
        /// What the run did with the other days.
        report: super::ArchiveReport,
        /// One error per refused day.
        errors: Vec<ArchiveError>,
    },
    /// Another archive or restore holds the archive lock on this database.
    #[error("another archive or restore is running on this database; retry when it has finished")]
    Busy,
    /// A restore was asked for an empty range.
    #[error("cannot restore {from} .. {to}: the first day is after the last")]
    EmptyRange {
        /// First day asked for.
        from: NaiveDate,
        /// Last day asked for.
        to: NaiveDate,
    },
    /// The fault-injection hook stopped the run right after a step was made durable.
    #[cfg(feature = "testsuite")]
    #[error("stopped after {step:?} of {day} (ArchivePolicy::stop_after, a fault-injection hook)")]
    Stopped {
        /// The step just made durable.
        step: ArchiveStep,
        /// The day in hand.
        day: NaiveDate,
    },
}

fn join(errors: &[ArchiveError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ArchiveError {
    pub(super) fn store(key: &str, source: object_store::Error) -> ArchiveError {
        ArchiveError::Store {
            key: key.to_owned(),
            source,
        }
    }

    pub(super) fn parquet(key: &str, source: parquet::errors::ParquetError) -> ArchiveError {
        ArchiveError::Parquet {
            key: key.to_owned(),
            source,
        }
    }

    pub(super) fn bad_object(key: &str, reason: impl Into<String>) -> ArchiveError {
        ArchiveError::BadObject {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    /// Whether the error concerns one day only, so the run may go on with the others.
    pub(super) fn is_refusal(&self) -> bool {
        matches!(
            self,
            ArchiveError::ObjectMismatch { .. }
                | ArchiveError::ObjectMissing { .. }
                | ArchiveError::DayReappeared { .. }
                | ArchiveError::BadObject { .. }
                | ArchiveError::KeepsChanging { .. }
        )
    }
}
