//! One data subject's rows in the archive (GDPR, docs/gdpr.md): read for an export, and
//! edited by an erasure. An edited day is written as a new object beside the old one,
//! read back and verified like the archive verifies, and swapped into the manifest in the
//! caller's transaction; the caller deletes the old object once the swap has committed,
//! so the day is never without a verified object.

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use futures::{StreamExt, pin_mut};
use object_store::buffered::BufWriter;
use parquet::arrow::AsyncArrowWriter;
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use tokio_postgres::GenericClient;
use tracing::instrument;

use super::manifest::ManifestEntry;
use super::rows::{Checksum, Columns, schema};
use super::store::ArchiveStore;
use super::{ArchiveError, export, verify};

/// Bytes the rewrite buffers before it switches to a multipart upload.
const UPLOAD_BUFFER: usize = 8 * 1024 * 1024;

/// Whose rows: some contacts of one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRows {
    /// The organization.
    pub organization_id: i64,
    /// Its contacts whose rows are wanted.
    pub contact_ids: HashSet<i64>,
}

impl SubjectRows {
    fn holds(&self, c: &Columns<'_>, i: usize) -> bool {
        c.organization_id.value(i) == self.organization_id
            && self.contact_ids.contains(&c.contact_id.value(i))
    }
}

/// An archived event as its object holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedEvent {
    /// The producer's id.
    pub event_id: uuid::Uuid,
    /// Its organization.
    pub organization_id: i64,
    /// Its campaign.
    pub campaign_id: i64,
    /// Its contact.
    pub contact_id: i64,
    /// The `event_type` label.
    pub event_type: String,
    /// When it occurred.
    pub occurred_at: DateTime<Utc>,
    /// The address as PostgreSQL's `abbrev(inet)` prints it.
    pub ip_address: Option<String>,
    /// `event_data` as PostgreSQL prints the jsonb.
    pub event_data: String,
    /// When ingest stored it.
    pub received_at: DateTime<Utc>,
}

/// An object written by [`rewrite_subject`], read back and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// Its key, relative to the archive URL.
    pub key: String,
    /// Rows it holds (as many as the old object).
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its content checksum, 32 hex digits.
    pub checksum: String,
    /// Rows the edit changed.
    pub changed: u64,
}

/// The key of an edited copy of `day`'s object, tagged `tag` (letters, digits, `-`):
/// beside the day's object in its directory, and distinct from it, so the old object
/// stays whole until the new one is verified and swapped in.
pub fn rewritten_key(day: NaiveDate, tag: &str) -> String {
    format!(
        "events/year={:04}/month={:02}/day={:02}/{}.{tag}.parquet",
        day.year(),
        day.month(),
        day.day(),
        schema::DayPartition::of(day)
    )
}

fn micros(key: &str, v: i64) -> Result<DateTime<Utc>, ArchiveError> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| ArchiveError::bad_object(key, format!("timestamp {v} out of range")))
}

fn event(key: &str, c: &Columns<'_>, i: usize) -> Result<ArchivedEvent, ArchiveError> {
    Ok(ArchivedEvent {
        event_id: uuid::Uuid::from_slice(c.event_id.value(i))
            .map_err(|e| ArchiveError::bad_object(key, e.to_string()))?,
        organization_id: c.organization_id.value(i),
        campaign_id: c.campaign_id.value(i),
        contact_id: c.contact_id.value(i),
        event_type: c.event_type.value(i).to_owned(),
        occurred_at: micros(key, c.occurred_at.value(i))?,
        ip_address: c.ip(i).map(str::to_owned),
        event_data: c.event_data.value(i).to_owned(),
        received_at: micros(key, c.received_at.value(i))?,
    })
}

