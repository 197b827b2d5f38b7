//! Archive of old day partitions to object storage, verified before they are dropped.
//!
//! Each events day partition past the archive line (found in pg_inherits) becomes one
//! zstd Parquet object at a deterministic, Hive-style key. A day goes through steps,
//! each committed before the next, so a crash anywhere leaves a state the next run
//! resumes from:
//!
//! 1. export: one binary COPY of the partition under a SHARE lock, in record batches of
//!    bounded size, uploaded as it goes (multipart for large objects); the rows' content
//!    checksum is computed from the same batches;
//! 2. verify: the object is read back and its rows and checksum must equal the export's;
//! 3. record: the manifest row (`archived_partitions`) is written;
//! 4. detach: `DETACH PARTITION ... CONCURRENTLY`;
//! 5. drop: under an ACCESS EXCLUSIVE lock the table must still hold the manifest's rows
//!    and no row version newer than the export's snapshot; otherwise it is compared in
//!    full and archived again rather than dropped.
//!
//! A data subject's rows can be read from the objects and edited in them (`subject`,
//! GDPR export and erasure).
//!
//! A partition that exists again for an archived day is compared with the manifest:
//! identical, it is dropped again; different, it is archived again if the database held
//! the whole day (restored, or never dropped), and refused otherwise. docs/archive.md
//! has the object format, the checksum and the rules.

mod detach;
mod error;
mod export;
mod manifest;
mod pgbinary;
mod restore;
mod rows;
mod run;
mod store;
mod subject;
mod verify;

pub use error::ArchiveError;
pub use manifest::ManifestEntry;
pub use restore::{RestoreReport, restore};
pub use run::{ArchiveReport, archive};
#[cfg(feature = "testsuite")]
pub use store::open_store_with_options;
pub use store::{ArchiveStore, open_store};
pub use subject::{
    ArchivedEvent, Rewritten, SubjectRows, rewrite_subject, rewritten_key, subject_events,
    swap_object,
};

use chrono::{DateTime, Months, NaiveDate, Utc};
use tokio_postgres::Client;

/// Which partitions the archive takes, and a fault-injection hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchivePolicy {
    /// Days whose partition is older than this (whole UTC days before `now` minus the
    /// horizon) are archived; default 24 months.
    pub horizon: Months,
    /// Test and fault-injection hook: the run returns `ArchiveError::Stopped` right
    /// after this step has been made durable for the first day that reaches it. Each
    /// step commits before the next starts, so this leaves the state a crash there
    /// would. Only with the `testsuite` feature.
    #[cfg(feature = "testsuite")]
    pub stop_after: Option<ArchiveStep>,
}

impl Default for ArchivePolicy {
    fn default() -> Self {
        ArchivePolicy::with_horizon(Months::new(24))
    }
}

impl ArchivePolicy {
    /// The default policy with another horizon.
    pub fn with_horizon(horizon: Months) -> ArchivePolicy {
        ArchivePolicy {
            horizon,
            #[cfg(feature = "testsuite")]
            stop_after: None,
        }
    }

    /// The first day kept in the database at `now`: earlier days are archived.
    pub fn line(&self, now: DateTime<Utc>) -> NaiveDate {
        let today = now.date_naive();
        today
            .checked_sub_months(self.horizon)
            .unwrap_or(NaiveDate::MIN)
    }

    /// Stops the run here if the test hook asks for this step.
    #[cfg(feature = "testsuite")]
    fn stop(&self, step: ArchiveStep, day: NaiveDate) -> Result<(), ArchiveError> {
        match self.stop_after {
            Some(s) if s == step => Err(ArchiveError::Stopped { step, day }),
            _ => Ok(()),
        }
    }

    /// Carries on: the fault-injection hook is a test build's.
    #[cfg(not(feature = "testsuite"))]
    fn stop(&self, _step: ArchiveStep, _day: NaiveDate) -> Result<(), ArchiveError> {
        Ok(())
    }
}

/// The durable steps of archiving one day, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveStep {
    /// The object is written.
    Uploaded,
    /// The object was read back and matched (nothing new is durable: the same state as
    /// after the upload).
    Verified,
    /// The manifest row is committed.
    Recorded,
    /// The partition is detached from events.
    Detached,
    /// The table is dropped and the manifest says so.
    Dropped,
}

/// What a run is doing to the day in hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the partition and writing its object.
    Exporting,
    /// Reading the object back.
    Verifying,
    /// Reading a partition to compare it with the manifest.
    Checking,
    /// Detaching and dropping the partition.
    Dropping,
    /// Loading the object into the partition.
    Restoring,
}

/// A progress report, sent after every batch of rows and at each stage change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The day in hand.
    pub day: NaiveDate,
    /// What is being done to it.
    pub stage: Stage,
    /// Rows of the day done in this stage so far.
    pub rows: u64,
    /// Rows the day has, when known (the manifest's count, or the planner's estimate).
    pub expected_rows: Option<u64>,
    /// Days finished before this one in the run.
    pub days_done: usize,
    /// Days the run has to do.
    pub days: usize,
}

/// The manifest: every archived day, oldest first.
pub async fn list(client: &Client) -> Result<Vec<ManifestEntry>, ArchiveError> {
    manifest::entries(client, None, None).await
}

/// Archive and restore exclude each other on a database: both move a day's rows between
/// the partition and the store. The key differs from the scheduler's per-job lock, so
/// a scheduled run that holds that lock on another connection does not block itself.
async fn lock(client: &Client) -> Result<(), ArchiveError> {
    let got = schema::advisory::try_lock(client, schema::AdvisoryLock::Archive).await?;
    if got { Ok(()) } else { Err(ArchiveError::Busy) }
}

async fn unlock(client: &Client) {
    // A broken connection has released the lock already.
    if let Err(e) = schema::advisory::unlock(client, schema::AdvisoryLock::Archive).await {
        tracing::warn!(error = %e, "could not release the archive lock");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_the_same_calendar_day_two_years_back() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T04:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            ArchivePolicy::default().line(now),
            testkit::day("2024-11-21")
        );
    }
}
