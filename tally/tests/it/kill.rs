//! The real `tally ingest` binary, killed with SIGKILL at random moments while a stream
//! flows, ends with exactly the expected rows: nothing lost, nothing stored twice.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use nix::sys::signal::Signal;
use rand::{Rng as _, SeedableRng as _};
use simulate::{
    EmbeddedKafka, Record, SimulationPlan, generate, produce, seed_database, verify_ingested,
};
use testkit::TestDb;

use crate::common;

use common::Guard;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");
const TOTAL: u64 = 40_000;

fn start_ingest(brokers: &str, topic: &str, database_url: &str) -> Guard {
    let child = Command::new(TALLY)
        .args(["ingest", "--brokers", brokers, "--topic", topic])
        .args(["--group", "killed", "--metrics-addr", "off"])
        .args(["--batch-size", "500", "--batch-age", "50ms"])
        // A killed member holds its partitions until its session expires.
        .args(["--kafka-option", "session.timeout.ms=6000"])
        .args(["--kafka-option", "heartbeat.interval.ms=500"])
        .env("DATABASE_URL", database_url)
        .env("TALLY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tally ingest starts");
    Guard::kill_on_drop(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_five_times_mid_stream_then_exactly_the_expected_rows() {
    let _turn = common::HEAVY.lock().await;
    let db = TestDb::migrated().await;
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("events-{}", uuid::Uuid::new_v4().simple());
    kafka.create_topic(&topic, 4).unwrap();
    let start = (Utc::now() - TimeDelta::days(2)).date_naive();
    let mut plan = SimulationPlan::new(start, 2, TOTAL);
    plan.duplicate_rate = 0.02;
    plan.malformed_rate = 0.01;
    seed_database(&db.connect().await, &plan).await.unwrap();
    let records: Vec<Record> = generate(&plan).unwrap().collect();

    // Each killed run gets a tenth of the stream of its own, flowing while it runs, so
    // every run has records to commit and every kill falls mid-stream however fast the
    // ingest catches up; the other half follows the last kill.
    let brokers = kafka.bootstrap_servers();
    let mut chunks = records
        .chunks(TOTAL as usize / 10)
        .map(<[Record]>::to_vec)
        .collect::<Vec<_>>()
        .into_iter();

    let url = db.connection_string();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut progress = Vec::new();
    for _ in 0..5 {
        let before = db.committed().await;
        let mut child = start_ingest(&brokers, &topic, &url);
        let flow = {
            let (brokers, topic) = (brokers.clone(), topic.clone());
            let chunk = chunks.next().unwrap();
            tokio::spawn(async move {
                for part in chunk.chunks(chunk.len().div_ceil(4)) {
                    produce(&brokers, &topic, Vec::from(part).into_iter(), |_| {})
                        .await
                        .unwrap();
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            })
        };
        // Kill at a random moment once this run is committing (it first waits for the
        // group to expire the member killed before it).
        let started = Instant::now();
        while db.committed().await == before {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "a run never committed"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..800))).await;
        child.signal(Signal::SIGKILL);
        child.child.wait().unwrap();
        progress.push(db.committed().await);
        flow.await.unwrap();
    }
    for chunk in chunks {
        produce(&brokers, &topic, chunk.into_iter(), |_| {})
            .await
            .unwrap();
    }
    assert!(
        progress.windows(2).all(|w| w[0] < w[1]),
        "every killed run committed something: {progress:?}"
    );

    // A last run finishes the stream and stops gracefully on SIGTERM.
    let mut child = start_ingest(&brokers, &topic, &url);
    db.wait_committed(TOTAL as i64, Duration::from_secs(120))
        .await;
    child.signal(Signal::SIGTERM);
    let status = common::exit_within(&mut child.child, Duration::from_secs(60))
        .expect("tally ingest exits within 60 s of SIGTERM");
    assert!(status.success(), "graceful stop exits 0, got {status}");

    if let Err(problems) = verify_ingested(&db.connect().await, &records).await {
        panic!("after 5 SIGKILLs (committed offsets then: {progress:?}): {problems}");
    }
}
