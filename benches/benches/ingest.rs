//! End-to-end ingest benchmark against its baselines, for one or several stream shapes,
//! each in the same run on one throwaway cluster, with the same rows, the same table and
//! the same indexes:
//!
//! - raw binary COPY of the shape's distinct rows in one stream (decoded beforehand);
//! - multi-row INSERT of all its records, 1,000 rows per statement, with
//!   `ON CONFLICT DO NOTHING` when the shape has retries (rows stored once, as tally must);
//! - the real `tally ingest` binary (release build), draining the records from the
//!   in-process Kafka cluster of this process.
//!
//! Run: `cargo build --release -p tally && cargo bench -p benches --bench ingest`;
//! every shape at reduced size:
//! `TALLY_BENCH_SHAPES=matrix TALLY_BENCH_EVENTS=500000 cargo bench -p benches --bench ingest`
//!
//! A stream shape (the `shapes` module) is its event ids, `TALLY_BENCH_IDS=v4|v7` (v7);
//! its share of exact producer retries in percent, `TALLY_BENCH_DUPLICATES` (0); its Kafka
//! partitions, `TALLY_BENCH_PARTITIONS` (128, or 8 live); and its order,
//! `TALLY_BENCH_ORDER=live|backlog|shuffled` (backlog; `TALLY_BENCH_LIVE=1` still means
//! live). `TALLY_BENCH_SHAPES=matrix` runs a set of named shapes instead (or a comma list
//! of names such as `v4-1-4-live,v7-0-128-backlog`) and ends with one Markdown table. The
//! defaults are the benchmark's first shape (v7-0-128-backlog, 5,000,000 events) and
//! reproduce its figures; `TALLY_BENCH_ORDER=live TALLY_BENCH_COMPRESSION=none` is its
//! former live mode.
//!
//! Other knobs: `TALLY_BENCH_EVENTS` (records per shape, retries included; 5,000,000),
//! `TALLY_BENCH_WRITERS` (2), `TALLY_BENCH_COMPRESSION` (the producer's, lz4),
//! `TALLY_BENCH_PK=id_first` (the events' primary key as `(event_id, occurred_at)`, as
//! before migration 0024, instead of `(occurred_at, event_id)`; the ingest still sorts
//! its batches by time), `TALLY_BENCH_HELD` (records per partition the mock
//! broker holds ahead of the ingest's committed offsets: 40,000 lz4, 6,000
//! uncompressed), `TALLY_BENCH_LOG` (the ingest's log filter), `TALLY_BENCH_PG_SETTINGS`
//! (server settings for the cluster, e.g. `shared_buffers=1GB`; the test defaults
//! otherwise, shared_buffers 128 MB). The mock broker keeps ~5 MB per partition: a backlog larger
//! than it holds is produced as far as it fits before the clock starts (checked to be
//! all retained) and the rest while the ingest drains, held to the same window.
//!
//! Per shape it prints events/s (distinct events), the ratios, CPU per event by process
//! (tally, this cluster's PostgreSQL, the mock broker's thread, the rest of this process
//! such as a producer, other processes), the machine's idle share over the drain, the
//! ingest's peak RSS, and its rate after the first commit: the mock broker answers an
//! empty fetch only after the full `fetch.wait.max.ms`, which delays a live stream's
//! start by about 0.5 s. Absolute times drift on shared machines, the ratios much less.

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// In a folder of its own: a file beside this one would be taken for a bench target.
#[path = "ingest/shapes.rs"]
mod shapes;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use benches::{
    cluster_ticks, connect, idle_share, knob, machine_ticks, migrated_database, process_ticks,
    thread_ticks,
};
use chrono::{Days, NaiveDate, Utc};
use futures::pin_mut;
use ingest::{Limits, decode};
use localpg::{Cluster, ClusterOptions};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use schema::Event;
use shapes::{Order, Shape};
use simulate::{EmbeddedKafka, Expect, Record, SimulationPlan};
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Json, ToSql, Type};

const TOPIC: &str = "bench-events";
/// The database every shape's databases are copied from: migrated, its day partitions
/// premade and its tenants seeded once.
const TEMPLATE: &str = "bench_template";
/// How long the ingest may commit nothing before the benchmark gives up on it.
const STALL: Duration = Duration::from_secs(120);

