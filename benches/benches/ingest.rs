//! End-to-end ingest benchmark against its baselines, all in one run on one throwaway
//! cluster, with the same rows, the same table and the same indexes:
//!
//! - raw binary COPY of the rows in one stream (the rows decoded beforehand);
//! - multi-row INSERT, 1,000 rows per statement;
//! - the real `tally ingest` binary (release build), draining the records from the
//!   in-process Kafka cluster of this process: a backlog produced beforehand, or with
//!   `TALLY_BENCH_LIVE=1` a stream produced as it goes.
//!
//! Run: `cargo build --release -p tally && cargo bench -p benches --bench ingest`
//! Knobs: `TALLY_BENCH_EVENTS` (default 5,000,000), `TALLY_BENCH_WRITERS` (2),
//! `TALLY_BENCH_PARTITIONS` (128, or 8 live), `TALLY_BENCH_LIVE` (0),
//! `TALLY_BENCH_LOG` (the ingest's log filter). It prints events/s, the ratios, CPU per
//! event by process and the ingest process's peak RSS; absolute times drift on shared
//! machines, the ratios much less.

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use benches::{connect, knob, migrated_database, process_ticks};
use chrono::{Days, Utc};
use futures::pin_mut;
use ingest::{Limits, decode};
use localpg::{Cluster, ClusterOptions};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use schema::Event;
use simulate::{EmbeddedKafka, SimulationPlan};
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Json, ToSql, Type};

const TOPIC: &str = "bench-events";

/// A fresh migrated database with the plan's partitions premade and its rows seeded.
async fn database(cluster: &Cluster, name: &str, plan: &SimulationPlan) -> Client {
    let client = migrated_database(cluster, name).await;
    client
        .query_one(
            "SELECT tally_premake_partitions($1, $2)",
            &[&(plan.days as i32 + 1), &plan.start_day],
        )
        .await
        .unwrap();
    simulate::seed_database(&client, plan).await.unwrap();
    client
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

async fn copy_rows(client: &Client, rows: &[Event]) {
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

/// `INSERT INTO events (...) VALUES ($1, ..., $8), ...` for `rows` rows.
fn insert_statement(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let p: Vec<String> = (1..=8).map(|c| format!("${}", i * 8 + c)).collect();
            format!("({})", p.join(","))
        })
        .collect();
    format!(
        "INSERT INTO events ({}) VALUES {}",
        schema::EVENT_COLUMNS,
        values.join(",")
    )
}

async fn insert_rows(client: &Client, rows: &[Event]) {
    let full = client.prepare(&insert_statement(1000)).await.unwrap();
    for chunk in rows.chunks(1000) {
        let data: Vec<Json<&serde_json::value::RawValue>> =
            chunk.iter().map(|e| Json(&*e.event_data)).collect();
        let params: Vec<&(dyn ToSql + Sync)> = chunk
            .iter()
            .zip(&data)
            .flat_map(|(e, d)| e.copy_params(d))
            .collect();
        if chunk.len() == 1000 {
            client.execute(&full, &params).await.unwrap();
        } else {
            client
                .execute(insert_statement(chunk.len()).as_str(), &params)
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
/// partition's oldest records past ~5 MB, so a backlog needs enough partitions.
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
                "partition {p} lost its oldest records to the mock broker's retention: raise TALLY_BENCH_PARTITIONS"
            );
            held += high as u64;
        }
        assert_eq!(held, events, "records in the topic");
    })
    .await
    .unwrap();
}

/// CPU time in clock ticks (USER_HZ, 100 on every Linux this runs on): the whole machine (busy and idle), this process and the
/// ingest process, from /proc.
struct Cpu {
    busy: u64,
    idle: u64,
    bench: u64,
    child: u64,
    postgres: u64,
}

