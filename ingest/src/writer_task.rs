//! One writer: takes the records of its partitions from the consumer thread, batches
//! them (flushing on size or age), checks organizations and campaigns, writes each batch
//! with retries, and keeps every partition's position, refusing any gap it did not see.
//! A batch is written by its own task while the next one is decoded, so that Postgres
//! never waits for the decoding; at most one batch per writer is in flight, and batches
//! commit in the order they were made.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio::sync::mpsc::Receiver;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::batch::{Batch, Record};
use crate::catalog::Catalog;
use crate::pipeline::{IngestConfig, Totals};
use crate::retry::Backoff;
use crate::source::{Reseek, Tagged, ToWriter};
use crate::writer::{Outcome, Writer};

/// What every writer of one ingest shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub writer: Writer,
    pub catalog: Catalog,
    pub pool: Pool,
    pub config: IngestConfig,
    pub reseek: mpsc::Sender<Reseek>,
    /// Latest position committed to Postgres per partition, for Kafka's lag commits.
    pub committed: Arc<Mutex<BTreeMap<i32, i64>>>,
    pub totals: Arc<Totals>,
    /// Turns true when a stop runs out of time: batches not committed by then give up.
    pub give_up: watch::Receiver<bool>,
}

pub(crate) struct WriterTask {
    id: usize,
    shared: Shared,
    /// Per partition: the next offset to store and the epoch records must carry.
    positions: HashMap<i32, (i64, u64)>,
    /// Per partition: the offset at which a gap was seen and the partition rewound; a
    /// gap seen again there is genuine (compaction, retention).
    rewound_at: HashMap<i32, i64>,
    batch: Batch,
    /// The batch being written, if any; `None` from it means nothing was committed.
    in_flight: Option<JoinHandle<Option<Outcome>>>,
    /// Per partition: where the batch in flight ends, which is where the batch being
    /// made starts.
    in_flight_ends: HashMap<i32, i64>,
}

impl WriterTask {
    pub(crate) fn new(id: usize, shared: Shared) -> WriterTask {
        WriterTask {
            id,
            shared,
            positions: HashMap::new(),
            rewound_at: HashMap::new(),
            batch: Batch::new(),
            in_flight: None,
            in_flight_ends: HashMap::new(),
        }
    }

    pub(crate) async fn run(mut self, mut rx: Receiver<ToWriter>) {
        loop {
            let deadline =
                tokio::time::Instant::from_std(self.batch.opened + self.shared.config.batch_age);
            tokio::select! {
                message = rx.recv() => match message {
                    Some(message) => self.receive(message).await,
                    None => {
                        self.flush(true).await;
                        self.settle().await;
                        tracing::debug!(writer = self.id, "writer finished");
                        return;
                    }
                },
                _ = tokio::time::sleep_until(deadline), if !self.batch.is_empty() => {
                    self.flush(false).await;
                }
                written = async {
                    match self.in_flight.as_mut() {
                        Some(task) => task.await,
                        None => std::future::pending().await,
                    }
                }, if self.in_flight.is_some() => {
                    self.in_flight = None;
                    self.settled(written);
                }
            }
        }
    }

    /// Adds one record to the batch, unless it predates its partition's current epoch
    /// or position; a gap in offsets rewinds the partition instead.
    fn take(&mut self, record: Record, epoch: u64, now: DateTime<Utc>) {
        let Some(&(stored, current)) = self.positions.get(&record.partition) else {
            return;
        };
        // Records from before a seek or reassignment, or already stored.
        if epoch != current || record.offset < stored {
            return;
        }
        let next = self
            .in_flight_ends
            .get(&record.partition)
            .copied()
            .unwrap_or(stored);
        let expected = self.batch.next_offset(record.partition).unwrap_or(next);
        if record.offset < expected {
            return;
        }
        if record.offset > expected && self.rewound_at.get(&record.partition) == Some(&expected) {
            // Seen again after re-reading: the records are not in Kafka any more
            // (retention) or never were (compaction, transaction markers).
            let missing = record.offset - expected;
            tracing::error!(
                partition = record.partition,
                from = expected,
                to = record.offset,
                missing,
                "offsets missing from Kafka (expired by retention before ingest, or compacted): skipped"
            );
            crate::metrics::global().skipped(missing as u64);
            self.rewound_at.remove(&record.partition);
        } else if record.offset > expected {
            // The batch's range would cover records it never saw: rewind to what
            // is durable instead, and accept the gap only if it shows up again.
            tracing::warn!(
                partition = record.partition,
                expected,
                got = record.offset,
                "gap in offsets; re-reading the partition from its stored position"
            );
            self.rewound_at.insert(record.partition, expected);
            self.batch.drop_partition(record.partition);
            self.positions.remove(&record.partition);
            let _ = self.shared.reseek.send(Reseek {
                partition: record.partition,
                next_offset: next,
            });
            return;
        }
        self.batch
            .push(record, next, &self.shared.config.limits, now);
    }

