//! The archive run: which partitions, and the steps of each day.

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::Client;
use tracing::instrument;

use super::detach::{Attachment, Dropped, detach, drop_verified};
use super::manifest::{self, ManifestEntry};
use super::store::{ArchiveStore, object_key};
use super::{
    ArchiveError, ArchivePolicy, ArchiveStep, Progress, Stage, export, lock, unlock, verify,
};

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveReport {
    /// Objects written and verified: days archived, or archived again.
    pub days_exported: u64,
    /// Size of those objects in bytes.
    pub bytes_written: u64,
    /// Partitions dropped.
    pub days_dropped: u64,
    /// Rows those partitions held, now only in object storage.
    pub rows_dropped: u64,
}

impl ArchiveReport {
    /// Rows the run changed, as job_runs records them: rows moved out of the database.
    pub fn rows_affected(&self) -> u64 {
        self.rows_dropped
    }
}

/// A table the run takes.
struct Candidate {
    day: NaiveDate,
    table: String,
    attachment: Attachment,
    expected_rows: Option<u64>,
}

/// A partition proven identical to its object: the rows it must still hold at the drop,
/// and the snapshot it was proven in.
struct Ready {
    rows: u64,
    verified_snapshot: String,
}

/// How many times a day's partition may turn out changed at the drop before the run
/// gives up on it (someone keeps writing a two-year-old day).
const ATTEMPTS: usize = 3;