impl Cpu {
    fn sample(child: Option<u32>) -> Option<Cpu> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let total: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal
        let idle = total.get(3)? + total.get(4)?;
        let busy = total.iter().take(8).sum::<u64>() - idle;
        let process = |pid: &str| process_ticks(pid).map(|(_, t)| t);
        // Every postgres process (backends, autovacuum, checkpointer, ...); a process
        // that ended during the interval is not counted.
        let postgres = std::fs::read_dir("/proc")
            .ok()?
            .filter_map(|e| process_ticks(e.ok()?.file_name().to_str()?))
            .filter(|(comm, _)| comm == "postgres")
            .map(|(_, t)| t)
            .sum();
        Some(Cpu {
            busy,
            idle,
            bench: process("self")?,
            postgres,
            child: match child {
                Some(pid) => process(&pid.to_string())?,
                None => 0,
            },
        })
    }

    fn since(self, before: &Option<Cpu>) -> Option<Cpu> {
        let b = before.as_ref()?;
        Some(Cpu {
            busy: self.busy - b.busy,
            idle: self.idle - b.idle,
            bench: self.bench - b.bench,
            child: self.child - b.child,
            postgres: self.postgres.saturating_sub(b.postgres),
        })
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events = knob("TALLY_BENCH_EVENTS", 5_000_000);
    let writers = knob("TALLY_BENCH_WRITERS", 2);
    let live = knob("TALLY_BENCH_LIVE", 0) == 1;
    let partitions = knob("TALLY_BENCH_PARTITIONS", if live { 8 } else { 128 }) as i32;
    let tally = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/tally");
    assert!(
        tally.is_file(),
        "build the binary first: cargo build --release -p tally ({} is missing)",
        tally.display()
    );

    let cluster = tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");
    let today = Utc::now().date_naive();
    let mut plan = SimulationPlan::new(today.checked_sub_days(Days::new(6)).unwrap(), 7, events);
    plan.organizations = 3;
    plan.campaigns_per_organization = 4;
    plan.contacts_per_organization = 50_000;
    // Every record a valid, distinct event: the baselines cannot dedup or dead-letter.
    plan.duplicate_rate = 0.0;
    plan.malformed_rate = 0.0;

    // Made before any clock runs: the producers of a real deployment run elsewhere.
    eprintln!("simulating {events} records...");
    let records: Vec<simulate::Record> = simulate::generate(&plan).unwrap().collect();
    eprintln!("decoding them for the baselines...");
    let now = Utc::now();
    let limits = Limits::default();
    let rows: Vec<Event> = records
        .iter()
        .map(|r| decode(&r.payload, &limits, now).unwrap().event)
        .collect();

    eprintln!("raw binary COPY, one stream...");
    let copy_db = database(&cluster, "bench_copy", &plan).await;
    let t = Instant::now();
    let cpu_before = Cpu::sample(None);
    copy_rows(&copy_db, &rows).await;
    let copy = rate(events, t.elapsed());
    let copy_cpu = Cpu::sample(None).and_then(|c| c.since(&cpu_before));

    eprintln!("multi-row INSERT, 1,000 rows per statement...");
    let insert_db = database(&cluster, "bench_insert", &plan).await;
    let t = Instant::now();
    insert_rows(&insert_db, &rows).await;
    let insert = rate(events, t.elapsed());
    drop(rows);

    eprintln!("tally ingest, end to end from Kafka...");
    let ingest_db = database(&cluster, "bench_ingest", &plan).await;
    let kafka = EmbeddedKafka::start(1).unwrap();
    kafka.create_topic(TOPIC, partitions).unwrap();
    let committed = Arc::new(AtomicU64::new(0));
    let watcher = {
        let committed = committed.clone();
        let client = connect(&cluster, "bench_ingest").await;
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
    // The backlog is in Kafka before the clock starts, unless TALLY_BENCH_LIVE=1.
    let mut records = Some(records);
    if !live {
        eprintln!("producing the {events} records to {partitions} partitions, lz4...");
        let all = records.take().unwrap();
        simulate::produce_compressed(
            &kafka.bootstrap_servers(),
            TOPIC,
            "lz4",
            all.into_iter(),
            |_| {},
        )
        .await
        .unwrap();
        check_retained(&kafka.bootstrap_servers(), partitions, events).await;
    }
    let mut child = Command::new(&tally)
        .args([
            "ingest",
            "--brokers",
            &kafka.bootstrap_servers(),
            "--topic",
            TOPIC,
        ])
        .args([
            "--group",
            "bench",
            "--metrics-addr",
            "off",
            "--writers",
            &writers.to_string(),
        ])
        .env("DATABASE_URL", cluster.connection_string("bench_ingest"))
        // TALLY_BENCH_LOG=ingest::writer=debug shows where each batch's time goes.
        .env(
            "TALLY_LOG",
            std::env::var("TALLY_BENCH_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .spawn()
        .expect("tally ingest starts");
    let t = Instant::now();
    let cpu_before = Cpu::sample(Some(child.id()));
    let producer = records.map(|records| {
        // The mock broker keeps ~5 MB per partition (batch overhead included): stay
        // about 2.5 MB per partition ahead.
        let window = partitions as u64 * 6_000;
        let watched = committed.clone();
        let records = simulate::throttled(records.into_iter(), window, move || {
            watched.load(Ordering::Relaxed)
        });
        let brokers = kafka.bootstrap_servers();
        tokio::spawn(async move { simulate::produce(&brokers, TOPIC, records, |_| {}).await })
    });
    while committed.load(Ordering::Relaxed) < events {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = t.elapsed();
    let cpu = Cpu::sample(Some(child.id())).and_then(|c| c.since(&cpu_before));
    let rss = peak_rss_kib(child.id());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    watcher.abort();
    if let Some(producer) = producer {
        producer.await.unwrap().unwrap();
    }
    let stored: i64 = ingest_db
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored as u64, events, "the ingest must store every event");
    let ingest = rate(events, took);

    println!();
    println!(
        "{events} events, {partitions} Kafka partitions, 7 day partitions, events with its primary key and its campaign index; {} cores; {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cluster.binaries().version
    );
    println!("  raw binary COPY, 1 stream      {copy:>10.0} events/s");
    println!("  multi-row INSERT, 1000/stmt    {insert:>10.0} events/s");
    println!(
        "  tally ingest ({writers} writers), e2e    {ingest:>10.0} events/s  = {:.2}x COPY, {:.2}x INSERT",
        ingest / copy,
        ingest / insert
    );
    let per_event = |ticks: u64| ticks as f64 / 100.0 * 1e6 / events as f64;
    if let Some(cpu) = copy_cpu {
        println!(
            "  CPU per event during the raw COPY: benchmark process (client) {:.2} µs, PostgreSQL {:.2} µs, the rest of the machine {:.2} µs, idle {:.2} µs",
            per_event(cpu.bench),
            per_event(cpu.postgres),
            per_event(cpu.busy.saturating_sub(cpu.bench + cpu.postgres)),
            per_event(cpu.idle),
        );
    }
    if let Some(cpu) = cpu {
        println!(
            "  CPU per event during the ingest: tally {:.2} µs, benchmark process (Kafka broker) {:.2} µs, PostgreSQL {:.2} µs, the rest of the machine {:.2} µs, idle {:.2} µs",
            per_event(cpu.child),
            per_event(cpu.bench),
            per_event(cpu.postgres),
            per_event(
                cpu.busy
                    .saturating_sub(cpu.child + cpu.bench + cpu.postgres)
            ),
            per_event(cpu.idle),
        );
    }
    match rss {
        Some(kib) => println!(
            "  tally ingest peak RSS          {:>10.1} MB",
            kib as f64 / 1024.0
        ),
        None => println!("  tally ingest peak RSS          unknown (no /proc)"),
    }
    drop(insert_db);
    drop(copy_db);
    drop(ingest_db);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
