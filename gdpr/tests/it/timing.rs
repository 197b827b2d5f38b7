//! How long an export and an erasure of one subject take in a larger database, against
//! a full scan of the same data (every partition counted, every archived object read) as
//! the baseline measured in the same run. Ignored by default; run it with
//!
//! ```text
//! cargo test --release -p gdpr --test it -- --ignored --nocapture timing
//! ```
//!
//! Knobs: `TALLY_GDPR_TIMING_EVENTS` (default 2,000,000 over 30 days),
//! `TALLY_GDPR_TIMING_ARCHIVED` (of which archived, default 24).

use std::time::Instant;

use archiver::{ArchivePolicy, SubjectRows};
use gdpr::{GdprConfig, Outcome, SubjectKind};
use schema::GdprRequestType;
use testkit::TestDb;

use crate::common::{TempDir, file, key, now, process};

fn knob(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: minutes of setup"]
async fn timing_of_an_export_and_an_erasure_against_a_full_scan() {
    let events = knob("TALLY_GDPR_TIMING_EVENTS", 2_000_000);
    let archived = knob("TALLY_GDPR_TIMING_ARCHIVED", 24);
    let days = 30;
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
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
             FROM generate_series(1, {events}) g;
             ANALYZE events;"
        ))
        .await
        .unwrap();
    let dir = TempDir::new();
    let store = archiver::open_store(&format!("file://{}", dir.0.display())).unwrap();
    archiver::archive(
        &mut client,
        &store,
        now(),
        &ArchivePolicy::default(),
        &|_| {},
    )
    .await
    .unwrap();
    eprintln!(
        "setup: {events} events over {days} days, {archived} archived, in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let hot: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE event_data ? 'email'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let nobody = SubjectRows {
        organization_id: 1,
        contact_ids: [0].into(),
    };
    for entry in archiver::list(&client).await.unwrap() {
        archiver::subject_events(&store, &entry, &nobody)
            .await
            .unwrap();
    }
    let scan = t.elapsed().as_secs_f64();
    assert!(hot > 0);

    let config = GdprConfig::new(store.clone(), Some(key()));
    let t = Instant::now();
    let id = file(
        &client,
        1,
        GdprRequestType::export,
        SubjectKind::Contact,
        "subject@example.com",
    )
    .await;
    let Outcome::Exported(_) = process(&mut client, &config, 1, id).await.unwrap() else {
        panic!("not an export")
    };
    let export = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let id = file(
        &client,
        1,
        GdprRequestType::deletion,
        SubjectKind::Contact,
        "subject@example.com",
    )
    .await;
    let Outcome::Erased(erased) = process(&mut client, &config, 1, id).await.unwrap() else {
        panic!("not an erasure")
    };
    let erase = t.elapsed().as_secs_f64();
    let rows: u64 = erased.receipts.values().sum();
    assert!(
        rows as i64 >= events / 2000,
        "every event of the subject: {rows}"
    );

    eprintln!("full scan (baseline): {scan:.2}s");
    eprintln!(
        "export:  {export:.2}s = {:.2}x the full scan",
        export / scan
    );
    eprintln!(
        "erasure: {erase:.2}s = {:.2}x the full scan ({rows} rows changed)",
        erase / scan
    );
}
