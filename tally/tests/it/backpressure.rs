//! The real `tally ingest` binary facing a backlog far larger than its buffers while
//! Postgres cannot take a batch: its memory stays bounded, it stores nothing until
//! Postgres is free, and then every record exactly once.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use simulate::{
    EmbeddedKafka, Record, SimulationPlan, generate, produce_compressed, seed_database,
    verify_ingested,
};
use testkit::TestDb;

use crate::common;

use common::Guard;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");
/// About 130 MB of JSON: several times what the ingest may buffer.
const TOTAL: u64 = 400_000;
/// The bound asserted on the process's peak resident memory. Buffered in full, the
/// backlog alone would take more (the payloads, then their decoded events).
const MAX_RSS_MB: u64 = 200;

/// A field of `/proc/<pid>/status` in kB (`VmHWM`, `VmRSS`).
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_while_postgres_is_blocked_keeps_memory_bounded_and_loses_nothing() {
    let _turn = common::HEAVY.lock().await;
    let db = TestDb::migrated().await;
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = "backlog";
    // lz4 keeps every partition within the mock broker's ~5 MB of retention.
    kafka.create_topic(topic, 32).unwrap();
    let start = (Utc::now() - TimeDelta::days(2)).date_naive();
    let mut plan = SimulationPlan::new(start, 2, TOTAL);
    plan.organizations = 2;
    plan.contacts_per_organization = 20_000;
    seed_database(&db.connect().await, &plan).await.unwrap();
    let records: Vec<Record> = generate(&plan).unwrap().collect();
    let bytes: usize = records.iter().map(|r| r.payload.len()).sum();
    produce_compressed(
        &kafka.bootstrap_servers(),
        topic,
        "lz4",
        records.clone().into_iter(),
        |_| {},
    )
    .await
    .unwrap();

    // Every batch stops at its live counters until this transaction ends.
    let blocker = db.connect().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE event_counters IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();

    let child = Command::new(TALLY)
        .args(["ingest", "--brokers", &kafka.bootstrap_servers()])
        .args([
            "--topic",
            topic,
            "--group",
            "backlog",
            "--metrics-addr",
            "off",
        ])
        .env("DATABASE_URL", db.connection_string())
        .env("TALLY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tally ingest starts");
    let guard = Guard::kill_on_drop(child);
    let pid = guard.child.id();

    // Long enough to read the whole backlog if nothing held it back, and to pass the
    // one second after which the partitions are paused.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        db.committed().await,
        0,
        "a batch committed while its counters were locked"
    );
    let held_mb = status_kb(pid, "VmHWM:") / 1024;
    assert!(
        held_mb <= MAX_RSS_MB,
        "peak RSS {held_mb} MB with a backlog of {} MB: over the {MAX_RSS_MB} MB bound",
        bytes / 1_000_000
    );

    blocker.batch_execute("COMMIT").await.unwrap();
    db.wait_committed(TOTAL as i64, Duration::from_secs(120))
        .await;
    let peak_mb = status_kb(pid, "VmHWM:") / 1024;
    assert!(
        peak_mb <= MAX_RSS_MB,
        "peak RSS {peak_mb} MB while draining the backlog: over the {MAX_RSS_MB} MB bound"
    );
    drop(guard);
    if let Err(problems) = verify_ingested(&db.connect().await, &records).await {
        panic!("{problems}");
    }
    eprintln!(
        "backlog of {} MB: peak RSS {held_mb} MB while blocked, {peak_mb} MB after draining",
        bytes / 1_000_000
    );
}