/// What every shape of a run shares.
struct Run {
    events: u64,
    writers: u64,
    tally: PathBuf,
    compression: String,
    /// Records per partition the mock broker holds ahead of the committed offsets.
    held: u64,
    /// Tenants, campaigns and contacts of every shape.
    plan: SimulationPlan,
    /// First of the 7 days every shape's events lie in.
    first_day: NaiveDate,
}

/// The throwaway cluster's settings: the test defaults, plus `TALLY_BENCH_PG_SETTINGS`
/// (`name=value` pairs separated by commas, e.g. `shared_buffers=1GB`), printed when set.
fn cluster_options() -> ClusterOptions {
    let mut options = ClusterOptions::default();
    let Ok(text) = std::env::var("TALLY_BENCH_PG_SETTINGS") else {
        return options;
    };
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = pair.split_once('=') else {
            panic!("TALLY_BENCH_PG_SETTINGS: {pair:?} is not name=value (e.g. shared_buffers=1GB)");
        };
        options
            .settings
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    eprintln!("PostgreSQL settings beyond the test defaults: {text}");
    options
}

/// CPU per stored event (µs) by process over an interval, and the machine's idle share.
#[derive(Clone, Copy)]
struct CpuUse {
    tally: f64,
    postgres: f64,
    /// The mock broker's thread.
    broker: f64,
    /// The rest of this process: the client of a baseline, or the producer.
    bench: f64,
    /// Everything else the machine ran (other tenants of a shared host).
    other: f64,
    idle_share: f64,
}

/// What [`drain`] measured.
struct Drained {
    took: Duration,
    /// From the ingest's start to its first committed offsets.
    first_commit: Duration,
    /// Records committed after the first commit, per second: the rate without the
    /// start-up, which weighs more the shorter the run.
    after_first: f64,
    /// Records produced while the ingest drained (the rest were in Kafka before).
    produced_during: u64,
    cpu: Option<CpuUse>,
    rss_kib: Option<u64>,
}

/// One shape's figures.
struct Figures {
    shape: Shape,
    records: u64,
    distinct: u64,
    drained: Drained,
    copy: f64,
    insert: f64,
    ingest: f64,
    copy_cpu: Option<CpuUse>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let shapes: Vec<Shape> = match std::env::var("TALLY_BENCH_SHAPES") {
        Ok(list) if list == "matrix" => shapes::MATRIX
            .iter()
            .map(|name| Shape::parse(name).unwrap())
            .collect(),
        Ok(list) => list
            .split(',')
            .map(|name| Shape::parse(name).unwrap_or_else(|e| panic!("TALLY_BENCH_SHAPES: {e}")))
            .collect(),
        Err(_) => vec![Shape::from_knobs().unwrap_or_else(|e| panic!("{e}"))],
    };
    let compression = std::env::var("TALLY_BENCH_COMPRESSION").unwrap_or_else(|_| "lz4".into());
    let held_default = if compression == "none" { 6_000 } else { 40_000 };
    let tally = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/tally");
    assert!(
        tally.is_file(),
        "build the binary first: cargo build --release -p tally ({} is missing)",
        tally.display()
    );
    let first_day = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(6))
        .unwrap();
    let mut plan = SimulationPlan::new(first_day, 7, 0);
    plan.organizations = 3;
    plan.campaigns_per_organization = 4;
    plan.contacts_per_organization = 50_000;
    let run = Run {
        events: knob("TALLY_BENCH_EVENTS", 5_000_000),
        writers: knob("TALLY_BENCH_WRITERS", 2),
        tally,
        held: knob("TALLY_BENCH_HELD", held_default),
        compression,
        plan,
        first_day,
    };

    let options = cluster_options();
    let cluster = tokio::task::spawn_blocking(move || Cluster::start(&options))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");
    eprintln!("seeding the template database...");
    let template = migrated_database(&cluster, TEMPLATE).await;
    template
        .query_one(
            "SELECT tally_premake_partitions($1, $2)",
            &[&8i32, &run.first_day],
        )
        .await
        .unwrap();
    simulate::seed_database(&template, &run.plan).await.unwrap();
    if std::env::var("TALLY_BENCH_PK").as_deref() == Ok("id_first") {
        // The primary key with the id first, as before migration 0024, to measure what
        // the order of its columns costs (docs/performance.md, "The primary key's order").
        template
            .batch_execute(
                "ALTER TABLE events DROP CONSTRAINT events_pkey;
                 ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (event_id, occurred_at);",
            )
            .await
            .unwrap();
    }
    drop(template);

    let mut all = Vec::new();
    for (i, shape) in shapes.iter().enumerate() {
        eprintln!("\nshape {} ({} of {})", shape.name(), i + 1, shapes.len());
        let figures = run_shape(&run, &cluster, i, shape).await;
        print_shape(&figures, &cluster);
        all.push(figures);
    }
    if all.len() > 1 {
        print_table(&run, &all);
    }
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}

