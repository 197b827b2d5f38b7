//! Wiring: the pool, the consumer thread, the writer tasks, and a graceful stop that
//! commits every in-flight batch.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use chrono::Utc;
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use schema::DeadLetterReason;
use schema::Pool;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::catalog::Catalog;
use crate::decode::Limits;
use crate::source::{self, IngestContext, Loop, ToWriter};
use crate::writer::{DayCache, Outcome, WriteError, Writer};
use crate::writer_task::{Shared, WriterTask};

/// Everything `tally ingest` can be told.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// Kafka bootstrap servers, `host:port[,host:port]`.
    pub brokers: String,
    /// The topic to consume.
    pub topic: String,
    /// The consumer group; replicas in one group share the partitions.
    pub group: String,
    /// The database.
    pub database: tokio_postgres::Config,
    /// Concurrent writers (each with its own connection and batches).
    pub writers: usize,
    /// COPY statements run at once by all writers together; the others wait their turn.
    pub copy_streams: CopyStreams,
    /// Records per batch before it is flushed.
    pub batch_size: usize,
    /// Age at which a non-empty batch is flushed anyway.
    pub batch_age: Duration,
    /// What a record must respect.
    pub limits: Limits,
    /// Day partitions created ahead at start, from today.
    pub premake_days: u16,
    /// How often the organization/campaign catalog is refreshed.
    pub catalog_refresh: Duration,
    /// Where to serve `/metrics` and `/healthz`; none to not serve them.
    pub metrics_addr: Option<SocketAddr>,
    /// Extra librdkafka properties (security, tuning), applied last.
    pub kafka_properties: Vec<(String, String)>,
    /// The longest a stop may take. Batches still not committed by then (Postgres
    /// down, say) are given up: nothing of them was committed, and the next start
    /// reads them again from the positions stored in Postgres.
    pub shutdown_timeout: Duration,
    /// A stable identity of this replica in the consumer group (Kafka's static
    /// membership, `group.instance.id`): a replica restarted under the same identity
    /// within the session timeout gets its partitions back without a rebalance.
    pub instance_id: Option<String>,
}

impl IngestConfig {
    /// A configuration with the defaults for everything but where to read and write.
    pub fn new(brokers: &str, topic: &str, group: &str, database: tokio_postgres::Config) -> Self {
        IngestConfig {
            brokers: brokers.to_owned(),
            topic: topic.to_owned(),
            group: group.to_owned(),
            database,
            writers: 2,
            copy_streams: CopyStreams::All,
            batch_size: 20_000,
            batch_age: Duration::from_millis(250),
            limits: Limits::default(),
            premake_days: 7,
            catalog_refresh: Duration::from_secs(30),
            metrics_addr: None,
            kafka_properties: Vec::new(),
            shutdown_timeout: Duration::from_secs(30),
            instance_id: None,
        }
    }
}

/// How many COPY statements the writers of one process run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyStreams {
    /// One per writer: each copies as soon as its batch is ready.
    All,
    /// At most this many; the writers take turns, for a machine whose cores Postgres
    /// shares with other busy processes.
    AtMost(u16),
}

impl CopyStreams {
    /// The COPY statements `writers` writers may run at once.
    pub fn streams(self, writers: usize) -> usize {
        match self {
            CopyStreams::All => writers,
            CopyStreams::AtMost(n) => usize::from(n).min(writers),
        }
    }
}

/// Running totals of one ingest, readable while it runs.
#[derive(Debug, Default)]
pub struct Totals {
    pub(crate) offsets: AtomicU64,
    stored: AtomicU64,
    duplicates: AtomicU64,
    dead: Mutex<BTreeMap<DeadLetterReason, u64>>,
}

impl Totals {
    pub(crate) fn add(&self, outcome: &Outcome) {
        self.stored.fetch_add(outcome.stored, Ordering::Relaxed);
        self.duplicates
            .fetch_add(outcome.duplicates, Ordering::Relaxed);
        if let Ok(mut dead) = self.dead.lock() {
            for (reason, n) in &outcome.dead {
                *dead.entry(*reason).or_default() += n;
            }
        }
    }

    /// Kafka offsets committed so far across partitions (records handled plus offsets
    /// found missing from Kafka): equals the records produced once all are read.
    pub fn offsets(&self) -> u64 {
        self.offsets.load(Ordering::Relaxed)
    }

    /// Events stored so far.
    pub fn stored(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }

