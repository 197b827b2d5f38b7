//! A database backup restored after losing the database keeps exactly-once: the consumer
//! positions are in the backup with the events, so ingest pointed at the restored
//! database re-reads from Kafka exactly what the backup lacks. An erasure made after the
//! backup is reapplied (`gdpr::reapply`) before ingest starts again, so neither the
//! backup's copy of the person nor their events read again come back with personal data.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use gdpr::{ErasureKey, GdprConfig, Outcome, Subject, SubjectKind};
use ingest::{Ingest, IngestConfig};
use schema::GdprRequestType;
use simulate::{EmbeddedKafka, Record, SimulationPlan, generate, produce, seed_database};
use testkit::TestDb;
use tokio_postgres::Client;
use uuid::Uuid;

fn config(kafka: &EmbeddedKafka, topic: &str, db: &TestDb) -> IngestConfig {
    let mut config = IngestConfig::new(
        &kafka.bootstrap_servers(),
        topic,
        "backup",
        db.config().clone(),
    );
    config.batch_size = 500;
    config.batch_age = Duration::from_millis(50);
    config
}

async fn produce_all(kafka: &EmbeddedKafka, topic: &str, records: &[Record]) {
    let sent = produce(
        &kafka.bootstrap_servers(),
        topic,
        Vec::from(records).into_iter(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(sent as usize, records.len());
}

/// Events of `contact` in `org` still holding their IP address or a PII key.
async fn personal(client: &Client, org: i64, contact: i64, keys: &[String]) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM events WHERE organization_id = $1 AND contact_id = $2
               AND (ip_address IS NOT NULL OR event_data ?| $3::text[])",
            &[&org, &contact, &keys],
        )
        .await
        .unwrap()
        .get(0)
}

/// Contacts with events carrying personal data: (organizations, contacts).
async fn with_personal_events(client: &Client) -> (Vec<i64>, Vec<i64>) {
    let rows = client
        .query(
            "SELECT DISTINCT organization_id, contact_id FROM events WHERE ip_address IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1)))
        .unzip()
}

/// Of `candidates`, a contact with events carrying personal data, none of whose records
/// was refused (so the erasure deletes no dead letter and the dead letters stay
/// comparable with the stream's expectations): (organization, contact, address).
async fn subject(client: &Client, candidates: &(Vec<i64>, Vec<i64>)) -> (i64, i64, String) {
    let row = client
        .query_one(
            "SELECT e.organization_id, e.contact_id, c.email::text
             FROM events e JOIN contacts c ON c.organization_id = e.organization_id AND c.id = e.contact_id
             WHERE e.ip_address IS NOT NULL
               AND (e.organization_id, e.contact_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
               AND NOT EXISTS (SELECT 1 FROM dead_letters d
                               WHERE position(convert_to(e.contact_id::text, 'UTF8') IN d.payload) > 0
                                  OR position(convert_to(lower(c.email), 'UTF8') IN d.payload) > 0)
             GROUP BY 1, 2, 3
             ORDER BY count(*) DESC, 2
             LIMIT 1",
            &[&candidates.0, &candidates.1],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_mid_stream_and_restored_ends_with_every_event_once_and_erasures_reapplied()
{
    let db = TestDb::migrated().await;
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("backup-{}", Uuid::new_v4().simple());
    kafka.create_topic(&topic, 4).unwrap();
    let start = (Utc::now() - TimeDelta::days(3)).date_naive();
    let mut plan = SimulationPlan::new(start, 3, 24_000);
    plan.duplicate_rate = 0.03;
    plan.malformed_rate = 0.02;
    seed_database(&db.connect().await, &plan).await.unwrap();
    let records: Vec<Record> = generate(&plan).unwrap().collect();
    let half = records.len() / 2;
    produce_all(&kafka, &topic, &records[..half]).await;

    // The nightly backup runs while ingest works through the stream.
    let ingest = Ingest::start(config(&kafka, &topic, &db)).await.unwrap();
    db.wait_committed(4_000, Duration::from_secs(60)).await;
    let backup = db.backup().await;
    // What the backup holds: its positions, and the people with personal data in it.
    let (in_backup, candidates) = {
        let restored = TestDb::restore(&backup).await;
        let held = with_personal_events(&restored.connect().await).await;
        (restored.committed().await, held)
    };
    produce_all(&kafka, &topic, &records[half..]).await;
    db.wait_committed(records.len() as i64, Duration::from_secs(120))
        .await;
    ingest.stop().await;
    if let Err(problems) = simulate::verify_ingested(&db.connect().await, &records).await {
        panic!("before the loss: {problems}");
    }
    assert!(
        in_backup > 0 && in_backup < records.len() as i64,
        "the backup is mid-stream: {in_backup} of {} records",
        records.len()
    );

    // After the backup, a person is erased.
    let mut client = db.connect().await;
    let (org, contact, email) = subject(&client, &candidates).await;
    let dir = std::env::temp_dir().join(format!("tally-backup-test-{}", Uuid::new_v4().simple()));
    let store = archiver::open_store(&format!("file://{}", dir.display())).unwrap();
    let gdpr_config = GdprConfig::new(
        store,
        Some(ErasureKey::new("a backup test key of at least 32 bytes").unwrap()),
    );
    let filed = gdpr::file_request(
        &client,
        org,
        GdprRequestType::deletion,
        &Subject {
            kind: SubjectKind::Contact,
            email: email.clone(),
        },
    )
    .await
    .unwrap();
    let Outcome::Erased(erased) =
        gdpr::process_request(&mut client, &gdpr_config, org, filed.id, false, &|_| {})
            .await
            .unwrap()
    else {
        panic!("not an erasure")
    };
    assert_eq!(erased.receipts.get("dead_letters").copied(), Some(0));
    let keys = &gdpr_config.pii_keys;
    assert_eq!(personal(&client, org, contact, keys).await, 0);

    // The database is lost. The backup is restored, the erasures since are reapplied,
    // and ingest is pointed at it with the same consumer group.
    let restored = TestDb::restore(&backup).await;
    let mut restored_client = restored.connect().await;
    assert_eq!(restored.committed().await, in_backup);
    assert!(
        personal(&restored_client, org, contact, keys).await > 0,
        "the backup holds the person's personal data again"
    );
    let report = gdpr::reapply(&mut restored_client, &gdpr_config, &|_| {})
        .await
        .unwrap();
    assert_eq!(report.erased_again.len(), 1, "{report:?}");
    assert_eq!(personal(&restored_client, org, contact, keys).await, 0);

    let ingest = Ingest::start(config(&kafka, &topic, &restored))
        .await
        .unwrap();
    restored
        .wait_committed(records.len() as i64, Duration::from_secs(120))
        .await;
    let summary = ingest.stop().await;
    assert!(
        summary.stored > 0,
        "the records after the backup are read again: {summary:?}"
    );
    if let Err(problems) = simulate::verify_ingested(&restored_client, &records).await {
        panic!("after the restore: {problems}");
    }
    println!(
        "{} records; the backup held the positions of {in_backup}; read again after the restore: {} stored, {} duplicates",
        records.len(),
        summary.stored,
        summary.duplicates
    );
    assert_eq!(
        personal(&restored_client, org, contact, keys).await,
        0,
        "the erased person's events read again from Kafka are stored without personal data"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
