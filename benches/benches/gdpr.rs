//! GDPR benchmark against its baseline, in one run on one throwaway cluster: an export
//! and an erasure of one subject in a database of `TALLY_BENCH_GDPR_EVENTS` events
//! (default 10,000,000) over 30 days, the first `TALLY_BENCH_GDPR_ARCHIVED` (24) of them
//! archived to a local object store, against a full scan of the same data (every
//! partition counted, every archived object read whole) as the baseline. The subject
//! has one event in 2,000, with an IP address and PII keys in the database and in the
//! archive, so the erasure rewrites every archived day. Printed per phase: seconds, the
//! ratio to the scan, and the CPU seconds of tally and of PostgreSQL.
//!
//! Run: `cargo bench -p benches --bench gdpr`
//! Knobs: `TALLY_BENCH_GDPR_EVENTS` (10,000,000), `TALLY_BENCH_GDPR_ARCHIVED` (24).

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use archiver::{ArchivePolicy, SubjectRows};
use benches::{cluster_ticks, knob, migrated_database, process_ticks};
use chrono::{DateTime, Utc};
use gdpr::{ErasureKey, GdprConfig, Outcome, Subject, SubjectKind};
use localpg::{Cluster, ClusterOptions};
use schema::GdprRequestType;
use tokio_postgres::Client;

/// The clock: days before 2024-11-21 are past the archive's two-year line.
fn now() -> DateTime<Utc> {
    "2026-11-21T04:00:00Z".parse().unwrap()
}

/// CPU seconds so far: this process (tally's code), the cluster (PostgreSQL).
fn cpu(cluster: &Cluster) -> (f64, f64) {
    let own = process_ticks("self").map_or(0, |(_, t)| t);
    let pg = cluster_ticks(cluster).unwrap_or(0);
    (own as f64 / 100.0, pg as f64 / 100.0)
}

/// One measured phase: its wall time and CPU seconds.
struct Phase {
    seconds: f64,
    tally_cpu: f64,
    pg_cpu: f64,
}

async fn measure<F: Future<Output = ()>>(cluster: &Cluster, run: F) -> Phase {
    let (own0, pg0) = cpu(cluster);
    let started = Instant::now();
    run.await;
    let seconds = started.elapsed().as_secs_f64();
    let (own1, pg1) = cpu(cluster);
    Phase {
        seconds,
        tally_cpu: own1 - own0,
        pg_cpu: pg1 - pg0,
    }
}

async fn file(client: &Client, request_type: GdprRequestType) -> i64 {
    gdpr::file_request(
        client,
        1,
        request_type,
        &Subject {
            kind: SubjectKind::Contact,
            email: "subject@example.com".into(),
        },
    )
    .await
    .unwrap()
    .id
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events = knob("TALLY_BENCH_GDPR_EVENTS", 10_000_000);
    let archived = knob("TALLY_BENCH_GDPR_ARCHIVED", 24);
    let days = 30;
    assert!(
        archived < days,
        "TALLY_BENCH_GDPR_ARCHIVED must be below {days}"
    );
    let cluster = Cluster::start(&ClusterOptions::default()).unwrap();
    let mut client = migrated_database(&cluster, "gdpr_bench").await;
    let started = Instant::now();
    // 10,000 contacts; the subject (contact 1) has one event in 2,000. Days end at the
    // archive line, so the first `archived` of them are archived.
    client
        .batch_execute(&format!(
            "INSERT INTO organizations (id, name) VALUES (1, 'Acme');
             INSERT INTO contact_lists (organization_id, id, name) VALUES (1, 10, 'All');
             INSERT INTO contacts (organization_id, id, contact_list_id, email)
                 SELECT 1, g, 10, 'person' || g || '@example.com' FROM generate_series(1, 10000) g;
             UPDATE contacts SET email = 'subject@example.com' WHERE id = 1;
             SELECT tally_create_day_partition(date '2024-11-21' - {archived} + d)
                 FROM generate_series(0, {days} - 1) d;
             INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                                 occurred_at, ip_address, event_data, received_at)
             SELECT gen_random_uuid(), 1, 1 + g % 5, CASE WHEN g % 2000 = 0 THEN 1 ELSE 2 + g % 9999 END,
                    'OPEN', (date '2024-11-21' - {archived})::timestamp AT TIME ZONE 'UTC'
                            + ((g - 1)::float8 / {events} * {days}) * interval '1 day',
                    '203.0.113.7', jsonb_build_object('email', 'x@example.com', 'url', 'https://a.test/' || g),
                    now()
             FROM generate_series(1, {events}) g;"
        ))
        .await
        .unwrap();
    // Apart: a multi-statement string runs as one transaction, which VACUUM refuses.
    client
        .batch_execute("VACUUM (FREEZE, ANALYZE) events")
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("tally-bench-gdpr-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = archiver::open_store(&format!("file://{}", dir.display())).unwrap();
    let report = archiver::archive(
        &mut client,
        &store,
        now(),
        &ArchivePolicy::default(),
        &|_| {},
    )
    .await
    .unwrap();
    println!(
        "setup: {events} events over {days} days, {} days archived, in {:.1}s",
        report.days_dropped,
        started.elapsed().as_secs_f64()
    );

    let scan = measure(&cluster, async {
        let hot: i64 = client
            .query_one(
                "SELECT count(*) FROM events WHERE event_data ? 'email'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert!(hot > 0);
        let nobody = SubjectRows {
            organization_id: 1,
            contact_ids: [0].into(),
        };
        for entry in archiver::list(&client).await.unwrap() {
            archiver::subject_events(&store, &entry, &nobody)
                .await
                .unwrap();
        }
    })
    .await;

    let key = ErasureKey::new("a benchmark key of at least 32 bytes").unwrap();
    let config = GdprConfig::new(store.clone(), Some(key));
    let export_id = file(&client, GdprRequestType::export).await;
    let export = measure(&cluster, async {
        let outcome = gdpr::process_request(&mut client, &config, 1, export_id, false, &|_| {})
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::Exported(_)));
    })
    .await;

    let erase_id = file(&client, GdprRequestType::deletion).await;
    let mut changed = 0;
    let erase = measure(&cluster, async {
        let Outcome::Erased(erased) =
            gdpr::process_request(&mut client, &config, 1, erase_id, false, &|_| {})
                .await
                .unwrap()
        else {
            panic!("not an erasure")
        };
        changed = erased.receipts.values().sum::<u64>();
    })
    .await;
    assert!(
        changed >= events / 2000,
        "every event of the subject is changed: {changed}"
    );

    println!();
    println!(
        "{:<22} {:>9} {:>9} {:>11} {:>11}",
        "phase", "seconds", "x scan", "tally cpu s", "pg cpu s"
    );
    for (name, p) in [
        ("full scan (baseline)", &scan),
        ("export", &export),
        ("erasure", &erase),
    ] {
        println!(
            "{name:<22} {:>9.2} {:>9.2} {:>11.2} {:>11.2}",
            p.seconds,
            p.seconds / scan.seconds,
            p.tally_cpu,
            p.pg_cpu
        );
    }
    println!("erasure changed {changed} rows (database, archive, tables)");
    let _ = std::fs::remove_dir_all(&dir);
    drop(client);
    cluster.stop().unwrap();
}
