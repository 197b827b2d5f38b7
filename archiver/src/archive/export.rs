//! Reading a partition: one binary COPY in a repeatable-read transaction that holds a
//! SHARE lock on it (no writer can change it meanwhile), turned into record batches of
//! bounded size, checksummed, and optionally written as one Parquet object.

use arrow_array::RecordBatch;
use futures::{StreamExt, pin_mut};
use object_store::buffered::BufWriter;
use parquet::arrow::AsyncArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use tokio::sync::mpsc;
use tokio_postgres::{Client, IsolationLevel};
use tracing::instrument;

use super::pgbinary::CopyReader;
use super::rows::{BatchBuilder, COLUMNS, Checksum, schema};
use super::store::ArchiveStore;
use super::{ArchiveError, Stage};

/// Rows per record batch: large enough to amortise per-batch work, small enough that a
/// batch of wide event_data stays a few MB.
const BATCH_ROWS: usize = 16_384;

/// Rows per Parquet row group: bounds what the writer holds before it uploads, and is
/// a unit readers (DuckDB, Spark) parallelise over.
const ROW_GROUP_ROWS: usize = 131_072;

/// Bytes the upload buffers before it switches to a multipart upload.
const UPLOAD_BUFFER: usize = 8 * 1024 * 1024;

/// What reading a partition found.
#[derive(Debug, Clone)]
pub(super) struct Scan {
    /// Rows and content checksum.
    pub checksum: Checksum,
    /// The snapshot the partition was read in (`pg_snapshot` text): a row version it
    /// does not see was written after the read.
    pub snapshot: String,
}

/// A written object: what it holds and its size.
#[derive(Debug, Clone)]
pub(super) struct Written {
    pub scan: Scan,
    pub bytes: u64,
}

/// The writer of an object in the making.
type Sink = AsyncArrowWriter<BufWriter>;

/// Reads `table` and hands every batch to `sink`, reporting the rows read so far. The
/// batches are checksummed and encoded on a task of their own, so that work runs beside
/// the decoding of the COPY (and PostgreSQL's side of it) instead of stalling the
/// stream; the channel between them holds two batches, which bounds memory.
async fn read(
    client: &mut Client,
    table: &str,
    sink: Option<Sink>,
    key: &str,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
    stage: Stage,
) -> (Result<Scan, ArchiveError>, Option<Sink>) {
    let (batches, received) = mpsc::channel(2);
    let consumer = tokio::spawn(consume(received, sink, table.to_owned(), key.to_owned()));
    let produced = produce(client, table, key, batches, progress, stage).await;
    let (consumed, sink) = match consumer.await {
        Ok(done) => done,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => (
            Err(ArchiveError::parquet(
                key,
                ParquetError::General(e.to_string()),
            )),
            None,
        ),
    };
    let result = match (produced, consumed) {
        (Ok(snapshot), Ok(checksum)) => Ok(Scan { checksum, snapshot }),
        // The reader's error says why the consumer stopped early, if it did.
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
    };
    (result, sink)
}

/// The COPY side: rows into batches, sent to the consumer; returns the snapshot.
async fn produce(
    client: &mut Client,
    table: &str,
    key: &str,
    batches: mpsc::Sender<RecordBatch>,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
    stage: Stage,
) -> Result<String, ArchiveError> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()
        .await?;
    // Before the snapshot is taken: every writer of the partition has finished, and
    // none can start until the read is done.
    tx.batch_execute(&format!("LOCK TABLE \"{table}\" IN SHARE MODE"))
        .await?;
    let snapshot: String = tx
        .query_one(include_str!("sql/snapshot.sql"), &[])
        .await?
        .get(0);
    // The columns as stored: PostgreSQL only frames them (jsonb as its text), the client
    // formats addresses; casting them to text in a query cost PostgreSQL 10-20% more.
    let copy = tx
        .copy_out(&format!(
            "COPY \"{table}\" ({COLUMNS}) TO STDOUT (FORMAT binary)"
        ))
        .await?;
    pin_mut!(copy);
    let mut reader = CopyReader::default();
    let mut builder = BatchBuilder::new(BATCH_ROWS);
    let mut sent = 0;
    loop {
        let message = copy.next().await.transpose()?;
        // The trailer, or the stream's end, closes the last batch; the stream is read to
        // its end so that the COPY completes before the commit.
        let last = match &message {
            Some(message) => match reader
                .row(message)
                .map_err(|reason| ArchiveError::bad_object(table, format!("its COPY: {reason}")))?
            {
                Some(row) => {
                    builder.push(&row);
                    false
                }
                None => true,
            },
            None => true,
        };
        if builder.len() >= BATCH_ROWS || (last && builder.len() > 0) {
            let batch = builder
                .finish()
                .map_err(|e| ArchiveError::parquet(key, ParquetError::ArrowError(e.to_string())))?;
            sent += batch.num_rows() as u64;
            if batches.send(batch).await.is_err() {
                // The consumer stopped on an error, which it reports.
                break;
            }
            progress(stage, sent);
        }
        if message.is_none() {
            break;
        }
    }
    tx.commit().await?;
    Ok(snapshot)
}

