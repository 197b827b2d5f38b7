//! The Kafka side: one consumer-group member on a dedicated thread. On assignment it
//! claims each partition's position from Postgres (the source of truth) and assigns with
//! it; records are routed to writers by partition, tagged with an epoch that changes on
//! every (re)assignment or seek so writers can discard what came before. When a writer
//! is full the thread stops taking records, so librdkafka's bounded queue
//! (`queued.max.messages.kbytes`) stops fetching; if the writers stay full past
//! [`PAUSE_AFTER`] the partitions are paused. Memory stays bounded whatever the backlog.
//! Kafka's own committed offsets trail Postgres and serve lag monitoring only.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::message::Message;
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, error::KafkaError};
use tokio::sync::mpsc::Sender;
use tokio::sync::mpsc::error::TrySendError;

use crate::batch::Record;
use crate::retry::Backoff;

/// How long the writers may stay full before the partitions are paused. Until then the
/// thread only stops taking records, which keeps what librdkafka has prefetched (a pause
/// discards it, and the records must then be fetched again); past it, the thread
/// pauses and goes back to polling, so rebalances are still served and the group's
/// `max.poll.interval.ms` is never reached while Postgres is slow or down.
pub(crate) const PAUSE_AFTER: Duration = Duration::from_secs(1);

/// Records handed to a writer in one message: one channel operation and at most one
/// wake-up of the writer per chunk instead of per record.
pub(crate) const CHUNK: usize = 256;

/// A record with the epoch of its partition when it was polled.
#[derive(Debug)]
pub(crate) struct Tagged {
    pub record: Record,
    pub epoch: u64,
}

/// What the consumer thread tells a writer.
#[derive(Debug)]
pub(crate) enum ToWriter {
    /// Records of the writer's partitions, in the order polled.
    Records(Vec<Tagged>),
    /// The partition is (again) this writer's, starting at `next_offset`.
    Assigned {
        partition: i32,
        next_offset: i64,
        epoch: u64,
    },
    /// The partition is no longer ours: drop what is batched of it.
    Revoked { partition: i32 },
}

/// A writer's request to move a partition to where Postgres says it stands.
#[derive(Debug)]
pub(crate) struct Reseek {
    pub partition: i32,
    pub next_offset: i64,
}

struct Router {
    writers: Vec<Sender<ToWriter>>,
    epochs: HashMap<i32, u64>,
    assigned: BTreeSet<i32>,
}

impl Router {
    fn index(&self, partition: i32) -> Option<usize> {
        let n = self.writers.len();
        (n > 0).then(|| partition.unsigned_abs() as usize % n)
    }

    fn writer(&self, partition: i32) -> Option<&Sender<ToWriter>> {
        self.index(partition).map(|i| &self.writers[i])
    }

    /// Where a record of `partition` goes and the epoch it carries; `None` if the
    /// partition is not assigned (any more) or the writers are gone.
    fn route(&self, partition: i32) -> Option<(usize, u64)> {
        if !self.assigned.contains(&partition) {
            return None;
        }
        let epoch = self.epochs.get(&partition).copied().unwrap_or(0);
        self.index(partition).map(|i| (i, epoch))
    }

    fn announce(&mut self, partition: i32, next_offset: i64) {
        let epoch = self.epochs.entry(partition).or_default();
        *epoch += 1;
        let msg = ToWriter::Assigned {
            partition,
            next_offset,
            epoch: *epoch,
        };
        if let Some(w) = self.writer(partition) {
            // The writer drains its queue continuously; waiting here is waiting for it.
            let _ = w.blocking_send(msg);
        }
    }
}

/// The consumer's context: rebalance handling and statistics.
pub(crate) struct IngestContext {
    topic: String,
    pool: Pool,
    runtime: tokio::runtime::Handle,
    router: Mutex<Router>,
    stop: Arc<AtomicBool>,
    /// When a client-level error was last logged.
    last_error: Mutex<Option<Instant>>,
}