/// Builds the shape's records, measures both baselines on them, then the ingest.
async fn run_shape(run: &Run, cluster: &Cluster, index: usize, shape: &Shape) -> Figures {
    // Made before any clock runs: the producers of a real deployment run elsewhere.
    eprintln!("simulating {} records...", run.events);
    let stream = shapes::build(shape, &run.plan, run.first_day, run.events);
    let records = stream.records.len() as u64;
    eprintln!("decoding them for the baselines...");
    let now = Utc::now();
    let limits = Limits::default();
    let rows: Vec<(bool, Event)> = stream
        .records
        .iter()
        .map(|r| {
            let retry = matches!(r.expect, Expect::Duplicate { .. });
            (retry, decode(&r.payload, &limits, now).unwrap().event)
        })
        .collect();

    eprintln!("raw binary COPY of the distinct rows, one stream...");
    let copy_name = format!("bench_copy_{index}");
    let copy_db = database(cluster, &copy_name).await;
    let before = Sample::take(cluster, None);
    let t = Instant::now();
    copy_rows(
        &copy_db,
        rows.iter().filter(|(retry, _)| !retry).map(|(_, e)| e),
    )
    .await;
    let copy_took = t.elapsed();
    let copy_cpu = Sample::take(cluster, None).since(&before, stream.distinct);
    check_stored(&copy_db, stream.distinct, "the raw COPY").await;
    drop(copy_db);
    drop_database(cluster, &copy_name).await;

    let on_conflict = shape.duplicates > 0;
    eprintln!(
        "multi-row INSERT of every record, 1,000 rows per statement{}...",
        if on_conflict {
            ", ON CONFLICT DO NOTHING"
        } else {
            ""
        }
    );
    let insert_name = format!("bench_insert_{index}");
    let insert_db = database(cluster, &insert_name).await;
    let t = Instant::now();
    insert_rows(&insert_db, &rows, on_conflict).await;
    let insert_took = t.elapsed();
    check_stored(&insert_db, stream.distinct, "the INSERT").await;
    drop(insert_db);
    drop_database(cluster, &insert_name).await;
    drop(rows);

    eprintln!("tally ingest, end to end from Kafka...");
    let ingest_name = format!("bench_ingest_{index}");
    let ingest_db = database(cluster, &ingest_name).await;
    let drained = drain(
        run,
        cluster,
        &ingest_name,
        shape,
        stream.records,
        stream.distinct,
    )
    .await;
    check_stored(&ingest_db, stream.distinct, "the ingest").await;
    drop(ingest_db);
    drop_database(cluster, &ingest_name).await;

    Figures {
        shape: *shape,
        records,
        distinct: stream.distinct,
        copy: rate(stream.distinct, copy_took),
        insert: rate(stream.distinct, insert_took),
        ingest: rate(stream.distinct, drained.took),
        drained,
        copy_cpu,
    }
}