/// The subject's rows in the object of `entry`, in the object's order.
#[instrument(skip_all, fields(day = %entry.day, key = entry.key))]
pub async fn subject_events(
    store: &ArchiveStore,
    entry: &ManifestEntry,
    subject: &SubjectRows,
) -> Result<Vec<ArchivedEvent>, ArchiveError> {
    let key = &entry.key;
    let batches = verify::batches(store, entry.day, key).await?;
    pin_mut!(batches);
    let mut found = Vec::new();
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        let c = Columns::of(&batch).map_err(|reason| ArchiveError::bad_object(key, reason))?;
        for i in 0..batch.num_rows() {
            if subject.holds(&c, i) {
                found.push(event(key, &c, i)?);
            }
        }
    }
    Ok(found)
}

/// Writes the object of `entry` anew at `new_key` with `edit` applied to each of the
/// subject's rows (it returns whether it changed the row, or why the row cannot be
/// edited; only `ip_address` and `event_data` may change), reads the new object back
/// and verifies it. The old object
/// is checked against the manifest on the way, so a damaged object is never copied.
/// Returns None, writing nothing, when the edit changes no row.
#[instrument(skip_all, fields(day = %entry.day, key = entry.key, new_key))]
pub async fn rewrite_subject(
    store: &ArchiveStore,
    entry: &ManifestEntry,
    subject: &SubjectRows,
    new_key: &str,
    edit: &(dyn Fn(&mut ArchivedEvent) -> Result<bool, String> + Sync),
) -> Result<Option<Rewritten>, ArchiveError> {
    // Most archived days were anonymized long ago: a read that finds nothing to change
    // spares the write.
    let mut any = false;
    for mut e in subject_events(store, entry, subject).await? {
        any |= edit(&mut e).map_err(|reason| ArchiveError::bad_object(&entry.key, reason))?;
    }
    if !any {
        return Ok(None);
    }
    let key = &entry.key;
    let expected_old = entry
        .checksum()
        .ok_or_else(|| ArchiveError::bad_object(key, "manifest checksum is not hex"))?;
    let upload = BufWriter::with_capacity(
        Arc::clone(store.object_store()),
        store.path(new_key),
        UPLOAD_BUFFER,
    );
    let mut writer = AsyncArrowWriter::try_new(upload, schema(), Some(export::properties()?))
        .map_err(|e| ArchiveError::parquet(new_key, e))?;
    let copied = copy_edited(store, entry, subject, new_key, edit, &mut writer).await;
    let (old, new, changed) = match copied {
        Ok(done) => done,
        Err(e) => {
            // A multipart upload left open would linger in S3.
            let _ = writer.into_inner().abort().await;
            return Err(e);
        }
    };
    if old != expected_old {
        let _ = writer.into_inner().abort().await;
        return Err(ArchiveError::ObjectMismatch {
            day: entry.day,
            key: key.clone(),
            against: "the manifest",
            found_rows: old.rows,
            found_checksum: old.hex(),
            expected_rows: expected_old.rows,
            expected_checksum: expected_old.hex(),
        });
    }
    for (k, v) in [
        ("tally.table", schema::DayPartition::of(entry.day).name()),
        ("tally.rows", new.rows.to_string()),
        ("tally.checksum", new.hex()),
    ] {
        writer.append_key_value_metadata(KeyValue::new(k.to_owned(), v));
    }
    writer
        .finish()
        .await
        .map_err(|e| ArchiveError::parquet(new_key, e))?;
    let bytes = writer.bytes_written() as u64;
    verify::verify(
        store,
        entry.day,
        new_key,
        &new,
        "the rewritten rows",
        &mut |_, _| {},
    )
    .await?;
    tracing::info!(
        day = %entry.day,
        key = new_key,
        rows = new.rows,
        changed,
        bytes,
        "archived day rewritten and verified"
    );
    Ok(Some(Rewritten {
        key: new_key.to_owned(),
        rows: new.rows,
        bytes,
        checksum: new.hex(),
        changed,
    }))
}