impl IngestContext {
    pub fn new(
        topic: &str,
        pool: Pool,
        runtime: tokio::runtime::Handle,
        writers: Vec<Sender<ToWriter>>,
        stop: Arc<AtomicBool>,
    ) -> IngestContext {
        IngestContext {
            topic: topic.to_owned(),
            pool,
            runtime,
            router: Mutex::new(Router {
                writers,
                epochs: HashMap::new(),
                assigned: BTreeSet::new(),
            }),
            stop,
            last_error: Mutex::new(None),
        }
    }

    fn router(&self) -> std::sync::MutexGuard<'_, Router> {
        self.router
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads (or creates) the Postgres positions of `partitions`, retrying while
    /// Postgres is away; `None` when asked to stop meanwhile.
    fn claim(&self, partitions: &[i32]) -> Option<BTreeMap<i32, i64>> {
        let mut backoff = Backoff::new();
        loop {
            let result = self
                .runtime
                .block_on(claim_offsets(&self.pool, &self.topic, partitions));
            match result {
                Ok(map) => return Some(map),
                Err(e) => {
                    let wait = backoff.next_delay();
                    tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "cannot read partition positions from postgres");
                    // In steps, so that a stop is not held up by a long backoff.
                    let until = Instant::now() + wait;
                    while Instant::now() < until {
                        if self.stop.load(Ordering::Relaxed) {
                            return None;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            }
        }
    }

    fn assign(&self, consumer: &BaseConsumer<IngestContext>, tpl: &mut TopicPartitionList) {
        let partitions: Vec<i32> = tpl
            .elements_for_topic(&self.topic)
            .iter()
            .map(|e| e.partition())
            .collect();
        let Some(positions) = self.claim(&partitions) else {
            return;
        };
        for (partition, next) in &positions {
            if let Err(e) = tpl.set_partition_offset(&self.topic, *partition, Offset::Offset(*next))
            {
                tracing::error!(partition, error = %e, "cannot set the start offset");
            }
        }
        if let Err(e) = consumer.assign(tpl) {
            tracing::error!(error = %e, "assign failed");
            return;
        }
        let mut router = self.router();
        for (partition, next) in positions {
            router.assigned.insert(partition);
            router.announce(partition, next);
        }
        tracing::info!(partitions = ?partitions, "partitions assigned");
    }

    fn revoke(&self, consumer: &BaseConsumer<IngestContext>, tpl: &TopicPartitionList) {
        let mut router = self.router();
        for elem in tpl.elements_for_topic(&self.topic) {
            let partition = elem.partition();
            router.assigned.remove(&partition);
            crate::metrics::global().forget_lag(partition);
            *router.epochs.entry(partition).or_default() += 1;
            if let Some(w) = router.writer(partition) {
                let _ = w.blocking_send(ToWriter::Revoked { partition });
            }
        }
        drop(router);
        if let Err(e) = consumer.unassign() {
            tracing::warn!(error = %e, "unassign failed");
        }
        tracing::info!(count = tpl.count(), "partitions revoked");
    }
}

impl ClientContext for IngestContext {
    // librdkafka reports a broker outage many times a second while it reconnects by
    // itself: one line every few seconds says as much.
    fn error(&self, error: KafkaError, reason: &str) {
        let mut last = self
            .last_error
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.is_none_or(|t| t.elapsed() > Duration::from_secs(5)) {
            tracing::warn!(%error, reason, "kafka error (librdkafka keeps reconnecting)");
            *last = Some(Instant::now());
        }
    }

    fn stats(&self, statistics: Statistics) {
        if let Some(topic) = statistics.topics.get(&self.topic) {
            for (partition, p) in &topic.partitions {
                if *partition >= 0 && p.consumer_lag >= 0 {
                    crate::metrics::global().lag(*partition, p.consumer_lag);
                }
            }
        }
    }
}

impl ConsumerContext for IngestContext {
    // Runs inside `poll` on the consumer thread, which is not a runtime thread, so it
    // may block on Postgres: the assignment must carry Postgres's positions.
    fn rebalance(
        &self,
        consumer: &BaseConsumer<IngestContext>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => self.assign(consumer, tpl),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => self.revoke(consumer, tpl),
            other => {
                tracing::error!(error = ?other, "rebalance failed: unassigning");
                let _ = consumer.unassign();
            }
        }
    }
}

async fn claim_offsets(
    pool: &Pool,
    topic: &str,
    partitions: &[i32],
) -> Result<BTreeMap<i32, i64>, String> {
    let client = pool.get().await.map_err(|e| e.to_string())?;
    let rows = client
        .query(
            include_str!("writer/claim_offsets.sql"),
            &[&topic, &partitions],
        )
        .await
        .map_err(|e| schema::describe_pg_error(&e))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Everything the poll loop needs besides the consumer.
pub(crate) struct Loop {
    pub stop: Arc<AtomicBool>,
    pub reseeks: mpsc::Receiver<Reseek>,
    /// Latest position committed to Postgres per partition, published by the writers.
    pub committed: Arc<Mutex<BTreeMap<i32, i64>>>,
}

/// Polls until asked to stop, then closes the writers' queues and returns the consumer
/// so a final Kafka commit can follow the writers' last flush.
pub(crate) fn poll_loop(
    consumer: BaseConsumer<IngestContext>,
    state: Loop,
) -> BaseConsumer<IngestContext> {
    let mut poller = Poller::new(&consumer);
    while !state.stop.load(Ordering::Relaxed) {
        poller.stats.report_every(Duration::from_secs(1));
        poller.reseek(&state.reseeks);
        poller.commit_lag_positions(&state.committed);
        if poller.wait_for_room() {
            continue;
        }
        poller.poll();
    }
    // Closing the queues lets every writer flush its last batch and finish.
    consumer.context().router().writers.clear();
    consumer
}

/// The poll loop's state between iterations.
struct Poller<'c> {
    consumer: &'c BaseConsumer<IngestContext>,
    topic: String,
    writers: usize,
    /// Chunks not yet taken by their writer, in the order polled, by writer index.
    backlog: VecDeque<(usize, Vec<Tagged>)>,
    /// Records polled for each writer, not yet a full chunk.
    pending: Vec<Vec<Tagged>>,
    /// Whether the partitions are paused for backpressure.
    paused: bool,
    /// Since when the writers have been full.
    full_since: Option<Instant>,
    last_commit: Instant,
    /// Positions last committed to Kafka.
    kafka_committed: BTreeMap<i32, i64>,
    last_error: Option<Instant>,
    /// Seeks librdkafka refused, tried again next time round.
    retry_reseeks: Vec<Reseek>,
    stats: LoopStats,
}

impl<'c> Poller<'c> {
    fn new(consumer: &'c BaseConsumer<IngestContext>) -> Poller<'c> {
        let writers = consumer.context().router().writers.len();
        Poller {
            consumer,
            topic: consumer.context().topic.clone(),
            writers,
            backlog: VecDeque::new(),
            pending: (0..writers).map(|_| Vec::new()).collect(),
            paused: false,
            full_since: None,
            last_commit: Instant::now(),
            kafka_committed: BTreeMap::new(),
            last_error: None,
            retry_reseeks: Vec::new(),
            stats: LoopStats::default(),
        }
    }

    /// Moves the partitions the writers asked to re-position, and those whose seek was
    /// refused before.
    fn reseek(&mut self, requests: &mpsc::Receiver<Reseek>) {
        let mut retry = Vec::new();
        for reseek in self.retry_reseeks.drain(..).chain(requests.try_iter()) {
            retry.extend(apply_reseek(
                self.consumer,
                &self.topic,
                reseek,
                &mut self.backlog,
            ));
        }
        self.retry_reseeks = retry;
    }

    /// Commits the positions Postgres holds to Kafka once a second, for lag monitoring.
    fn commit_lag_positions(&mut self, committed: &Mutex<BTreeMap<i32, i64>>) {
        if self.last_commit.elapsed() >= Duration::from_secs(1) {
            commit_to_kafka(
                self.consumer,
                &self.topic,
                committed,
                &mut self.kafka_committed,
            );
            self.last_commit = Instant::now();
        }
    }

    /// Delivers what waits, in order, and applies backpressure: returns true when the
    /// writers are full and the loop should wait for room rather than poll.
    fn wait_for_room(&mut self) -> bool {
        // Stop at the first full writer: order is kept.
        while let Some((writer, chunk)) = self.backlog.pop_front() {
            if let Err(chunk) = try_send(self.consumer, writer, chunk) {
                self.backlog.push_front((writer, chunk));
                break;
            }
        }
        if self.backlog.is_empty() {
            self.full_since = None;
            if self.paused {
                set_paused(self.consumer, &self.topic, false);
                self.paused = false;
            }
        } else if !self.paused {
            let since = *self.full_since.get_or_insert_with(Instant::now);
            if since.elapsed() < PAUSE_AFTER {
                // Writers are busy with a batch: wait for room without polling.
                self.stats.full_waits += 1;
                std::thread::sleep(Duration::from_millis(1));
                return true;
            }
            set_paused(self.consumer, &self.topic, true);
            self.paused = true;
        }
        false
    }

    /// Takes what librdkafka has ready (waiting only for the first record), at most two
    /// chunks per writer, then hands it over chunk by chunk.
    fn poll(&mut self) {
        let mut timeout = if self.backlog.is_empty() && self.retry_reseeks.is_empty() {
            Duration::from_millis(100)
        } else {
            Duration::from_millis(10)
        };
        let mut polled = 0;
        while polled < 2 * CHUNK * self.writers.max(1) {
            match self.consumer.poll(timeout) {
                Some(Ok(message)) => {
                    polled += 1;
                    timeout = Duration::ZERO;
                    self.take(&message);
                }
                Some(Err(e)) => {
                    log_kafka_error(&e, &mut self.last_error);
                    break;
                }
                None => {
                    self.stats.empty_polls += 1;
                    break;
                }
            }
        }
        self.stats.records += polled;
        crate::metrics::global().consumed(polled as u64);
        for (writer, chunk) in self.pending.iter_mut().enumerate() {
            if !chunk.is_empty() {
                let chunk = std::mem::take(chunk);
                hand_over(self.consumer, &mut self.backlog, writer, chunk);
            }
        }
    }

    /// Adds one polled record to its writer's chunk, handing the chunk over when full.
    fn take(&mut self, message: &rdkafka::message::BorrowedMessage<'_>) {
        let partition = message.partition();
        let Some((writer, epoch)) = self.consumer.context().router().route(partition) else {
            return;
        };
        let Some(chunk) = self.pending.get_mut(writer) else {
            return;
        };
        chunk.push(Tagged {
            record: Record {
                partition,
                offset: message.offset(),
                payload: message.payload().unwrap_or_default().to_vec(),
            },
            epoch,
        });
        if chunk.len() >= CHUNK {
            let chunk = std::mem::take(chunk);
            hand_over(self.consumer, &mut self.backlog, writer, chunk);
        }
    }
}

/// What the poll loop did, logged at debug level once a second: whether the writers or
/// Kafka set the pace.
#[derive(Default)]
struct LoopStats {
    since: Option<Instant>,
    records: usize,
    /// Polls that found nothing ready: the writers waited for Kafka.
    empty_polls: u64,
    /// Millisecond waits for a full writer: Kafka's records waited for the writers.
    full_waits: u64,
}

impl LoopStats {
    fn report_every(&mut self, period: Duration) {
        let since = *self.since.get_or_insert_with(Instant::now);
        if since.elapsed() >= period {
            tracing::debug!(
                records = self.records,
                empty_polls = self.empty_polls,
                full_waits = self.full_waits,
                "consumer loop"
            );
            *self = LoopStats {
                since: Some(Instant::now()),
                ..LoopStats::default()
            };
        }
    }
}

/// Sends `chunk` to its writer unless chunks already wait (order is kept) or the
/// writer is full, in which case it waits in the backlog.
fn hand_over(
    consumer: &BaseConsumer<IngestContext>,
    backlog: &mut VecDeque<(usize, Vec<Tagged>)>,
    writer: usize,
    chunk: Vec<Tagged>,
) {
    if !backlog.is_empty() {
        backlog.push_back((writer, chunk));
    } else if let Err(chunk) = try_send(consumer, writer, chunk) {
        backlog.push_back((writer, chunk));
    }
}

fn try_send(
    consumer: &BaseConsumer<IngestContext>,
    writer: usize,
    chunk: Vec<Tagged>,
) -> Result<(), Vec<Tagged>> {
    let router = consumer.context().router();
    let Some(sender) = router.writers.get(writer) else {
        return Ok(());
    };
    match sender.try_send(ToWriter::Records(chunk)) {
        Ok(()) => Ok(()),
        Err(TrySendError::Full(ToWriter::Records(chunk))) => Err(chunk),
        // A writer that has stopped takes nothing more; shutdown is under way.
        Err(_) => Ok(()),
    }
}

fn set_paused(consumer: &BaseConsumer<IngestContext>, topic: &str, pause: bool) {
    let assigned: Vec<i32> = consumer
        .context()
        .router()
        .assigned
        .iter()
        .copied()
        .collect();
    let mut tpl = TopicPartitionList::new();
    for p in assigned {
        tpl.add_partition(topic, p);
    }
    let result = if pause {
        consumer.pause(&tpl)
    } else {
        consumer.resume(&tpl)
    };
    match result {
        Ok(()) => tracing::debug!(pause, "consumption paused or resumed for backpressure"),
        Err(e) => tracing::warn!(pause, error = %e, "pause/resume failed"),
    }
}

/// Seeks a partition to where Postgres says it stands and announces the new epoch;
/// returns the request back if the seek must be tried again (librdkafka refuses a seek
/// while a partition's fetcher is starting or another seek is in progress).
fn apply_reseek(
    consumer: &BaseConsumer<IngestContext>,
    topic: &str,
    reseek: Reseek,
    backlog: &mut VecDeque<(usize, Vec<Tagged>)>,
) -> Option<Reseek> {
    let mut router = consumer.context().router();
    if !router.assigned.contains(&reseek.partition) {
        return None;
    }
    for (_, chunk) in backlog.iter_mut() {
        chunk.retain(|t| t.record.partition != reseek.partition);
    }
    backlog.retain(|(_, chunk)| !chunk.is_empty());
    if let Err(e) = consumer.seek(
        topic,
        reseek.partition,
        Offset::Offset(reseek.next_offset),
        Duration::from_secs(10),
    ) {
        // Announcing a position the consumer is not at would let a writer accept a gap.
        tracing::debug!(partition = reseek.partition, error = %e, "seek refused; retrying");
        return Some(reseek);
    }
    router.announce(reseek.partition, reseek.next_offset);
    tracing::info!(
        partition = reseek.partition,
        next_offset = reseek.next_offset,
        "partition re-positioned from postgres"
    );
    None
}

fn commit_to_kafka(
    consumer: &BaseConsumer<IngestContext>,
    topic: &str,
    committed: &Mutex<BTreeMap<i32, i64>>,
    done: &mut BTreeMap<i32, i64>,
) {
    let latest = committed.lock().map(|m| m.clone()).unwrap_or_default();
    let assigned = consumer.context().router().assigned.clone();
    let mut tpl = TopicPartitionList::new();
    for (p, offset) in latest {
        if assigned.contains(&p)
            && done.get(&p) != Some(&offset)
            && tpl
                .add_partition_offset(topic, p, Offset::Offset(offset))
                .is_ok()
        {
            done.insert(p, offset);
        }
    }
    if tpl.count() > 0
        && let Err(e) = consumer.commit(&tpl, CommitMode::Async)
    {
        tracing::debug!(error = %e, "kafka offset commit failed (lag metrics only)");
    }
}

/// Commits the final positions synchronously, for lag monitoring after shutdown.
pub(crate) fn final_commit(
    consumer: &BaseConsumer<IngestContext>,
    committed: &Mutex<BTreeMap<i32, i64>>,
) {
    let topic = consumer.context().topic.clone();
    let mut done = BTreeMap::new();
    commit_to_kafka(consumer, &topic, committed, &mut done);
}

fn log_kafka_error(e: &KafkaError, last: &mut Option<Instant>) {
    // Broker outages produce a stream of errors while librdkafka reconnects by itself.
    if last.is_none_or(|t| t.elapsed() > Duration::from_secs(5)) {
        tracing::warn!(error = %e, "kafka error (librdkafka keeps reconnecting)");
        *last = Some(Instant::now());
    }
}