    /// Takes one message from the consumer thread; flushes whenever the batch is full,
    /// so a batch never exceeds its size even in the middle of a chunk.
    async fn receive(&mut self, message: ToWriter) {
        match message {
            ToWriter::Records(chunk) => {
                let now = Utc::now();
                for Tagged { record, epoch } in chunk {
                    self.take(record, epoch, now);
                    if self.batch.len() >= self.shared.config.batch_size {
                        self.flush(false).await;
                    }
                }
            }
            ToWriter::Assigned {
                partition,
                next_offset,
                epoch,
            } => {
                // Whatever is batched of it predates the new position: it will be re-read.
                // The new position comes from Postgres; should the batch in flight still
                // commit this partition, the next batch's compare-and-set refuses it and
                // the partition is re-positioned.
                self.batch.drop_partition(partition);
                self.in_flight_ends.remove(&partition);
                self.positions.insert(partition, (next_offset, epoch));
            }
            ToWriter::Revoked { partition } => {
                self.batch.drop_partition(partition);
                self.in_flight_ends.remove(&partition);
                self.positions.remove(&partition);
            }
        }
    }

    /// Hands the batch to a task of its own once the one in flight is done; at
    /// shutdown, also waits for it.
    async fn flush(&mut self, stopping: bool) {
        if self.batch.is_empty() {
            return;
        }
        self.settle().await;
        let batch = std::mem::replace(&mut self.batch, Batch::new());
        self.in_flight_ends = batch.ranges.iter().map(|(p, r)| (*p, r.to)).collect();
        self.in_flight = Some(tokio::spawn(commit(self.shared.clone(), batch, self.id)));
        // A task spawned from a worker waits in that worker's LIFO slot, which no other
        // worker steals, until the spawner yields: without this, Postgres would wait
        // for the next batch's decoding before receiving this one.
        tokio::task::yield_now().await;
        if stopping {
            self.settle().await;
        }
    }

    /// Waits for the batch in flight, if any, and takes its outcome.
    async fn settle(&mut self) {
        if let Some(task) = self.in_flight.take() {
            let written = task.await;
            self.settled(written);
        }
    }

    fn settled(&mut self, written: Result<Option<Outcome>, tokio::task::JoinError>) {
        self.in_flight_ends.clear();
        match written {
            Ok(Some(outcome)) => self.apply(&outcome),
            // Nothing committed: the records are read again after a restart.
            Ok(None) => {}
            Err(e) => tracing::error!(writer = self.id, error = %e, "batch task failed"),
        }
    }

    fn apply(&mut self, outcome: &Outcome) {
        self.shared.totals.add(outcome);
        for &(partition, next) in &outcome.committed {
            if let Some(position) = self.positions.get_mut(&partition) {
                let moved = (next - position.0).max(0) as u64;
                self.shared
                    .totals
                    .offsets
                    .fetch_add(moved, Ordering::Relaxed);
                position.0 = next;
            }
        }
        if let Ok(mut committed) = self.shared.committed.lock() {
            committed.extend(outcome.committed.iter().copied());
        }
        for &(partition, next) in &outcome.fenced {
            crate::metrics::global().batch("fenced");
            // Until the consumer has re-positioned it, nothing of it is accepted; what
            // the next batch holds of it started where the refused batch ended.
            self.positions.remove(&partition);
            self.batch.drop_partition(partition);
            let _ = self.shared.reseek.send(Reseek {
                partition,
                next_offset: next,
            });
        }
    }
}

/// Checks organizations and campaigns, then writes `batch` with retries; `None` if it
/// gave up at the end of a stop without committing anything.
#[tracing::instrument(level = "debug", name = "write", skip(shared, batch))]
async fn commit(shared: Shared, mut batch: Batch, writer: usize) -> Option<Outcome> {
    if batch.has_rows() {
        let mut snapshot = shared.catalog.snapshot();
        let misses = batch.rows.iter().any(|r| {
            snapshot
                .check(r.event.organization_id.0, r.event.campaign_id.0)
                .is_err()
        });
        if misses {
            // A campaign created a moment ago must not be dead-lettered.
            match shared
                .catalog
                .refresh_if_older_than(&shared.pool, Duration::from_secs(1))
                .await
            {
                Ok(_) => snapshot = shared.catalog.snapshot(),
                Err(e) => {
                    tracing::warn!(error = %e, "catalog refresh failed; using the last one")
                }
            }
            batch.reject_unknown(|org, campaign| snapshot.check(org, campaign));
        }
    }
    crate::metrics::global().unknown_fields(batch.unknown_fields);
    batch.unknown_fields = 0;

    let mut give_up = shared.give_up.clone();
    let mut backoff = Backoff::new();
    loop {
        // Abandoning a write mid-transaction is safe: an open transaction rolls back,
        // and one whose COMMIT went through moved its positions in Postgres, where the
        // next start reads them.
        let written = tokio::select! {
            written = shared.writer.write(&mut batch) => written,
            () = given_up(&mut give_up) => break,
        };
        match written {
            Ok(outcome) => return Some(outcome),
            Err(e) => {
                crate::metrics::global().batch("retried");
                let wait = backoff.next_delay();
                tracing::warn!(writer, error = %e, retry_in_ms = wait.as_millis() as u64, "batch failed; retrying");
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = given_up(&mut give_up) => break,
                }
            }
        }
    }
    tracing::error!(
        writer,
        records = batch.len(),
        "batch given up at the shutdown timeout: nothing of it was committed, it will be read again"
    );
    None
}

/// Resolves once the stop has run out of time; never if the ingest is dropped without
/// a stop.
async fn given_up(give_up: &mut watch::Receiver<bool>) {
    if give_up.wait_for(|&given_up| given_up).await.is_err() {
        std::future::pending::<()>().await;
    }
}
