//! The dead letters over HTTP: an organization reads its own, filtered and paged, with
//! the payload (as lossy text, at most 64 KiB) on one letter's GET; another
//! organization's, and letters whose organization could not be read, are 404 and
//! never listed.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{App, Key, json, problem};

/// A letter as the ingest writes it, as the owner.
async fn letter(app: &App, org: Option<i64>, offset: i64, payload: &[u8], reason: &str) -> i64 {
    app.db
        .connect()
        .await
        .query_one(
            "INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, payload, reason, detail, organization_id)
             VALUES ('events', 1, $1, $2, $3, 'as the ingest wrote it', $4) RETURNING id",
            &[&offset, &payload, &reason, &org],
        )
        .await
        .unwrap()
        .get(0)
}

async fn get(app: &App, path: &str, key: &Key) -> Value {
    json(
        app.request(Method::GET, path, Some(key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn an_organization_reads_its_own_dead_letters_and_no_one_elses() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key_a = app.key(a.id, &["campaign.read"]).await;
    let key_b = app.key(b.id, &["campaign.read"]).await;
    let fixture = a.rows["dead-letters"];

    // Cut by the 64 KiB limit inside a three-byte character.
    let mut big = vec![b'a'; 65_535];
    big.extend_from_slice("€ and more".as_bytes());
    let big = letter(&app, Some(a.id), 1000, &big, "payload_too_large").await;
    let bad = letter(
        &app,
        Some(a.id),
        1001,
        b"{\"x\": \"\xff\"}",
        "malformed_json",
    )
    .await;
    let theirs = letter(&app, Some(b.id), 1002, b"{}", "malformed_json").await;
    let nobodys = letter(&app, None, 1003, b"\x00", "malformed_json").await;

    let page = get(&app, "/v1/dead-letters", &key_a).await;
    assert_eq!(ids(&page), [fixture, big, bad]);
    assert!(
        page["items"][1].get("payload").is_none(),
        "a list carries sizes, not payloads: {page}"
    );
    assert_eq!(page["items"][1]["payload_bytes"], 65_535 + 12);
    assert_eq!(
        ids(&get(&app, "/v1/dead-letters", &key_b).await),
        [b.rows["dead-letters"], theirs]
    );

    // Filters and pages.
    let malformed = get(&app, "/v1/dead-letters?reason=malformed_json", &key_a).await;
    assert_eq!(ids(&malformed), [bad]);
    let future = get(&app, "/v1/dead-letters?since=2999-01-01T00:00:00Z", &key_a).await;
    assert_eq!(ids(&future), Vec::<i64>::new());
    let first = get(&app, "/v1/dead-letters?limit=2", &key_a).await;
    assert_eq!(
        (ids(&first), first["next_after"].as_i64()),
        (vec![fixture, big], Some(big))
    );
    let rest = get(
        &app,
        &format!("/v1/dead-letters?limit=2&after={big}"),
        &key_a,
    )
    .await;
    assert_eq!(
        (ids(&rest), rest["next_after"].clone()),
        (vec![bad], Value::Null)
    );
    let (status, p) = problem(
        app.request(Method::GET, "/v1/dead-letters?reason=bogus", Some(&key_a))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::BAD_REQUEST, Some("reason"))
    );
    assert!(p.detail.contains("unknown_campaign"), "{p:?}");

    // One letter, with its payload: truncated without half a character, or lossy.
    let one = get(&app, &format!("/v1/dead-letters/{big}"), &key_a).await;
    let text = one["payload"].as_str().unwrap();
    assert_eq!(
        (text.len(), one["payload_truncated"].as_bool()),
        (65_535, Some(true))
    );
    assert!(text.bytes().all(|c| c == b'a'));
    let one = get(&app, &format!("/v1/dead-letters/{bad}"), &key_a).await;
    assert_eq!(one["payload"], "{\"x\": \"\u{FFFD}\"}");
    assert_eq!(
        (
            one["payload_bytes"].as_i64(),
            one["payload_truncated"].as_bool()
        ),
        (Some(10), Some(false))
    );
    assert_eq!(one["reason"], "malformed_json");
    assert_eq!(one["replayed_at"], Value::Null);

    // Another organization's, and nobody's: not found.
    for id in [theirs, nobodys] {
        let (status, p) = problem(
            app.request(Method::GET, &format!("/v1/dead-letters/{id}"), Some(&key_a))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, p.type_.as_str()),
            (StatusCode::NOT_FOUND, "/problems/not-found")
        );
    }
}