/// Copies every batch of the old object to `writer`, editing the subject's rows;
/// returns the old rows' checksum, the new rows' checksum and the rows changed.
async fn copy_edited(
    store: &ArchiveStore,
    entry: &ManifestEntry,
    subject: &SubjectRows,
    new_key: &str,
    edit: &(dyn Fn(&mut ArchivedEvent) -> Result<bool, String> + Sync),
    writer: &mut AsyncArrowWriter<BufWriter>,
) -> Result<(Checksum, Checksum, u64), ArchiveError> {
    let key = &entry.key;
    let batches = verify::batches(store, entry.day, key).await?;
    pin_mut!(batches);
    let (mut old, mut new, mut changed) = (Checksum::default(), Checksum::default(), 0);
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        old.add(&batch)
            .map_err(|reason| ArchiveError::bad_object(key, reason))?;
        let (batch, n) = edit_batch(key, &batch, subject, edit)?;
        changed += n;
        new.add(&batch)
            .map_err(|reason| ArchiveError::bad_object(new_key, reason))?;
        writer
            .write(&batch)
            .await
            .map_err(|e| ArchiveError::parquet(new_key, e))?;
    }
    Ok((old, new, changed))
}

/// `batch` with `edit` applied to the subject's rows, and how many it changed; the
/// batch itself when none.
fn edit_batch(
    key: &str,
    batch: &RecordBatch,
    subject: &SubjectRows,
    edit: &(dyn Fn(&mut ArchivedEvent) -> Result<bool, String> + Sync),
) -> Result<(RecordBatch, u64), ArchiveError> {
    let c = Columns::of(batch).map_err(|reason| ArchiveError::bad_object(key, reason))?;
    let mut edits = Vec::new();
    for i in 0..batch.num_rows() {
        if subject.holds(&c, i) {
            let mut e = event(key, &c, i)?;
            if edit(&mut e).map_err(|reason| ArchiveError::bad_object(key, reason))? {
                edits.push((i, e));
            }
        }
    }
    if edits.is_empty() {
        return Ok((batch.clone(), 0));
    }
    let n = batch.num_rows();
    let mut ip = StringBuilder::with_capacity(n, c.ip_address.value_data().len());
    let mut data = StringBuilder::with_capacity(n, c.event_data.value_data().len());
    let mut next = edits.iter().peekable();
    for i in 0..n {
        match next.peek() {
            Some((j, e)) if *j == i => {
                ip.append_option(e.ip_address.as_deref());
                data.append_value(&e.event_data);
                next.next();
            }
            _ => {
                ip.append_option(c.ip(i));
                data.append_value(c.event_data.value(i));
            }
        }
    }
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[6] = Arc::new(ip.finish());
    columns[7] = Arc::new(data.finish());
    let edited = RecordBatch::try_new(schema(), columns)
        .map_err(|e| ArchiveError::parquet(key, ParquetError::ArrowError(e.to_string())))?;
    Ok((edited, edits.len() as u64))
}

/// Puts `new` in the manifest in place of the object at `old_key`, in the caller's
/// transaction; returns false, changing nothing, when the manifest no longer names
/// `old_key` for `day` (an archive run wrote the day again meanwhile). A partition of
/// the day still in the database is compared in full by the next archive run.
pub async fn swap_object(
    client: &impl GenericClient,
    day: NaiveDate,
    old_key: &str,
    new: &Rewritten,
) -> Result<bool, ArchiveError> {
    let n = client
        .execute(
            include_str!("sql/manifest_swap.sql"),
            &[
                &day,
                &old_key,
                &new.key,
                &(new.rows as i64),
                &(new.bytes as i64),
                &new.checksum,
            ],
        )
        .await?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewritten_keys_sit_beside_the_days_object() {
        let day = testkit::day("2024-03-07");
        assert_eq!(
            rewritten_key(day, "gdpr-12"),
            "events/year=2024/month=03/day=07/events_p20240307.gdpr-12.parquet"
        );
        assert_ne!(
            rewritten_key(day, "gdpr-12"),
            super::super::store::object_key(day)
        );
    }
}
