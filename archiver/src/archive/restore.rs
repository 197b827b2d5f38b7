//! Restore: archived days back into their partitions, for audits and GDPR exports.

use chrono::NaiveDate;
use futures::{StreamExt, pin_mut};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::{Client, Transaction};
use tracing::instrument;

use super::manifest::{self, ManifestEntry};
use super::rows::{COPY_TYPES, Checksum, Columns, Micros};
use super::store::ArchiveStore;
use super::{ArchiveError, Progress, Stage, lock, unlock, verify};

/// What a restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Days loaded from their objects.
    pub days_restored: u64,
    /// Rows inserted into partitions (rows already there are not counted).
    pub rows_restored: u64,
    /// Archived days in the range whose partition was never dropped: nothing to load.
    pub days_in_database: u64,
}

impl RestoreReport {
    /// Rows the run changed, as job_runs records them.
    pub fn rows_affected(&self) -> u64 {
        self.rows_restored
    }
}

/// Loads every archived day from `from` to `to` (inclusive) back into its partition
/// (created with tally_ensure_day_partition when missing), each in one transaction that
/// commits only if the object's rows match the manifest's count and checksum. Rows
/// already in the partition are kept as they are, so a rerun inserts nothing twice.
/// Days in the range that were never archived are not in the manifest and are skipped.
/// The next archive run finds the restored partitions, checks them against the
/// manifest and drops them again, without writing a second object.
pub async fn restore(
    client: &mut Client,
    store: &ArchiveStore,
    from: NaiveDate,
    to: NaiveDate,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<RestoreReport, ArchiveError> {
    if from > to {
        return Err(ArchiveError::EmptyRange { from, to });
    }
    lock(client).await?;
    let result = run(client, store, from, to, progress).await;
    unlock(client).await;
    result
}

async fn run(
    client: &mut Client,
    store: &ArchiveStore,
    from: NaiveDate,
    to: NaiveDate,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<RestoreReport, ArchiveError> {
    let entries = manifest::entries(client, Some(from), Some(to)).await?;
    let mut report = RestoreReport::default();
    let days = entries.len();
    for (days_done, entry) in entries.iter().enumerate() {
        let table = schema::DayPartition::of(entry.day).name();
        let taken: bool = client
            .query_one(include_str!("sql/table_exists.sql"), &[&table])
            .await?
            .get(0);
        if entry.dropped_at.is_none() && taken {
            tracing::info!(day = %entry.day, table, "day not dropped, nothing to restore");
            report.days_in_database += 1;
            continue;
        }
        let mut tell = |rows: u64| {
            progress(Progress {
                day: entry.day,
                stage: Stage::Restoring,
                rows,
                expected_rows: Some(entry.rows),
                days_done,
                days,
            })
        };
        tell(0);
        let inserted = restore_day(client, store, entry, &table, &mut tell).await?;
        report.days_restored += 1;
        report.rows_restored += inserted;
    }
    Ok(report)
}

/// Loads one archived day in one transaction, which commits only when the object
/// holds what the manifest recorded.
#[instrument(skip_all, fields(day = %entry.day, table))]
async fn restore_day(
    client: &mut Client,
    store: &ArchiveStore,
    entry: &ManifestEntry,
    table: &str,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<u64, ArchiveError> {
    let key = &entry.key;
    let expected = entry
        .checksum()
        .ok_or_else(|| ArchiveError::bad_object(key, "manifest checksum is not hex"))?;
    // Attaching locks events briefly; in the load's transaction it would be held for
    // the whole load. An empty partition left by a failed load holds nothing, and the
    // next archive run drops it.
    schema::ensure_day_partition(&*client, entry.day).await?;
    let tx = client.transaction().await?;
    let found = stage(&tx, store, entry, progress).await?;
    if found != expected {
        return Err(ArchiveError::ObjectMismatch {
            day: entry.day,
            key: key.clone(),
            against: "the manifest",
            found_rows: found.rows,
            found_checksum: found.hex(),
            expected_rows: expected.rows,
            expected_checksum: expected.hex(),
        });
    }
    let inserted = tx
        .execute(
            &include_str!("sql/restore_insert.sql").replace("{table}", &format!("\"{table}\"")),
            &[],
        )
        .await?;
    tx.execute(include_str!("sql/manifest_restored.sql"), &[&entry.day])
        .await?;
    tx.commit().await?;
    tracing::info!(
        day = %entry.day,
        table,
        key = entry.key,
        rows = entry.rows,
        inserted,
        "day restored"
    );
    Ok(inserted)
}

/// Copies the object's rows into the staging table and returns what they add up to, so
/// nothing reaches the partition before the object is known whole.
async fn stage(
    tx: &Transaction<'_>,
    store: &ArchiveStore,
    entry: &ManifestEntry,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<Checksum, ArchiveError> {
    let key = &entry.key;
    tx.batch_execute(include_str!("sql/restore_stage.sql"))
        .await?;
    let sink = tx
        .copy_in("COPY archive_restore FROM STDIN (FORMAT binary)")
        .await?;
    let writer = BinaryCopyInWriter::new(sink, &COPY_TYPES);
    pin_mut!(writer);
    let batches = verify::batches(store, entry.day, key).await?;
    pin_mut!(batches);
    let mut found = Checksum::default();
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        found
            .add(&batch)
            .map_err(|reason| ArchiveError::bad_object(key, reason))?;
        let c = Columns::of(&batch).map_err(|reason| ArchiveError::bad_object(key, reason))?;
        for i in 0..batch.num_rows() {
            let id = uuid::Uuid::from_slice(c.event_id.value(i))
                .map_err(|e| ArchiveError::bad_object(key, e.to_string()))?;
            writer
                .as_mut()
                .write(&[
                    &id,
                    &c.organization_id.value(i),
                    &c.campaign_id.value(i),
                    &c.contact_id.value(i),
                    &c.event_type.value(i),
                    &Micros(c.occurred_at.value(i)),
                    &c.ip(i),
                    &c.event_data.value(i),
                    &Micros(c.received_at.value(i)),
                ])
                .await?;
        }
        progress(found.rows);
    }
    writer.finish().await?;
    Ok(found)
}