/// Runs `tally ingest` on `records` through a fresh mock Kafka and times it from its
/// start to the last offset committed in Postgres: the time, the records produced while
/// it ran, its CPU figures per distinct event and its peak RSS.
async fn drain(
    run: &Run,
    cluster: &Cluster,
    db: &str,
    shape: &Shape,
    mut records: Vec<Record>,
    distinct: u64,
) -> Drained {
    let total = records.len() as u64;
    let kafka = EmbeddedKafka::start(1).unwrap();
    kafka.create_topic(TOPIC, shape.partitions).unwrap();
    let brokers = kafka.bootstrap_servers();
    let window = shape.partitions as u64 * run.held;
    // A backlog is in Kafka before the clock starts, as far as the broker holds it.
    let before_clock = match shape.order {
        Order::Live => 0,
        Order::Backlog | Order::Shuffled => total.min(window),
    };
    let rest = records.split_off(before_clock as usize);
    if before_clock > 0 {
        eprintln!(
            "producing {before_clock} records to {} partitions, {}...",
            shape.partitions, run.compression
        );
        simulate::produce_compressed(
            &brokers,
            TOPIC,
            &run.compression,
            records.into_iter(),
            |_| {},
        )
        .await
        .unwrap();
        check_retained(&brokers, shape.partitions, before_clock).await;
    }
    let produced_during = rest.len() as u64;
    if produced_during > 0 {
        eprintln!(
            "{produced_during} records will be produced while the ingest drains, {} per partition ahead",
            run.held
        );
    }

    let committed = Arc::new(AtomicU64::new(0));
    let watcher = {
        let committed = committed.clone();
        let client = connect(cluster, db).await;
        tokio::spawn(async move {
            loop {
                let n: i64 = client
                    .query_one(
                        "SELECT coalesce(sum(next_offset), 0)::bigint FROM ingest_offsets",
                        &[],
                    )
                    .await
                    .unwrap()
                    .get(0);
                committed.store(n as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut child = spawn_ingest(run, cluster, db, &brokers);
    let t = Instant::now();
    let before = Sample::take(cluster, Some(child.id()));
    let producer = (produced_during > 0).then(|| {
        let watched = committed.clone();
        // Held to `window` records ahead of what is committed: the broker's retention.
        let rest = simulate::throttled(rest.into_iter(), window, move || {
            watched.load(Ordering::Relaxed).saturating_sub(before_clock)
        });
        let (brokers, compression) = (brokers.clone(), run.compression.clone());
        tokio::spawn(async move {
            simulate::produce_compressed(&brokers, TOPIC, &compression, rest, |_| {}).await
        })
    });
    let (first_commit, first_records) = wait_for(&committed, total, &mut child, t).await;
    let took = t.elapsed();
    // In distinct events, as every other rate.
    let after_first = rate(total - first_records, took.saturating_sub(first_commit))
        * distinct as f64
        / total as f64;
    let cpu = Sample::take(cluster, Some(child.id())).since(&before, distinct);
    let rss = peak_rss_kib(child.id());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    watcher.abort();
    if let Some(producer) = producer {
        producer.await.unwrap().unwrap();
    }
    Drained {
        took,
        first_commit,
        after_first,
        produced_during,
        cpu,
        rss_kib: rss,
    }
}

fn spawn_ingest(run: &Run, cluster: &Cluster, db: &str, brokers: &str) -> Child {
    Command::new(&run.tally)
        .args(["ingest", "--brokers", brokers, "--topic", TOPIC])
        .args([
            "--group",
            "bench",
            "--metrics-addr",
            "off",
            "--writers",
            &run.writers.to_string(),
        ])
        .env("DATABASE_URL", cluster.connection_string(db))
        // TALLY_BENCH_LOG=ingest::writer=debug shows where each batch's time goes.
        .env(
            "TALLY_LOG",
            std::env::var("TALLY_BENCH_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .spawn()
        .expect("tally ingest starts")
}

/// Waits until `total` offsets are committed and returns when the first were, from
/// `started` (the ingest's start-up: connections, group join, first batch), and how
/// many; fails if the ingest exits or stalls.
async fn wait_for(
    committed: &AtomicU64,
    total: u64,
    child: &mut Child,
    started: Instant,
) -> (Duration, u64) {
    let mut first = None;
    let mut last = (0, Instant::now());
    loop {
        let n = committed.load(Ordering::Relaxed);
        if n > 0 && first.is_none() {
            first = Some((started.elapsed(), n));
        }
        if n >= total {
            return first.unwrap_or_default();
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("tally ingest exited ({status}) with {n} of {total} records committed");
        }
        if n != last.0 {
            last = (n, Instant::now());
        } else if last.1.elapsed() > STALL {
            panic!(
                "tally ingest committed nothing for {STALL:?}, at {n} of {total} records: \
                 TALLY_BENCH_LOG=info shows why"
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A fresh database `name`, a copy of the template.
async fn database(cluster: &Cluster, name: &str) -> Client {
    let admin = connect(cluster, "postgres").await;
    let create = format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}");
    // The template's last session may still be closing.
    let mut attempts = 0;
    while let Err(e) = admin.batch_execute(&create).await {
        attempts += 1;
        assert!(
            attempts < 100 && e.to_string().contains("being accessed by other users"),
            "creating database {name} from {TEMPLATE}: {e}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    connect(cluster, name).await
}

/// Drops a shape's database: the next shapes need the disk, not its rows.
async fn drop_database(cluster: &Cluster, name: &str) {
    connect(cluster, "postgres")
        .await
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}

async fn check_stored(client: &Client, distinct: u64, what: &str) {
    let stored: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        stored as u64, distinct,
        "{what} must store every distinct event once (if the ingest lost some, the mock \
         broker may have dropped them past its ~5 MB a partition: lower TALLY_BENCH_HELD)"
    );
}

async fn event_type(client: &Client) -> Type {
    client
        .prepare("SELECT NULL::event_type")
        .await
        .unwrap()
        .columns()[0]
        .type_()
        .clone()
}

async fn copy_rows(client: &Client, rows: impl Iterator<Item = &Event>) {
    // Before the COPY starts: the connection accepts nothing else during it.
    let types = Event::copy_types(event_type(client).await);
    let sink = client.copy_in(&Event::copy_in("events")).await.unwrap();
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    for e in rows {
        let data = Json(&*e.event_data);
        writer.as_mut().write(&e.copy_params(&data)).await.unwrap();
    }
    writer.finish().await.unwrap();
}

/// `INSERT INTO events (...) VALUES ($1, ..., $8), ...` for `rows` rows, skipping rows
/// already stored when `on_conflict`.
fn insert_statement(rows: usize, on_conflict: bool) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let p: Vec<String> = (1..=8).map(|c| format!("${}", i * 8 + c)).collect();
            format!("({})", p.join(","))
        })
        .collect();
    format!(
        "INSERT INTO events ({}) VALUES {}{}",
        schema::EVENT_COLUMNS,
        values.join(","),
        if on_conflict {
            " ON CONFLICT DO NOTHING"
        } else {
            ""
        }
    )
}

async fn insert_rows(client: &Client, rows: &[(bool, Event)], on_conflict: bool) {
    let full = client
        .prepare(&insert_statement(1000, on_conflict))
        .await
        .unwrap();
    for chunk in rows.chunks(1000) {
        let data: Vec<Json<&serde_json::value::RawValue>> =
            chunk.iter().map(|(_, e)| Json(&*e.event_data)).collect();
        let params: Vec<&(dyn ToSql + Sync)> = chunk
            .iter()
            .zip(&data)
            .flat_map(|((_, e), d)| e.copy_params(d))
            .collect();
        if chunk.len() == 1000 {
            client.execute(&full, &params).await.unwrap();
        } else {
            client
                .execute(insert_statement(chunk.len(), on_conflict).as_str(), &params)
                .await
                .unwrap();
        }
    }
}

fn rate(n: u64, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Fails unless every record produced is still in the topic: the mock broker drops a
/// partition's oldest records past ~5 MB.
async fn check_retained(brokers: &str, partitions: i32, events: u64) {
    let brokers = brokers.to_owned();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .unwrap();
        let mut held = 0;
        for p in 0..partitions {
            let (low, high) = consumer
                .fetch_watermarks(TOPIC, p, Duration::from_secs(10))
                .unwrap();
            assert_eq!(
                low, 0,
                "partition {p} lost its oldest records to the mock broker's retention: \
                 lower TALLY_BENCH_HELD or raise TALLY_BENCH_PARTITIONS"
            );
            held += high as u64;
        }
        assert_eq!(held, events, "records in the topic");
    })
    .await
    .unwrap();
}

/// CPU clock ticks (USER_HZ, 100 on every Linux this runs on) of the machine and of each
/// process of a measurement, from /proc; None where /proc cannot tell.
struct Sample {
    machine: Option<(u64, u64)>,
    bench: Option<u64>,
    broker: Option<u64>,
    postgres: Option<u64>,
    tally: Option<u64>,
}

impl Sample {
    /// Reads them now; `tally` is the ingest process, if one runs.
    fn take(cluster: &Cluster, tally: Option<u32>) -> Sample {
        Sample {
            machine: machine_ticks(),
            bench: process_ticks("self").map(|(_, t)| t),
            broker: thread_ticks("rdk:mock"),
            // This cluster's server only: a CI run on the same host has its own.
            postgres: cluster_ticks(cluster),
            tally: match tally {
                Some(pid) => process_ticks(&pid.to_string()).map(|(_, t)| t),
                None => Some(0),
            },
        }
    }

    /// CPU per event between `before` and this sample, over `events` events.
    fn since(self, before: &Sample, events: u64) -> Option<CpuUse> {
        let d = |a: Option<u64>, b: Option<u64>| Some(a?.saturating_sub(b?));
        let busy = d(self.machine.map(|m| m.0), before.machine.map(|m| m.0))?;
        let bench = d(self.bench, before.bench)?;
        let broker = d(self.broker, before.broker)?;
        let postgres = d(self.postgres, before.postgres)?;
        let tally = d(self.tally, before.tally)?;
        let per_event = |ticks: u64| ticks as f64 / 100.0 * 1e6 / events as f64;
        Some(CpuUse {
            tally: per_event(tally),
            postgres: per_event(postgres),
            broker: per_event(broker),
            bench: per_event(bench.saturating_sub(broker)),
            other: per_event(busy.saturating_sub(bench + postgres + tally)),
            idle_share: idle_share(before.machine, self.machine)?,
        })
    }
}

fn print_shape(f: &Figures, cluster: &Cluster) {
    println!();
    println!(
        "shape {}: {} records, {} distinct events ({} retries), {} Kafka partitions, \
         {} produced while the ingest ran; {} cores; {}",
        f.shape.name(),
        f.records,
        f.distinct,
        f.records - f.distinct,
        f.shape.partitions,
        f.drained.produced_during,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cluster.binaries().version
    );
    println!("  raw binary COPY, 1 stream      {:>10.0} events/s", f.copy);
    println!(
        "  multi-row INSERT, 1000/stmt    {:>10.0} events/s",
        f.insert
    );
    println!(
        "  tally ingest, end to end       {:>10.0} events/s  = {:.2}x COPY, {:.2}x INSERT",
        f.ingest,
        f.ingest / f.copy,
        f.ingest / f.insert
    );
    println!(
        "  tally's first offsets committed {:.2} s after its start; {:.0} events/s after them",
        f.drained.first_commit.as_secs_f64(),
        f.drained.after_first,
    );
    if let Some(c) = f.copy_cpu {
        println!(
            "  CPU per event during the raw COPY: client {:.2} µs, PostgreSQL {:.2} µs, \
             other processes {:.2} µs; idle {:.0}%",
            c.bench,
            c.postgres,
            c.other,
            c.idle_share * 100.0
        );
    }
    if let Some(c) = f.drained.cpu {
        println!(
            "  CPU per event during the ingest: tally {:.2} µs, PostgreSQL {:.2} µs, \
             Kafka broker {:.2} µs, producer and benchmark {:.2} µs, other processes \
             {:.2} µs; idle {:.0}%",
            c.tally,
            c.postgres,
            c.broker,
            c.bench,
            c.other,
            c.idle_share * 100.0
        );
    }
    match f.drained.rss_kib {
        Some(kib) => println!(
            "  tally ingest peak RSS          {:>10.1} MB",
            kib as f64 / 1024.0
        ),
        None => println!("  tally ingest peak RSS          unknown (no /proc)"),
    }
}

/// Every shape's figures as one Markdown table (docs/performance.md takes it as is).
fn print_table(run: &Run, all: &[Figures]) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!();
    println!(
        "{} records per shape, {} writers, {}; load average at the end: {}",
        run.events,
        run.writers,
        run.compression,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!();
    println!(
        "| shape | tally events/s | vs COPY | vs INSERT | tally µs/event | PostgreSQL µs/event (COPY) | broker and producer µs/event | other processes µs/event | idle | peak RSS | first commit | events/s after it |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for f in all {
        let cpu = |pick: fn(&CpuUse) -> f64| {
            f.drained
                .cpu
                .as_ref()
                .map_or("?".to_owned(), |c| format!("{:.2}", pick(c)))
        };
        println!(
            "| {} | {:.0} | {:.2}x ({:.0}) | {:.2}x ({:.0}) | {} | {} ({}) | {} | {} | {} | {} | {:.2} s | {:.0} |",
            f.shape.name(),
            f.ingest,
            f.ingest / f.copy,
            f.copy,
            f.ingest / f.insert,
            f.insert,
            cpu(|c| c.tally),
            cpu(|c| c.postgres),
            f.copy_cpu
                .as_ref()
                .map_or("?".to_owned(), |c| format!("{:.2}", c.postgres)),
            cpu(|c| c.broker + c.bench),
            cpu(|c| c.other),
            f.drained
                .cpu
                .as_ref()
                .map_or("?".to_owned(), |c| format!("{:.0}%", c.idle_share * 100.0)),
            f.drained
                .rss_kib
                .map_or("?".to_owned(), |k| format!("{:.0} MB", k as f64 / 1024.0)),
            f.drained.first_commit.as_secs_f64(),
            f.drained.after_first,
        );
    }
}
