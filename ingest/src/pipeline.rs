//! Wiring: the pool, the consumer thread, the writer tasks, and a graceful stop that
//! commits every in-flight batch.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinHandle;

use crate::batch::Batch;
use crate::catalog::Catalog;
use crate::decode::Limits;
use crate::retry::Backoff;
use crate::source::{self, IngestContext, Loop, Reseek, ToWriter};
use crate::writer::{DayCache, Outcome, Writer};

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
            batch_size: 10_000,
            batch_age: Duration::from_millis(250),
            limits: Limits::default(),
            premake_days: 7,
            catalog_refresh: Duration::from_secs(30),
            metrics_addr: None,
            kafka_properties: Vec::new(),
        }
    }
}

/// Running totals of one ingest, readable while it runs.
#[derive(Debug, Default)]
pub struct Totals {
    offsets: AtomicU64,
    stored: AtomicU64,
    duplicates: AtomicU64,
    dead: Mutex<BTreeMap<&'static str, u64>>,
}

impl Totals {
    fn add(&self, outcome: &Outcome) {
        self.stored.fetch_add(outcome.stored, Ordering::Relaxed);
        self.duplicates
            .fetch_add(outcome.duplicates, Ordering::Relaxed);
        if let Ok(mut dead) = self.dead.lock() {
            for (reason, n) in &outcome.dead {
                *dead.entry(reason).or_default() += n;
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
    pub fn dead_letters(&self) -> BTreeMap<&'static str, u64> {
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
    pub dead_letters: BTreeMap<&'static str, u64>,
    /// From start to stop.
    pub elapsed: Duration,
}

/// Why ingest could not start.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Postgres could not be used.
    #[error("postgres: {0}")]
    Database(String),
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
    consumer_thread: Option<std::thread::JoinHandle<BaseConsumer<IngestContext>>>,
    writers: Vec<JoinHandle<()>>,
    committed: Arc<Mutex<BTreeMap<i32, i64>>>,
    background: Vec<JoinHandle<()>>,
    started: Instant,
}

/// Builds a connection pool of `size` for `database`.
pub fn pool(database: &tokio_postgres::Config, size: usize) -> Result<Pool, IngestError> {
    let manager = Manager::from_config(
        database.clone(),
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .build()
        .map_err(|e| IngestError::Database(e.to_string()))
}

impl Ingest {
    /// Checks the schema, loads the catalog, premakes partitions, then joins the consumer
    /// group and starts the writers.
    pub async fn start(config: IngestConfig) -> Result<Ingest, IngestError> {
        if config.writers == 0 || config.batch_size == 0 {
            return Err(IngestError::Config(
                "writers and batch size must be at least 1".into(),
            ));
        }
        let pool = pool(&config.database, config.writers + 2)?;
        let db = |e: tokio_postgres::Error| IngestError::Database(schema::describe_pg_error(&e));
        {
            let mut client = pool
                .get()
                .await
                .map_err(|e| IngestError::Database(e.to_string()))?;
            schema::Migrator::default().verify(&mut client).await?;
            client
                .query_one(
                    "SELECT tally_premake_partitions($1)",
                    &[&i32::from(config.premake_days)],
                )
                .await
                .map_err(db)?;
        }
        let days = {
            let client = pool
                .get()
                .await
                .map_err(|e| IngestError::Database(e.to_string()))?;
            DayCache::load(&**client).await.map_err(db)?
        };
        let catalog = Catalog::load(&pool)
            .await
            .map_err(|e| IngestError::Database(e.to_string()))?;
        let writer = Writer::new(pool.clone(), &config.topic, days)
            .await
            .map_err(|e| IngestError::Database(e.to_string()))?;

        let stop = Arc::new(AtomicBool::new(false));
        let totals = Arc::new(Totals::default());
        let committed = Arc::new(Mutex::new(BTreeMap::new()));
        let (reseek_tx, reseek_rx) = mpsc::channel();
        let mut senders = Vec::new();
        let mut writers = Vec::new();
        for id in 0..config.writers {
            let (tx, rx) = tokio::sync::mpsc::channel(config.batch_size * 2);
            senders.push(tx);
            let task = WriterTask {
                id,
                writer: writer.clone(),
                catalog: catalog.clone(),
                pool: pool.clone(),
                config: config.clone(),
                reseek: reseek_tx.clone(),
                committed: committed.clone(),
                totals: totals.clone(),
                positions: HashMap::new(),
                rewound_at: HashMap::new(),
                batch: Batch::new(),
            };
            writers.push(tokio::spawn(task.run(rx)));
        }

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
        let consumer = consumer(&config, context)?;
        let state = Loop {
            stop: stop.clone(),
            reseeks: reseek_rx,
            committed: committed.clone(),
        };
        let consumer_thread = std::thread::Builder::new()
            .name("tally-kafka".into())
            .spawn(move || source::poll_loop(consumer, state))
            .map_err(|e| IngestError::Config(format!("cannot start the consumer thread: {e}")))?;

        tracing::info!(topic = %config.topic, group = %config.group, writers = config.writers, "ingest started");
        Ok(Ingest {
            totals,
            stop,
            consumer_thread: Some(consumer_thread),
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

    /// Stops fetching, commits every in-flight batch, and returns the totals.
    pub async fn stop(mut self) -> Summary {
        self.stop.store(true, Ordering::Relaxed);
        let consumer = match self.consumer_thread.take() {
            Some(thread) => tokio::task::spawn_blocking(move || thread.join().ok())
                .await
                .ok()
                .flatten(),
            None => None,
        };
        for w in self.writers.drain(..) {
            let _ = w.await;
        }
        if let Some(consumer) = consumer {
            let committed = self.committed.clone();
            let _ = tokio::task::spawn_blocking(move || {
                source::final_commit(&consumer, &committed);
                consumer.unsubscribe();
                drop(consumer);
            })
            .await;
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
        // Bounds what librdkafka prefetches, so memory stays flat whatever the backlog.
        .set("queued.max.messages.kbytes", "16384")
        .set("fetch.max.bytes", "8388608")
        .set("statistics.interval.ms", "5000");
    for (key, value) in &config.kafka_properties {
        client.set(key, value);
    }
    let consumer: BaseConsumer<IngestContext> =
        client.create_with_context(context).map_err(kafka)?;
    consumer.subscribe(&[&config.topic]).map_err(kafka)?;
    Ok(consumer)
}

struct WriterTask {
    id: usize,
    writer: Writer,
    catalog: Catalog,
    pool: Pool,
    config: IngestConfig,
    reseek: mpsc::Sender<Reseek>,
    committed: Arc<Mutex<BTreeMap<i32, i64>>>,
    totals: Arc<Totals>,
    /// Per partition: the next offset to store and the epoch records must carry.
    positions: HashMap<i32, (i64, u64)>,
    /// Per partition: the offset at which a gap was seen and the partition rewound; a
    /// gap seen again there is genuine (compaction, transaction markers).
    rewound_at: HashMap<i32, i64>,
    batch: Batch,
}

impl WriterTask {
    async fn run(mut self, mut rx: Receiver<ToWriter>) {
        loop {
            let deadline =
                tokio::time::Instant::from_std(self.batch.opened + self.config.batch_age);
            tokio::select! {
                message = rx.recv() => match message {
                    Some(message) => {
                        self.handle(message);
                        if self.batch.len() >= self.config.batch_size {
                            self.flush(false).await;
                        }
                    }
                    None => {
                        self.flush(true).await;
                        tracing::debug!(writer = self.id, "writer finished");
                        return;
                    }
                },
                _ = tokio::time::sleep_until(deadline), if !self.batch.is_empty() => {
                    self.flush(false).await;
                }
            }
        }
    }

    fn handle(&mut self, message: ToWriter) {
        match message {
            ToWriter::Record { record, epoch } => {
                let Some(&(next, current)) = self.positions.get(&record.partition) else {
                    return;
                };
                // Records from before a seek or reassignment, or already stored.
                if epoch != current || record.offset < next {
                    return;
                }
                let expected = self.batch.next_offset(record.partition).unwrap_or(next);
                if record.offset < expected {
                    return;
                }
                if record.offset > expected
                    && self.rewound_at.get(&record.partition) == Some(&expected)
                {
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
                    let _ = self.reseek.send(Reseek {
                        partition: record.partition,
                        next_offset: next,
                    });
                    return;
                }
                self.batch
                    .push(record, next, &self.config.limits, chrono::Utc::now());
            }
            ToWriter::Assigned {
                partition,
                next_offset,
                epoch,
            } => {
                // Whatever is batched of it predates the new position: it will be re-read.
                self.batch.drop_partition(partition);
                self.positions.insert(partition, (next_offset, epoch));
            }
            ToWriter::Revoked { partition } => {
                self.batch.drop_partition(partition);
                self.positions.remove(&partition);
            }
        }
    }

    async fn flush(&mut self, stopping: bool) {
        if self.batch.is_empty() {
            return;
        }
        if self.batch.has_rows() {
            let mut snapshot = self.catalog.snapshot();
            let misses = self.batch.rows.iter().any(|r| {
                snapshot
                    .check(r.event.organization_id.0, r.event.campaign_id.0)
                    .is_err()
            });
            if misses {
                // A campaign created a moment ago must not be dead-lettered.
                match self
                    .catalog
                    .refresh_if_older_than(&self.pool, Duration::from_secs(1))
                    .await
                {
                    Ok(_) => snapshot = self.catalog.snapshot(),
                    Err(e) => {
                        tracing::warn!(error = %e, "catalog refresh failed; using the last one")
                    }
                }
                self.batch
                    .reject_unknown(|org, campaign| snapshot.check(org, campaign));
            }
        }
        crate::metrics::global().unknown_fields(self.batch.unknown_fields);
        self.batch.unknown_fields = 0;

        let mut backoff = Backoff::new();
        loop {
            match self.writer.write(&mut self.batch).await {
                Ok(outcome) => {
                    self.apply(&outcome);
                    return;
                }
                Err(e) => {
                    crate::metrics::global().batch("retried");
                    let wait = backoff.next_delay();
                    if stopping && backoff.attempts() > 8 {
                        tracing::error!(writer = self.id, error = %e, "giving up on the last batch at shutdown: nothing was committed, it will be read again");
                        return;
                    }
                    tracing::warn!(writer = self.id, error = %e, retry_in_ms = wait.as_millis() as u64, "batch failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn apply(&mut self, outcome: &Outcome) {
        self.totals.add(outcome);
        for &(partition, next) in &outcome.committed {
            if let Some(position) = self.positions.get_mut(&partition) {
                let moved = (next - position.0).max(0) as u64;
                self.totals.offsets.fetch_add(moved, Ordering::Relaxed);
                position.0 = next;
            }
        }
        if let Ok(mut committed) = self.committed.lock() {
            committed.extend(outcome.committed.iter().copied());
        }
        for &(partition, next) in &outcome.fenced {
            crate::metrics::global().batch("fenced");
            // Until the consumer has re-positioned it, nothing of it is accepted.
            self.positions.remove(&partition);
            let _ = self.reseek.send(Reseek {
                partition,
                next_offset: next,
            });
        }
    }
}
