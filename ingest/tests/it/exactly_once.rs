//! End to end through Kafka (librdkafka's mock cluster, the real protocol) into a real
//! Postgres: exactly the unique valid events are stored, exactly the bad records are
//! dead-lettered, whatever restarts and rebalances happen on the way.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use ingest::{Ingest, IngestConfig};
use simulate::{
    EmbeddedKafka, Expect, Record, SimulationPlan, generate, produce, seed_database,
    verify_ingested,
};
use testkit::TestDb;
use uuid::Uuid;

struct Env {
    db: TestDb,
    kafka: EmbeddedKafka,
    topic: String,
    records: Vec<Record>,
}

impl Env {
    /// A database seeded for a plan of `total` records, produced to a fresh topic.
    async fn new(total: u64, partitions: i32) -> Env {
        Env::with_first(total, partitions, total as usize).await
    }

    /// As [`Env::new`], but only the first `now` records are produced; the others wait
    /// for [`Env::stream_rest`].
    async fn with_first(total: u64, partitions: i32, now: usize) -> Env {
        let db = TestDb::migrated().await;
        let kafka = EmbeddedKafka::start(1).unwrap();
        let topic = format!("events-{}", Uuid::new_v4().simple());
        kafka.create_topic(&topic, partitions).unwrap();
        let start = (Utc::now() - TimeDelta::days(3)).date_naive();
        let mut plan = SimulationPlan::new(start, 3, total);
        plan.duplicate_rate = 0.03;
        plan.malformed_rate = 0.02;
        seed_database(&db.connect().await, &plan).await.unwrap();
        let records: Vec<Record> = generate(&plan).unwrap().collect();
        let sent = produce(
            &kafka.bootstrap_servers(),
            &topic,
            Vec::from(&records[..now]).into_iter(),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(sent as usize, now);
        Env {
            db,
            kafka,
            topic,
            records,
        }
    }

    /// Produces the records from `from` on as a live stream: `chunk` at a time, `pause`
    /// apart.
    async fn stream_rest(&self, from: usize, chunk: usize, pause: Duration) {
        for part in self.records[from..].chunks(chunk) {
            produce(
                &self.kafka.bootstrap_servers(),
                &self.topic,
                Vec::from(part).into_iter(),
                |_| {},
            )
            .await
            .unwrap();
            tokio::time::sleep(pause).await;
        }
    }

    fn config(&self, group: &str) -> IngestConfig {
        let mut config = IngestConfig::new(
            &self.kafka.bootstrap_servers(),
            &self.topic,
            group,
            self.db.config().clone(),
        );
        config.batch_size = 700;
        config.batch_age = Duration::from_millis(50);
        config
    }

    async fn scalar(&self, sql: &str) -> i64 {
        self.db
            .connect()
            .await
            .query_one(sql, &[])
            .await
            .unwrap()
            .get(0)
    }

    /// Waits until every record's offset is committed in Postgres.
    async fn wait_all_committed(&self, timeout: Duration) {
        self.db
            .wait_committed(self.records.len() as i64, timeout)
            .await;
    }

    /// Waits until at least `n` records' offsets are committed.
    async fn wait_committed_at_least(&self, n: i64) {
        self.db.wait_committed(n, Duration::from_secs(60)).await;
    }

    /// Exactly the expected events and dead letters are in the database.
    async fn verify(&self) {
        let client = self.db.connect().await;
        if let Err(problems) = verify_ingested(&client, &self.records).await {
            panic!("{problems}");
        }
        let out_of_window: i64 = self
            .scalar("SELECT count(*) FROM dead_letters WHERE reason = 'out_of_window'")
            .await;
        assert!(out_of_window > 0, "the stream had out-of-window records");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_with_duplicates_and_bad_records_stores_exactly_the_valid_unique_events() {
    let env = Env::new(20_000, 4).await;
    let ingest = Ingest::start(env.config("g1")).await.unwrap();
    env.wait_all_committed(Duration::from_secs(90)).await;
    let summary = ingest.stop().await;
    env.verify().await;
    let expected_stored = env
        .records
        .iter()
        .filter(|r| matches!(r.expect, Expect::Stored { .. }))
        .count();
    assert_eq!(summary.stored as usize, expected_stored);
    let expected_dups = env
        .records
        .iter()
        .filter(|r| matches!(r.expect, Expect::Duplicate { .. }))
        .count();
    assert_eq!(summary.duplicates as usize, expected_dups);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restart_mid_stream_resumes_without_loss_or_duplicates() {
    // Half the stream is in Kafka while the first run works, so it stops mid-stream.
    let env = Env::with_first(20_000, 3, 10_000).await;
    let first = Ingest::start(env.config("g1")).await.unwrap();
    env.wait_committed_at_least(5_000).await;
    let before = first.stop().await;
    let total = env.records.len() as u64;
    assert!(
        before.stored + before.duplicates < total,
        "the first run should stop mid-stream"
    );

    env.stream_rest(10_000, 10_000, Duration::ZERO).await;
    let second = Ingest::start(env.config("g1")).await.unwrap();
    env.wait_all_committed(Duration::from_secs(90)).await;
    second.stop().await;
    env.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_consumer_joining_mid_stream_causes_no_loss_and_no_duplicates() {
    // The stream still flows for a few seconds after the second consumer joins.
    let env = Env::with_first(30_000, 6, 5_000).await;
    let a = Ingest::start(env.config("shared")).await.unwrap();
    env.wait_committed_at_least(3_000).await;
    let b = Ingest::start(env.config("shared")).await.unwrap();
    let b_totals = b.totals();
    env.stream_rest(5_000, 1_000, Duration::from_millis(100))
        .await;
    env.wait_all_committed(Duration::from_secs(120)).await;
    let (sa, sb) = (a.stop().await, b.stop().await);
    env.verify().await;
    assert!(sa.stored > 0, "the first consumer stored nothing");
    assert!(
        b_totals.handled() > 0,
        "the second consumer never got a partition"
    );
    assert!(sb.stored > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn records_kafka_expired_before_ingest_are_skipped_and_ingest_carries_on() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("ingest=debug,info")
        .with_test_writer()
        .try_init();
    // The mock broker keeps about 5 MB per partition: 40,000 records of ~330 bytes
    // overflow one partition, so the oldest expire before the consumer starts.
    let db = TestDb::migrated().await;
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("events-{}", Uuid::new_v4().simple());
    kafka.create_topic(&topic, 1).unwrap();
    let start = (Utc::now() - TimeDelta::days(2)).date_naive();
    let mut plan = SimulationPlan::new(start, 2, 40_000);
    plan.duplicate_rate = 0.0;
    plan.malformed_rate = 0.0;
    seed_database(&db.connect().await, &plan).await.unwrap();
    produce(
        &kafka.bootstrap_servers(),
        &topic,
        generate(&plan).unwrap(),
        |_| {},
    )
    .await
    .unwrap();

    let mut config =
        IngestConfig::new(&kafka.bootstrap_servers(), &topic, "g", db.config().clone());
    config.batch_size = 1000;
    let ingest = Ingest::start(config).await.unwrap();
    let started = Instant::now();
    loop {
        let next: i64 = db
            .connect()
            .await
            .query_one(
                "SELECT coalesce(max(next_offset), 0) FROM ingest_offsets",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if next == 40_000 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "stuck at offset {next}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let summary = ingest.stop().await;
    let stored: i64 = db
        .connect()
        .await
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored as u64, summary.stored);
    assert!(
        stored > 5_000 && stored < 40_000,
        "stored {stored}: the expired head must be missing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_and_health_are_served_while_ingesting() {
    let env = Env::new(3_000, 2).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = env.config("metrics");
    config.metrics_addr = Some(format!("127.0.0.1:{port}").parse().unwrap());
    let ingest = Ingest::start(config).await.unwrap();
    env.wait_all_committed(Duration::from_secs(60)).await;

    let get = |path: &'static str| async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut body = String::new();
        stream.read_to_string(&mut body).await.unwrap();
        body
    };
    let health = get("/healthz").await;
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok\n"),
        "{health}"
    );
    let metrics = get("/metrics").await;
    for name in [
        "tally_ingest_events_stored_total",
        "tally_ingest_duplicates_dropped_total",
        "tally_ingest_dead_letters_total{reason=\"malformed_json\"}",
        "tally_ingest_batch_records_bucket",
        "tally_ingest_copy_seconds_bucket",
        "tally_ingest_records_consumed_total",
        "tally_ingest_offsets_skipped_total",
    ] {
        assert!(metrics.contains(name), "{name} missing from:\n{metrics}");
    }
    assert!(get("/nope").await.starts_with("HTTP/1.1 404"));
    ingest.stop().await;
    env.verify().await;
}

/// Runs a fresh ingest over `payloads`, produced in order to a one-partition topic of
/// a database holding organization 1 with campaign 11 (plus whatever `setup` adds),
/// until every record is committed; returns the database.
async fn ingest_in_order(payloads: &[String], setup: &str) -> TestDb {
    let db = TestDb::migrated().await;
    db.connect()
        .await
        .batch_execute(&format!(
            "INSERT INTO organizations (id, name, domain) VALUES (1, 'Acme', 'acme.example');
             INSERT INTO campaigns (organization_id, id, name, landing_page_slug)
             VALUES (1, 11, 'December', 'december');
             {setup}"
        ))
        .await
        .unwrap();
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("events-{}", Uuid::new_v4().simple());
    kafka.create_topic(&topic, 1).unwrap();
    let records: Vec<Record> = payloads
        .iter()
        .map(|p| Record {
            key: b"5".to_vec(),
            payload: p.clone().into_bytes(),
            expect: Expect::DeadLetter {
                reason: schema::DeadLetterReason::RejectedByDatabase,
            },
        })
        .collect();
    produce(
        &kafka.bootstrap_servers(),
        &topic,
        records.into_iter(),
        |_| {},
    )
    .await
    .unwrap();
    let mut config = IngestConfig::new(
        &kafka.bootstrap_servers(),
        &topic,
        "twins",
        db.config().clone(),
    );
    config.batch_age = Duration::from_millis(50);
    let ingest = Ingest::start(config).await.unwrap();
    db.wait_committed(payloads.len() as i64, Duration::from_secs(30))
        .await;
    ingest.stop().await;
    db
}

/// An OPEN event of organization 1 with a fixed id, one hour ago.
fn twin(campaign: i64, contact: i64) -> String {
    let at = (Utc::now() - TimeDelta::hours(1)).to_rfc3339();
    format!(
        r#"{{"event_id":"c3875553-4107-4343-857f-281460987f5a","organization_id":1,"campaign_id":{campaign},"contact_id":{contact},"event_type":"OPEN","ip_address":"203.0.113.7","occurred_at":"{at}"}}"#
    )
}

async fn stored_and_dead(db: &TestDb) -> (Vec<(i64, i64)>, Vec<(i64, String)>) {
    let client = db.connect().await;
    let stored = client
        .query("SELECT campaign_id, contact_id FROM events", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let dead = client
        .query(
            "SELECT kafka_offset, reason FROM dead_letters ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    (stored, dead)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_event_behind_a_twin_of_an_unknown_campaign_is_stored() {
    let db = ingest_in_order(&[twin(999_999, 5), twin(11, 5)], "").await;
    let (stored, dead) = stored_and_dead(&db).await;
    assert_eq!(stored, [(11, 5)]);
    assert_eq!(dead, [(0, "unknown_campaign".to_owned())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_event_behind_a_twin_postgres_refuses_is_stored() {
    let db = ingest_in_order(
        &[twin(11, 37), twin(11, 5)],
        "ALTER TABLE events ADD CONSTRAINT no_37 CHECK (contact_id <> 37);",
    )
    .await;
    let (stored, dead) = stored_and_dead(&db).await;
    assert_eq!(stored, [(11, 5)]);
    assert_eq!(dead, [(0, "rejected_by_database".to_owned())]);
}

/// The event `twin` makes, at 23:59:60 UTC (a leap second) of `day`.
fn at_leap_second(day: chrono::NaiveDate, contact: i64) -> String {
    format!(
        r#"{{"event_id":"{}","organization_id":1,"campaign_id":11,"contact_id":{contact},"event_type":"CLICK","occurred_at":"{day}T23:59:60Z"}}"#,
        Uuid::new_v4()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leap_second_lands_on_its_own_day_and_is_counted_by_the_aggregation() {
    // Yesterday, whose next day (today) has its partition; ten days ago, whose next day
    // has none.
    let yesterday = (Utc::now() - TimeDelta::days(1)).date_naive();
    let earlier = (Utc::now() - TimeDelta::days(10)).date_naive();
    let db = ingest_in_order(
        &[at_leap_second(yesterday, 1), at_leap_second(earlier, 2)],
        "",
    )
    .await;
    let mut client = db.connect().await;
    let rows: Vec<(i64, chrono::NaiveDate, String)> = client
        .query(
            "SELECT contact_id, (occurred_at AT TIME ZONE 'UTC')::date, tableoid::regclass::text
             FROM events ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let partition = |d: chrono::NaiveDate| schema::DayPartition::of(d).name();
    assert_eq!(
        rows,
        [
            (1, yesterday, partition(yesterday)),
            (2, earlier, partition(earlier))
        ]
    );
    let dead: i64 = client
        .query_one("SELECT count(*) FROM dead_letters", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(dead, 0);

    aggregator::aggregate(&mut client, Utc::now(), aggregator::Finality::default())
        .await
        .unwrap();
    let counted: Vec<(chrono::NaiveDate, i64)> = client
        .query(
            "SELECT day, event_count FROM event_aggregations WHERE event_type = 'CLICK' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(counted, [(earlier, 1), (yesterday, 1)]);
}
