//! Reading an object back: its record batches one row group at a time, and the rows
//! and checksum they add up to.

use arrow_array::RecordBatch;
use chrono::NaiveDate;
use futures::{Stream, StreamExt, TryStreamExt};
use parquet::arrow::ParquetRecordBatchStreamBuilder;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::errors::ParquetError;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tracing::instrument;

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

/// Reads the object at `key` through and returns its rows and checksum. Row groups are
/// read by as many tasks as there are cores: nothing else runs during a read-back, and
/// the checksum, a sum, does not depend on the order the rows come in.
pub(super) async fn read_back(
    store: &ArchiveStore,
    day: NaiveDate,
    key: &str,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
) -> Result<Checksum, ArchiveError> {
    let Some(size) = store.size(key).await? else {
        return Err(ArchiveError::ObjectMissing {
            day,
            key: key.to_owned(),
        });
    };
    let parquet = |e| ArchiveError::parquet(key, e);
    let metadata = ArrowReaderMetadata::load_async(
        &mut store.reader(key, size),
        ArrowReaderOptions::default(),
    )
    .await
    .map_err(parquet)?;
    let groups = metadata.metadata().num_row_groups();
    let tasks_n = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, groups.max(1));
    let (read, mut reads) = mpsc::unbounded_channel::<u64>();
    let mut tasks = JoinSet::new();
    for t in 0..tasks_n {
        let mine: Vec<usize> = (t..groups).step_by(tasks_n).collect();
        let stream = ParquetRecordBatchStreamBuilder::new_with_metadata(
            store.reader(key, size),
            metadata.clone(),
        )
        .with_row_groups(mine)
        .with_batch_size(READ_BATCH_ROWS)
        .build()
        .map_err(parquet)?;
        let read = read.clone();
        let key = key.to_owned();
        tasks.spawn(async move {
            futures::pin_mut!(stream);
            let mut checksum = Checksum::default();
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| ArchiveError::parquet(&key, e))?;
                checksum
                    .add(&batch)
                    .map_err(|reason| ArchiveError::bad_object(&key, reason))?;
                let _ = read.send(batch.num_rows() as u64);
            }
            Ok::<_, ArchiveError>(checksum)
        });
    }
    drop(read);
    let mut rows = 0;
    while let Some(n) = reads.recv().await {
        rows += n;
        progress(Stage::Verifying, rows);
    }
    let mut checksum = Checksum::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(part) => checksum.merge(&part?),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(parquet(ParquetError::General(e.to_string()))),
        }
    }
    Ok(checksum)
}

/// Reads the object back and fails with `ObjectMismatch` unless it holds exactly
/// `expected`.
#[instrument(skip_all, fields(key))]
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