/// The consumer side: checksums every batch and writes it to `sink`.
async fn consume(
    mut batches: mpsc::Receiver<RecordBatch>,
    mut sink: Option<Sink>,
    table: String,
    key: String,
) -> (Result<Checksum, ArchiveError>, Option<Sink>) {
    let mut checksum = Checksum::default();
    while let Some(batch) = batches.recv().await {
        if let Err(reason) = checksum.add(&batch) {
            return (Err(ArchiveError::bad_object(&table, reason)), sink);
        }
        if let Some(writer) = sink.as_mut()
            && let Err(e) = writer.write(&batch).await
        {
            return (Err(ArchiveError::parquet(&key, e)), sink);
        }
    }
    (Ok(checksum), sink)
}

/// Reads `table` without writing anything: its rows and checksum.
pub(super) async fn scan(
    client: &mut Client,
    table: &str,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
) -> Result<Scan, ArchiveError> {
    read(client, table, None, table, progress, Stage::Checking)
        .await
        .0
}

/// Writes `table` as one Parquet object at `key`, replacing any object there.
#[instrument(skip_all, fields(table, key))]
pub(super) async fn export(
    client: &mut Client,
    table: &str,
    store: &ArchiveStore,
    key: &str,
    progress: &mut (dyn FnMut(Stage, u64) + Send),
) -> Result<Written, ArchiveError> {
    let upload = BufWriter::with_capacity(
        std::sync::Arc::clone(store.object_store()),
        store.path(key),
        UPLOAD_BUFFER,
    );
    let writer = AsyncArrowWriter::try_new(upload, schema(), Some(properties()?))
        .map_err(|e| ArchiveError::parquet(key, e))?;
    let (scan, writer) = read(client, table, Some(writer), key, progress, Stage::Exporting).await;
    let Some(mut writer) = writer else {
        return Err(scan.err().unwrap_or_else(|| {
            ArchiveError::parquet(key, ParquetError::General("the writer was lost".into()))
        }));
    };
    let scan = match scan {
        Ok(scan) => scan,
        Err(e) => {
            // A multipart upload left open would linger in S3 until a lifecycle rule
            // removes it.
            let _ = writer.into_inner().abort().await;
            return Err(e);
        }
    };
    for (k, v) in [
        ("tally.table", table.to_owned()),
        ("tally.rows", scan.checksum.rows.to_string()),
        ("tally.checksum", scan.checksum.hex()),
    ] {
        writer.append_key_value_metadata(KeyValue::new(k.to_owned(), v));
    }
    writer
        .finish()
        .await
        .map_err(|e| ArchiveError::parquet(key, e))?;
    Ok(Written {
        bytes: writer.bytes_written() as u64,
        scan,
    })
}

/// How every object of the archive is written.
pub(super) fn properties() -> Result<WriterProperties, ArchiveError> {
    let level = ZstdLevel::try_new(1).map_err(|e| ArchiveError::parquet("", e))?;
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    // Values that rarely repeat within a row group: a dictionary would be built (every
    // value hashed and interned) only to be thrown away when it outgrows its page, which
    // cost the export about 8% of its CPU. zstd still finds what repeats.
    for column in ["event_id", "contact_id", "ip_address", "event_data"] {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(column), false);
    }
    // Timestamps of a day are close together and mostly in order: deltas pack tight.
    for column in ["occurred_at", "received_at"] {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(column), false)
            .set_column_encoding(ColumnPath::from(column), Encoding::DELTA_BINARY_PACKED);
    }
    Ok(builder.build())
}
