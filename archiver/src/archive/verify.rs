//! Reading an object back: its record batches one row group at a time, and the rows
//! and checksum they add up to.

use arrow_array::RecordBatch;
use chrono::NaiveDate;
use futures::{Stream, StreamExt, TryStreamExt};
use parquet::arrow::ParquetRecordBatchStreamBuilder;

use super::rows::Checksum;
use super::store::ArchiveStore;
use super::{ArchiveError, Stage};

/// Rows per batch read back.
const READ_BATCH_ROWS: usize = 16_384;

/// The record batches of the object at `key`, checked against the archive schema as
/// they come (the object is outside data). An absent object is `ObjectMissing`.
pub(super) async fn batches(
    store: &ArchiveStore,
    day: NaiveDate,
    key: &str,
) -> Result<impl Stream<Item = Result<RecordBatch, ArchiveError>> + use<>, ArchiveError> {
    let Some(size) = store.size(key).await? else {
        return Err(ArchiveError::ObjectMissing {
            day,
            key: key.to_owned(),
        });
    };
    let owned_key = key.to_owned();
    let stream = ParquetRecordBatchStreamBuilder::new(store.reader(key, size))
        .await
        .map_err(|e| ArchiveError::parquet(key, e))?
        .with_batch_size(READ_BATCH_ROWS)
        .build()
        .map_err(|e| ArchiveError::parquet(key, e))?;
    Ok(stream.map_err(move |e| ArchiveError::parquet(&owned_key, e)))
}

/// Reads the object at `key` through and returns its rows, checksum and size.
pub(super) async fn read_back(
    store: &ArchiveStore,
    day: NaiveDate,
    key: &str,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
) -> Result<Checksum, ArchiveError> {
    let batches = batches(store, day, key).await?;
    futures::pin_mut!(batches);
    let mut checksum = Checksum::default();
    while let Some(batch) = batches.next().await {
        checksum
            .add(&batch?)
            .map_err(|reason| ArchiveError::bad_object(key, reason))?;
        progress(Stage::Verifying, checksum.rows);
    }
    Ok(checksum)
}

/// Reads the object back and fails with `ObjectMismatch` unless it holds exactly
/// `expected`.
pub(super) async fn verify(
    store: &ArchiveStore,
    day: NaiveDate,
    key: &str,
    expected: &Checksum,
    against: &'static str,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
) -> Result<(), ArchiveError> {
    let found = read_back(store, day, key, progress).await?;
    if found != *expected {
        return Err(ArchiveError::ObjectMismatch {
            day,
            key: key.to_owned(),
            against,
            found_rows: found.rows,
            found_checksum: found.hex(),
            expected_rows: expected.rows,
            expected_checksum: expected.hex(),
        });
    }
    Ok(())
}
