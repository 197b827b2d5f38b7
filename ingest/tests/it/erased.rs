//! Events after a GDPR erasure: an event that arrives for an erased contact is stored
//! without its IP address and the erased PII keys (and still counted); other contacts'
//! events are stored as sent. The contact is erased while the ingest runs, as an
//! erasure lists it (`tally_gdpr_lock_erased`, migration 0020), so the ingest's cached
//! list must notice.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use ingest::{Ingest, IngestConfig};
use schema::EventType;
use simulate::{EmbeddedKafka, Expect, Record, produce};
use testkit::TestDb;
use uuid::Uuid;

const ORG: i64 = 7;
const CAMPAIGN: i64 = 4211;
const ERASED: i64 = 100;
const KEPT: i64 = 101;

fn record(contact: i64) -> (Uuid, Record) {
    let id = Uuid::new_v4();
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let payload = format!(
        r#"{{"event_id": "{id}", "organization_id": {ORG}, "campaign_id": {CAMPAIGN},
            "contact_id": {contact}, "event_type": "CLICK", "occurred_at": "{at}",
            "ip_address": "203.0.113.7",
            "event_data": {{"url": "https://acme.test/offer", "email": "ada@example.com", "name": "Ada"}}}}"#
    );
    let record = Record {
        key: contact.to_string().into_bytes(),
        payload: payload.into_bytes(),
        expect: Expect::Stored {
            event_id: id,
            organization_id: ORG,
            campaign_id: CAMPAIGN,
            event_type: EventType::Click,
            day: Utc::now().date_naive(),
        },
    };
    (id, record)
}

/// The stored row of `id`: its address and event_data.
async fn stored(client: &tokio_postgres::Client, id: Uuid) -> (Option<String>, serde_json::Value) {
    let row = client
        .query_one(
            "SELECT abbrev(ip_address), event_data FROM events WHERE event_id = $1",
            &[&id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_of_a_contact_erased_while_the_ingest_runs_are_stored_without_personal_data() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    client
        .batch_execute(&format!(
            "INSERT INTO organizations (id, name) VALUES ({ORG}, 'Acme');
             INSERT INTO campaigns (organization_id, id, name) VALUES ({ORG}, {CAMPAIGN}, 'Launch');
             INSERT INTO gdpr_requests (organization_id, id, subject_email, request_type)
                 VALUES ({ORG}, 1, 'ada@example.com', 'deletion');"
        ))
        .await
        .unwrap();
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("erased-{}", Uuid::new_v4().simple());
    kafka.create_topic(&topic, 1).unwrap();
    let mut config = IngestConfig::new(
        &kafka.bootstrap_servers(),
        &topic,
        "erased",
        db.config().clone(),
    );
    config.batch_size = 10;
    config.batch_age = Duration::from_millis(20);
    let ingest = Ingest::start(config).await.unwrap();

    // Before the erasure: stored as sent.
    let (before, r) = record(ERASED);
    produce(
        &kafka.bootstrap_servers(),
        &topic,
        vec![r].into_iter(),
        |_| {},
    )
    .await
    .unwrap();
    db.wait_committed(1, Duration::from_secs(60)).await;
    let (ip, data) = stored(&client, before).await;
    assert_eq!(ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(data["email"], "ada@example.com");

    // The erasure lists the contact, as its `marked` step does.
    client
        .batch_execute(&format!(
            "BEGIN;
             SELECT tally_gdpr_lock_erased();
             INSERT INTO gdpr_erased_contacts (organization_id, contact_id, gdpr_request_id, pii_keys)
                 VALUES ({ORG}, {ERASED}, 1, ARRAY['email', 'name', 'ip']);
             COMMIT;"
        ))
        .await
        .unwrap();

    let (after, r1) = record(ERASED);
    let (kept, r2) = record(KEPT);
    produce(
        &kafka.bootstrap_servers(),
        &topic,
        vec![r1, r2].into_iter(),
        |_| {},
    )
    .await
    .unwrap();
    db.wait_committed(3, Duration::from_secs(60)).await;
    let summary = ingest.stop().await;
    assert_eq!(summary.stored, 3);

    let (ip, data) = stored(&client, after).await;
    assert_eq!(ip, None, "an erased contact's event keeps no address");
    assert_eq!(data, serde_json::json!({"url": "https://acme.test/offer"}));
    let (ip, data) = stored(&client, kept).await;
    assert_eq!(
        ip.as_deref(),
        Some("203.0.113.7"),
        "another contact's event is as sent"
    );
    assert_eq!(data["name"], "Ada");
    let counted: i64 = client
        .query_one(
            "SELECT coalesce(sum(event_count), 0)::bigint FROM event_counters WHERE organization_id = $1",
            &[&ORG],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(counted, 3, "every event is counted");
}
