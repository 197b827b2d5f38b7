//! `POST /v1/events` through the in-process Kafka and the real ingest: valid records
//! are acknowledged and stored once (also when the request is sent again), invalid
//! ones, another organization's and an unknown campaign's are refused by position and
//! never produced; NDJSON as well as arrays; size, count and media-type limits; the
//! per-key quota; a broker that does not acknowledge is a 503; no brokers, a 503.

use std::time::Duration;

use api::{Bucket, EventsConfig, Limits};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::kafka::{cluster, ingest_until};
use crate::{App, Key, Org, json, problem};

const TOPIC: &str = "campaign-events";

fn record(org: &Org, event_id: &str, event_type: &str) -> Value {
    json!({
        "event_id": event_id,
        "organization_id": org.id,
        "campaign_id": org.campaign,
        "contact_id": org.contact,
        "event_type": event_type,
        "occurred_at": Utc::now().to_rfc3339(),
        "event_data": {"template_version": 1}
    })
}

async fn send(app: &App, key: &Key, content_type: &str, body: String) -> reqwest::Response {
    app.request(Method::POST, "/v1/events", Some(key))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn valid_records_are_stored_once_and_the_others_are_refused_by_position() {
    let (_kafka, brokers) = cluster(TOPIC);
    let app = App::start_configured(|c| c.events = Some(EventsConfig::new(&brokers, TOPIC))).await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app.key(a.id, &["event.write"]).await;

    let mut unknown_campaign = record(&a, "0190f0c4-0000-7000-8000-000000000004", "OPEN");
    unknown_campaign["campaign_id"] = json!(b.campaign);
    let mut late = record(&a, "0190f0c4-0000-7000-8000-000000000005", "OPEN");
    late["occurred_at"] = json!("2001-01-01T00:00:00Z");
    let first = record(&a, "0190f0c4-0000-7000-8000-000000000001", "SENT");
    let batch = json!([
        first.clone(),
        {"event_id": "0190f0c4-0000-7000-8000-000000000002", "organization_id": a.id},
        record(&b, "0190f0c4-0000-7000-8000-000000000003", "SENT"),
        unknown_campaign,
        late,
        record(&a, "0190f0c4-0000-7000-8000-000000000006", "CLICK"),
        "not a record",
    ]);
    let answer = json(
        send(&app, &key, "application/json", batch.to_string()).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(answer["accepted"], 2, "{answer}");
    let refused: Vec<(i64, &str)> = answer["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["record"].as_i64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [
            (2, "missing_field"),
            (3, "other_organization"),
            (4, "unknown_campaign"),
            (5, "out_of_window"),
            (7, "malformed_json"),
        ],
        "{answer}"
    );

    // Sent again, as a client retrying after a lost answer would: acknowledged again,
    // stored once.
    json(
        send(&app, &key, "application/json", batch.to_string()).await,
        StatusCode::ACCEPTED,
    )
    .await;
    // NDJSON: one more record, and the first one again.
    let ndjson = format!(
        "{}\n\n{first}\n",
        record(&a, "0190f0c4-0000-7000-8000-000000000007", "BOUNCE"),
    );
    let answer = json(
        send(&app, &key, "application/x-ndjson", ndjson).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(answer, json!({"accepted": 2, "refused": []}));

    ingest_until(&app, &brokers, TOPIC, 3).await;
    let client = app.db.connect().await;
    let stored: Vec<String> = testkit::column(
        &client,
        "SELECT event_id::text || ' ' || event_type::text FROM events ORDER BY event_id",
    )
    .await;
    assert_eq!(
        stored,
        [
            "0190f0c4-0000-7000-8000-000000000001 SENT",
            "0190f0c4-0000-7000-8000-000000000006 CLICK",
            "0190f0c4-0000-7000-8000-000000000007 BOUNCE",
        ]
    );
    // The topic's: the organizations' fixtures carry dead letters of their own.
    let dead: i64 = client
        .query_one(
            "SELECT count(*) FROM dead_letters WHERE topic = $1",
            &[&TOPIC],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(dead, 0, "a refused record reached Kafka");
}

#[tokio::test]
async fn bodies_over_the_limits_or_of_another_type_are_refused_whole() {
    let (_kafka, brokers) = cluster(TOPIC);
    let app = App::start_configured(|c| {
        c.events = Some(EventsConfig::new(&brokers, TOPIC));
        c.limits = Limits {
            max_body_bytes: 64 * 1024,
            max_events_per_request: 3,
            ..Limits::default()
        };
    })
    .await;
    let a = app.organization("Acme").await;
    let key = app.key(a.id, &["event.write"]).await;
    let four: Vec<Value> = (1..=4)
        .map(|i| {
            record(
                &a,
                &format!("0190f0c4-0000-7000-8000-00000000000{i}"),
                "SENT",
            )
        })
        .collect();
    let (status, p) =
        problem(send(&app, &key, "application/json", json!(four).to_string()).await).await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "/problems/payload-too-large")
    );
    assert!(
        p.detail.contains("4 records") && p.detail.contains("at most 3"),
        "{p:?}"
    );

    let huge = format!("[{}]", "1,".repeat(40_000) + "1");
    let (status, _) = problem(send(&app, &key, "application/json", huge).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let (status, _) = problem(send(&app, &key, "text/plain", "[]".into()).await).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, p) =
        problem(send(&app, &key, "application/json", "{\"a\": 1}".into()).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(p.detail.contains("NDJSON"), "{p:?}");
    // A key without the permission never gets as far as the body.
    let reader = app.key(a.id, &["campaign.read"]).await;
    let (status, _) = problem(send(&app, &reader, "application/json", "[]".into()).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_key_s_quota_answers_429_and_a_silent_broker_503() {
    let (kafka, brokers) = cluster(TOPIC);
    let app = App::start_configured(|c| {
        let mut events = EventsConfig::new(&brokers, TOPIC);
        events.delivery_timeout = Duration::from_secs(2);
        c.events = Some(events);
        c.rate_limits.events_key = Bucket {
            refill: Duration::from_secs(60),
            burst: 2,
        };
    })
    .await;
    let a = app.organization("Acme").await;
    let key = app.key(a.id, &["event.write"]).await;
    let one = |i: u32| {
        json!([record(
            &a,
            &format!("0190f0c4-0000-7000-8000-00000000001{i}"),
            "SENT"
        )])
        .to_string()
    };

    json(
        send(&app, &key, "application/json", one(1)).await,
        StatusCode::ACCEPTED,
    )
    .await;
    // The broker goes away: nothing is acknowledged, and the answer says to resend.
    kafka.broker_down(1).unwrap();
    let (status, p) = problem(send(&app, &key, "application/json", one(2)).await).await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "/problems/unavailable"),
        "{p:?}"
    );
    kafka.broker_up(1).unwrap();
    let response = send(&app, &key, "application/json", one(3)).await;
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, p) = problem(response).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.detail.contains("event requests"), "{p:?}");
    assert!((1..=60).contains(&wait), "{wait}");
}

#[tokio::test]
async fn without_brokers_the_intake_is_unavailable() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let key = app.key(a.id, &["event.write"]).await;
    let body = json!([record(&a, "0190f0c4-0000-7000-8000-000000000001", "SENT")]).to_string();
    let (status, p) = problem(send(&app, &key, "application/json", body).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{p:?}");
}