    /// Duplicates dropped so far.
    pub fn duplicates(&self) -> u64 {
        self.duplicates.load(Ordering::Relaxed)
    }

    /// Dead letters so far, by reason.
    pub fn dead_letters(&self) -> BTreeMap<DeadLetterReason, u64> {
        self.dead.lock().map(|d| d.clone()).unwrap_or_default()
    }

    /// Records committed so far, whatever became of them.
    pub fn handled(&self) -> u64 {
        self.stored() + self.duplicates() + self.dead_letters().values().sum::<u64>()
    }
}

/// What an ingest did, from start to stop.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Events stored.
    pub stored: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Dead letters by reason.
    pub dead_letters: BTreeMap<DeadLetterReason, u64>,
    /// From start to stop.
    pub elapsed: Duration,
}

/// Why ingest could not start.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Postgres failed.
    #[error("postgres: {}", schema::describe_pg_error(.0))]
    Database(#[from] tokio_postgres::Error),
    /// No connection could be had from the pool.
    #[error("no postgres connection: {0}; check that the database is reachable")]
    Pool(#[from] schema::PoolError),
    /// The day partitions could not be listed.
    #[error(transparent)]
    Partitions(#[from] schema::PartitionListError),
    /// The organizations and campaigns could not be loaded.
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    /// The database schema is not what this build expects.
    #[error("{0}; run `tally migrate` first")]
    Schema(#[from] schema::MigrateError),
    /// Kafka could not be used.
    #[error("kafka ({brokers}): {source}")]
    Kafka {
        /// The brokers named.
        brokers: String,
        /// The client error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// The configuration is unusable.
    #[error("{0}")]
    Config(String),
}

/// A running ingest.
pub struct Ingest {
    totals: Arc<Totals>,
    stop: Arc<AtomicBool>,
    /// Tells the batches still being written at the end of a stop to give up.
    give_up: watch::Sender<bool>,
    shutdown_timeout: Duration,
    /// The consumer, handed back by its thread once it has stopped polling.
    consumer: Option<oneshot::Receiver<BaseConsumer<IngestContext>>>,
    writers: Vec<JoinHandle<()>>,
    committed: Arc<Mutex<BTreeMap<i32, i64>>>,
    background: Vec<JoinHandle<()>>,
    started: Instant,
}

impl Ingest {
    /// Checks the schema, loads the catalog, premakes partitions, then joins the consumer
    /// group and starts the writers.
    pub async fn start(config: IngestConfig) -> Result<Ingest, IngestError> {
        if config.writers == 0
            || config.batch_size == 0
            || config.copy_streams == CopyStreams::AtMost(0)
        {
            return Err(IngestError::Config(
                "writers, COPY streams and batch size must be at least 1".into(),
            ));
        }
        let pool = schema::pool(&config.database, config.writers + 2)
            .map_err(|e| IngestError::Config(format!("cannot make a connection pool: {e}")))?;
        let (writer, catalog) = prepare(&config, &pool).await?;

        let stop = Arc::new(AtomicBool::new(false));
        let totals = Arc::new(Totals::default());
        let committed = Arc::new(Mutex::new(BTreeMap::new()));
        let (reseek_tx, reseek_rx) = mpsc::channel();
        let (give_up, give_up_rx) = watch::channel(false);
        let shared = Shared {
            give_up: give_up_rx,
            writer,
            catalog: catalog.clone(),
            pool: pool.clone(),
            config: config.clone(),
            reseek: reseek_tx,
            committed: committed.clone(),
            totals: totals.clone(),
        };
        let (senders, writers) = spawn_writers(&config, &shared);

        // Background tasks are aborted by `stop`.
        let mut background = vec![catalog.spawn_refresher(
            pool.clone(),
            config.catalog_refresh,
            std::future::pending(),
        )];
        if let Some(addr) = config.metrics_addr {
            background.push(crate::http::serve(addr).await.map_err(|e| {
                IngestError::Config(format!("cannot serve metrics on {addr}: {e}"))
            })?);
        }

        let context = IngestContext::new(
            &config.topic,
            pool.clone(),
            tokio::runtime::Handle::current(),
            senders,
            stop.clone(),
        );
        let state = Loop {
            stop: stop.clone(),
            reseeks: reseek_rx,
            committed: committed.clone(),
        };
        let consumer = start_consumer(consumer(&config, context)?, state)?;

        tracing::info!(topic = %config.topic, group = %config.group, writers = config.writers, "ingest started");
        Ok(Ingest {
            totals,
            stop,
            give_up,
            shutdown_timeout: config.shutdown_timeout,
            consumer: Some(consumer),
            writers,
            committed,
            background,
            started: Instant::now(),
        })
    }

    /// Live totals, for progress reporting.
    pub fn totals(&self) -> Arc<Totals> {
        self.totals.clone()
    }

    /// Stops fetching, commits every in-flight batch, and returns the totals, within
    /// `shutdown_timeout` whatever Postgres and Kafka do: what Postgres has not
    /// committed by then is given up (the next start reads it again), and Kafka's
    /// final commit and the group's leave are abandoned if the brokers do not answer
    /// (Postgres holds the positions; Kafka's serve lag monitoring only).
    pub async fn stop(mut self) -> Summary {
        let started = tokio::time::Instant::now();
        let deadline = started + self.shutdown_timeout;
        // Kafka's share of the time, after the last batches.
        let kafka_share = (self.shutdown_timeout / 3).min(Duration::from_secs(5));
        self.stop.store(true, Ordering::Relaxed);

        let mut consumer_rx = self.consumer.take();
        let mut consumer = None;
        let mut writers = std::mem::take(&mut self.writers);
        let drained = tokio::time::timeout_at(
            deadline - kafka_share,
            drain(&mut consumer_rx, &mut consumer, &mut writers),
        )
        .await
        .is_ok();
        if !drained {
            tracing::warn!(
                timeout_s = self.shutdown_timeout.as_secs_f64(),
                "batches not committed by the shutdown timeout are given up; they will be read again"
            );
            let _ = self.give_up.send(true);
            // Given up, the writers finish at once; the grace is for the consumer
            // thread, which checks for the stop between polls.
            let grace = deadline - kafka_share / 2;
            if tokio::time::timeout_at(grace, drain(&mut consumer_rx, &mut consumer, &mut writers))
                .await
                .is_err()
            {
                tracing::warn!("writers still busy at the shutdown timeout: abandoned");
                for w in &writers {
                    w.abort();
                }
            }
        }
        match consumer {
            Some(consumer) => close_kafka(consumer, self.committed.clone(), deadline).await,
            None => tracing::warn!("the kafka consumer did not stop in time: abandoned"),
        }
        for task in self.background.drain(..) {
            task.abort();
        }
        let summary = Summary {
            stored: self.totals.stored(),
            duplicates: self.totals.duplicates(),
            dead_letters: self.totals.dead_letters(),
            elapsed: self.started.elapsed(),
        };
        tracing::info!(
            stored = summary.stored,
            duplicates = summary.duplicates,
            dead_letters = summary.dead_letters.values().sum::<u64>(),
            elapsed_ms = summary.elapsed.as_millis() as u64,
            "ingest stopped"
        );
        summary
    }
}

/// Checks the schema, premakes the coming days' partitions, and loads what the writers
/// need: the partitions that exist, the catalog, the event type's oid.
async fn prepare(config: &IngestConfig, pool: &Pool) -> Result<(Writer, Catalog), IngestError> {
    let days = {
        let mut client = pool.get().await?;
        schema::Migrator::default().verify(&mut client).await?;
        schema::premake_partitions(&**client, Utc::now().date_naive(), config.premake_days).await?;
        DayCache::load(&**client).await?
    };
    let catalog = Catalog::load(pool).await?;
    let copy_streams = config.copy_streams.streams(config.writers);
    let writer = Writer::new(pool.clone(), &config.topic, days, copy_streams)
        .await
        .map_err(|e| match e {
            WriteError::Db(e) => IngestError::Database(e),
            WriteError::Pool(e) => IngestError::Pool(e),
        })?;
    Ok((writer, catalog))
}

/// Starts the writer tasks; returns their queues and handles.
fn spawn_writers(
    config: &IngestConfig,
    shared: &Shared,
) -> (
    Vec<tokio::sync::mpsc::Sender<ToWriter>>,
    Vec<JoinHandle<()>>,
) {
    let mut senders = Vec::new();
    let mut writers = Vec::new();
    for id in 0..config.writers {
        // A batch's worth of records queues per writer, in chunks: enough to fill the
        // next batch while one is written, and no more, since what queues is memory.
        let chunks = config.batch_size.div_ceil(source::CHUNK).max(2);
        let (tx, rx) = tokio::sync::mpsc::channel(chunks);
        senders.push(tx);
        let task = WriterTask::new(id, shared.clone());
        writers.push(tokio::spawn(task.run(rx)));
    }
    (senders, writers)
}

/// Runs the poll loop on a thread of its own (librdkafka's calls block, and the
/// rebalance callback blocks on Postgres); the consumer comes back through the channel
/// once the loop stops.
fn start_consumer(
    consumer: BaseConsumer<IngestContext>,
    state: Loop,
) -> Result<oneshot::Receiver<BaseConsumer<IngestContext>>, IngestError> {
    let (consumer_tx, consumer_rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("tally-kafka".into())
        .spawn(move || {
            let _ = consumer_tx.send(source::poll_loop(consumer, state));
        })
        .map_err(|e| IngestError::Config(format!("cannot start the consumer thread: {e}")))?;
    Ok(consumer_rx)
}

/// Commits the final positions to Kafka and leaves the group, waiting until
/// `deadline` (at least a second) for the brokers to answer. A thread of its own, not
/// the runtime's blocking pool: the runtime waits for its blocking tasks when it shuts
/// down, and a broker that does not answer would hold the process.
async fn close_kafka(
    consumer: BaseConsumer<IngestContext>,
    committed: Arc<Mutex<BTreeMap<i32, i64>>>,
    deadline: tokio::time::Instant,
) {
    let (done_tx, done_rx) = oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("tally-kafka-close".into())
        .spawn(move || {
            source::final_commit(&consumer, &committed);
            consumer.unsubscribe();
            drop(consumer);
            let _ = done_tx.send(());
        });
    let until = deadline.max(tokio::time::Instant::now() + Duration::from_secs(1));
    if spawned.is_err() || tokio::time::timeout_at(until, done_rx).await.is_err() {
        tracing::warn!(
            "kafka did not confirm the final offset commit and the group leave in time: \
             its committed offsets (lag monitoring only) may trail Postgres until the next start"
        );
    }
}

/// Waits for the consumer thread to hand the consumer back (it closes the writers'
/// queues as it stops), then for every writer to finish its last batch.
async fn drain(
    consumer_rx: &mut Option<oneshot::Receiver<BaseConsumer<IngestContext>>>,
    consumer: &mut Option<BaseConsumer<IngestContext>>,
    writers: &mut Vec<JoinHandle<()>>,
) {
    if let Some(rx) = consumer_rx {
        *consumer = rx.await.ok();
        *consumer_rx = None;
    }
    while let Some(w) = writers.last_mut() {
        let _ = w.await;
        writers.pop();
    }
}

/// Runs an ingest until `shutdown` resolves, then stops it gracefully.
pub async fn run(
    config: IngestConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<Summary, IngestError> {
    let ingest = Ingest::start(config).await?;
    shutdown.await;
    Ok(ingest.stop().await)
}

fn consumer(
    config: &IngestConfig,
    context: IngestContext,
) -> Result<BaseConsumer<IngestContext>, IngestError> {
    let kafka = |source| IngestError::Kafka {
        brokers: config.brokers.clone(),
        source,
    };
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", &config.brokers)
        .set("group.id", &config.group)
        // Positions live in Postgres; Kafka's commits are for lag monitoring only.
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // The rebalance handler assigns whole sets: the eager protocol.
        .set("partition.assignment.strategy", "range")
        // Bounds what librdkafka prefetches (the one queue of the group consumer, whatever
        // the partitions), so memory stays flat whatever the backlog.
        .set("queued.max.messages.kbytes", "16384")
        // Once that queue is full, fetching waits this long before trying again; the
        // default (1 s) left the writers idle for most of each second in a backlog.
        .set("fetch.queue.backoff.ms", "10")
        .set("fetch.max.bytes", "8388608")
        .set("statistics.interval.ms", "5000")
        // A replica that dies is noticed within 6 s, the least Kafka brokers accept by
        // default (group.min.session.timeout.ms): with librdkafka's 45 s, a rebalance
        // waits that long for every killed member, and a group whose replicas restart
        // every few seconds never finishes one. Heartbeats come from librdkafka's own
        // thread every second, whatever the consumer thread is doing, so a live replica
        // is not taken for dead.
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1000");
    if let Some(instance) = &config.instance_id {
        client.set("group.instance.id", instance);
    }
    for (key, value) in &config.kafka_properties {
        client.set(key, value);
    }
    let consumer: BaseConsumer<IngestContext> =
        client.create_with_context(context).map_err(kafka)?;
    consumer.subscribe(&[&config.topic]).map_err(kafka)?;
    Ok(consumer)
}