/// Archives every day partition older than `policy`'s line at `now`, oldest first, and
/// finishes days an interrupted run left half done. A day that cannot be archived
/// safely is refused (the error names it and what to do) and the run goes on with the
/// others; it then returns `DaysRefused`. Idempotent: a second run does nothing.
pub async fn archive(
    client: &mut Client,
    store: &ArchiveStore,
    now: DateTime<Utc>,
    policy: &ArchivePolicy,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ArchiveReport, ArchiveError> {
    lock(client).await?;
    let result = run(client, store, now, policy, progress).await;
    unlock(client).await;
    result
}

async fn run(
    client: &mut Client,
    store: &ArchiveStore,
    now: DateTime<Utc>,
    policy: &ArchivePolicy,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ArchiveReport, ArchiveError> {
    let line = policy.line(now);
    let candidates = candidates(client, line).await?;
    tracing::info!(%line, days = candidates.len(), store = store.url(), "archive run started");
    let mut report = ArchiveReport::default();
    let mut refused = Vec::new();
    let days = candidates.len();
    for (days_done, c) in candidates.iter().enumerate() {
        let mut tell = |stage: Stage, rows: u64| {
            progress(Progress {
                day: c.day,
                stage,
                rows,
                expected_rows: c.expected_rows,
                days_done,
                days,
            })
        };
        match archive_day(client, store, policy, c, &mut tell, &mut report).await {
            Ok(()) => {}
            Err(e) if e.is_refusal() => {
                tracing::error!(day = %c.day, table = c.table, error = %e, "day refused");
                refused.push(e);
            }
            Err(e) => return Err(e),
        }
    }
    tracing::info!(
        days_exported = report.days_exported,
        days_dropped = report.days_dropped,
        rows_dropped = report.rows_dropped,
        bytes_written = report.bytes_written,
        refused = refused.len(),
        "archive run finished"
    );
    if refused.is_empty() {
        Ok(report)
    } else {
        Err(ArchiveError::DaysRefused {
            report,
            errors: refused,
        })
    }
}

/// Attached partitions before `line`, and tables an interrupted run detached, oldest
/// first.
async fn candidates(client: &Client, line: NaiveDate) -> Result<Vec<Candidate>, ArchiveError> {
    let mut out = Vec::new();
    for row in client
        .query(include_str!("sql/candidates.sql"), &[])
        .await?
    {
        let table: String = row.get(0);
        let Ok(day) = schema::DayPartition::parse(&table).map(schema::DayPartition::day) else {
            tracing::warn!(table, "not a day partition name, left alone");
            continue;
        };
        let attachment = match (row.get::<_, bool>(1), row.get::<_, bool>(2)) {
            (true, false) => Attachment::Attached,
            (true, true) => Attachment::DetachPending,
            (false, _) => Attachment::Detached,
        };
        let ours = match attachment {
            Attachment::Attached => day < line,
            // Only tables the archive itself detached: their day is in the manifest
            // with its rows still in the database.
            Attachment::DetachPending | Attachment::Detached => manifest::get(client, day)
                .await?
                .is_some_and(|e| e.database_copy_whole()),
        };
        if ours {
            let estimate: i64 = row.get(3);
            out.push(Candidate {
                day,
                table,
                attachment,
                expected_rows: u64::try_from(estimate).ok(),
            });
        }
    }
    out.sort_by_key(|c| c.day);
    Ok(out)
}

/// Archives one day: proves an object holds its partition, then detaches and drops the
/// partition, and proves it again when it changed before the drop.
#[instrument(skip_all, fields(day = %c.day, table = c.table))]
async fn archive_day(
    client: &mut Client,
    store: &ArchiveStore,
    policy: &ArchivePolicy,
    c: &Candidate,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
    report: &mut ArchiveReport,
) -> Result<(), ArchiveError> {
    let mut entry = manifest::get(client, c.day).await?;
    let mut attachment = c.attachment;
    for _ in 0..ATTEMPTS {
        let ready = prove(client, store, policy, c, entry.as_ref(), progress, report).await?;
        progress(Stage::Dropping, 0);
        detach(client, &c.table, attachment).await?;
        attachment = Attachment::Detached;
        policy.stop(ArchiveStep::Detached, c.day)?;
        match drop_verified(
            client,
            c.day,
            &c.table,
            ready.rows,
            &ready.verified_snapshot,
        )
        .await?
        {
            Dropped::Yes => {
                report.days_dropped += 1;
                report.rows_dropped += ready.rows;
                tracing::info!(
                    day = %c.day,
                    table = c.table,
                    rows = ready.rows,
                    "partition archived and dropped"
                );
                return policy.stop(ArchiveStep::Dropped, c.day);
            }
            Dropped::Unproven { .. } => {
                // Compared in full on the next pass.
                entry = manifest::get(client, c.day).await?.map(|e| ManifestEntry {
                    verified_snapshot: None,
                    ..e
                });
            }
        }
    }
    Err(ArchiveError::KeepsChanging {
        day: c.day,
        table: c.table.clone(),
        attempts: ATTEMPTS,
    })
}

/// Makes an object hold exactly the partition's rows before the only database copy
/// goes: read back, compared, or exported, as the manifest `entry` calls for.
async fn prove(
    client: &mut Client,
    store: &ArchiveStore,
    policy: &ArchivePolicy,
    c: &Candidate,
    entry: Option<&ManifestEntry>,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
    report: &mut ArchiveReport,
) -> Result<Ready, ArchiveError> {
    let proven = entry.and_then(|e| {
        e.verified_snapshot
            .clone()
            .filter(|_| e.database_copy_whole())
            .map(|verified_snapshot| Ready {
                rows: e.rows,
                verified_snapshot,
            })
    });
    match (proven, entry) {
        (Some(ready), Some(e)) => {
            // An interrupted run recorded the day: the object was verified then, but
            // read it again before the only database copy goes.
            reverify(store, c.day, e, progress).await?;
            Ok(ready)
        }
        (None, Some(e)) => compare(client, store, policy, c, e, progress, report).await,
        (_, None) => {
            let key = object_key(c.day);
            archive_new(client, store, policy, c, &key, progress, report).await
        }
    }
}

/// Reads the object of `entry` back and fails unless it matches the manifest.
async fn reverify(
    store: &ArchiveStore,
    day: NaiveDate,
    entry: &ManifestEntry,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
) -> Result<(), ArchiveError> {
    let expected = entry
        .checksum()
        .ok_or_else(|| ArchiveError::bad_object(&entry.key, "manifest checksum is not hex"))?;
    progress(Stage::Verifying, 0);
    verify::verify(store, day, &entry.key, &expected, "the manifest", progress).await
}

/// Exports the partition to `key`, reads the object back, and records the manifest row.
#[instrument(skip_all, fields(key))]
async fn archive_new(
    client: &mut Client,
    store: &ArchiveStore,
    policy: &ArchivePolicy,
    c: &Candidate,
    key: &str,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
    report: &mut ArchiveReport,
) -> Result<Ready, ArchiveError> {
    progress(Stage::Exporting, 0);
    let written = export::export(client, &c.table, store, key, progress).await?;
    report.days_exported += 1;
    report.bytes_written += written.bytes;
    policy.stop(ArchiveStep::Uploaded, c.day)?;
    progress(Stage::Verifying, 0);
    let checksum = written.scan.checksum;
    verify::verify(store, c.day, key, &checksum, "the partition", progress).await?;
    policy.stop(ArchiveStep::Verified, c.day)?;
    let entry = manifest::record(
        client,
        c.day,
        key,
        written.bytes,
        &checksum,
        &written.scan.snapshot,
    )
    .await?;
    tracing::info!(
        day = %c.day,
        key,
        rows = checksum.rows,
        bytes = written.bytes,
        checksum = checksum.hex(),
        "day exported and verified"
    );
    policy.stop(ArchiveStep::Recorded, c.day)?;
    Ok(Ready {
        rows: entry.rows,
        verified_snapshot: written.scan.snapshot,
    })
}

/// Compares a partition of an archived day with its manifest row: identical, it is
/// ready to drop once the object is read back whole; empty after its day was dropped,
/// it holds nothing to keep; otherwise it is archived again when the database holds the
/// whole day, and refused when it does not.
async fn compare(
    client: &mut Client,
    store: &ArchiveStore,
    policy: &ArchivePolicy,
    c: &Candidate,
    entry: &ManifestEntry,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
    report: &mut ArchiveReport,
) -> Result<Ready, ArchiveError> {
    progress(Stage::Checking, 0);
    let scan = export::scan(client, &c.table, progress).await?;
    if entry.matches(&scan.checksum) {
        // The partition is about to be dropped again: the object must still be whole.
        reverify(store, c.day, entry, progress).await?;
        policy.stop(ArchiveStep::Verified, c.day)?;
        manifest::mark_verified(client, c.day, &scan.snapshot).await?;
        tracing::info!(day = %c.day, table = c.table, rows = entry.rows, "partition identical to its archive");
        policy.stop(ArchiveStep::Recorded, c.day)?;
        return Ok(Ready {
            rows: entry.rows,
            verified_snapshot: scan.snapshot,
        });
    }
    if entry.database_copy_whole() {
        tracing::info!(
            day = %c.day,
            table = c.table,
            rows = scan.checksum.rows,
            archived_rows = entry.rows,
            "partition differs from its archive and holds the whole day, archiving it again"
        );
        return archive_new(client, store, policy, c, &entry.key, progress, report).await;
    }
    if scan.checksum.rows == 0 {
        tracing::info!(day = %c.day, table = c.table, "empty partition of an archived day, dropping it");
        return Ok(Ready {
            rows: 0,
            verified_snapshot: scan.snapshot,
        });
    }
    Err(ArchiveError::DayReappeared {
        day: c.day,
        partition: c.table.clone(),
        rows: scan.checksum.rows,
        key: entry.key.clone(),
        archived_rows: entry.rows,
    })
}
