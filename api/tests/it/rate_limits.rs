//! Rate limits through HTTP: a key's writes, then its organization's, are refused with
//! 429 and `Retry-After` once spent, reads never are, a refused write changes nothing,
//! a spent limit is answered by the replica without asking the database again, tokens
//! come back after the wait, and an organization's setting overrides the default.

use std::time::Duration;

use api::{Bucket, RateLimits};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{App, Key, json, problem};

/// Creates a contact list as `key`; the response's status.
async fn write(app: &App, key: &Key, name: &str) -> reqwest::Response {
    app.request(Method::POST, "/v1/contact-lists", Some(key))
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap()
}

async fn lists(app: &App, org: i64) -> i64 {
    app.db
        .connect()
        .await
        .query_one(
            "SELECT count(*) FROM contact_lists WHERE organization_id = $1",
            &[&org],
        )
        .await
        .unwrap()
        .get(0)
}

async fn refilled_at(app: &App, org: i64, bucket: &str) -> String {
    app.db
        .connect()
        .await
        .query_one(
            "SELECT refilled_at::text FROM rate_limit_buckets \
             WHERE organization_id = $1 AND bucket = $2",
            &[&org, &bucket],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn writes_are_refused_per_key_then_per_organization_and_recover() {
    let app = App::start_configured(|config| {
        config.rate_limits = RateLimits {
            write_key: Bucket {
                refill: Duration::from_millis(1500),
                burst: 3,
            },
            write_organization: Bucket {
                refill: Duration::from_secs(60),
                burst: 5,
            },
            ..RateLimits::default()
        };
    })
    .await;
    let org = app.empty_organization("Acme").await;
    let first = app.key(org, &["list.read", "list.write"]).await;
    let second = app.key(org, &["list.read", "list.write"]).await;

    for i in 0..3 {
        json(
            write(&app, &first, &format!("L{i}")).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let response = write(&app, &first, "over").await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, p) = problem(response).await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "/problems/rate-limited")
    );
    assert!(p.detail.contains("this API key's writes"), "{p:?}");
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(lists(&app, org).await, 3, "a refused write was stored");

    // Reads are not limited.
    let page = json(
        app.request(Method::GET, "/v1/contact-lists", Some(&first))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);

    // The key is refused again from the replica's memory: the bucket is not touched.
    let bucket = format!("key:{}:write", first.id);
    let before = refilled_at(&app, org, &bucket).await;
    let (status, _) = problem(write(&app, &first, "again").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refilled_at(&app, org, &bucket).await, before);

    // Another key of the organization has its own bucket, but the organization's
    // 5 tokens hold only 2 more writes.
    json(write(&app, &second, "S0").await, StatusCode::CREATED).await;
    json(write(&app, &second, "S1").await, StatusCode::CREATED).await;
    let response = write(&app, &second, "S2").await;
    let org_wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, p) = problem(response).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.detail.contains("the organization's writes"), "{p:?}");
    assert!((30..=60).contains(&org_wait), "Retry-After {org_wait}");

    // Another organization is not affected.
    let other = app.empty_organization("Globex").await;
    let stranger = app.key(other, &["list.write"]).await;
    json(write(&app, &stranger, "G").await, StatusCode::CREATED).await;

    // After the wait the first key's bucket has a token again; the organization's
    // does not, so the answer names the organization.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (status, p) = problem(write(&app, &first, "later").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.detail.contains("the organization's writes"), "{p:?}");
    assert_eq!(lists(&app, org).await, 5);
}

#[tokio::test]
async fn a_key_recovers_after_retry_after_and_an_organizations_setting_overrides_the_default() {
    let app = App::start_configured(|config| {
        config.rate_limits.write_key = Bucket {
            refill: Duration::from_millis(1000),
            burst: 1,
        };
    })
    .await;
    let org = app.empty_organization("Acme").await;
    let key = app.key(org, &["list.write"]).await;
    json(write(&app, &key, "one").await, StatusCode::CREATED).await;
    let response = write(&app, &key, "two").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(wait)).await;
    json(write(&app, &key, "two").await, StatusCode::CREATED).await;

    // An operator gives another organization's keys a burst of 4.
    let bigger = app.empty_organization("Globex").await;
    app.db
        .connect()
        .await
        .execute(
            "INSERT INTO rate_limit_settings (organization_id, action, refill_ms, burst) \
             VALUES ($1, 'write.key', 60000, 4)",
            &[&bigger],
        )
        .await
        .unwrap();
    let key = app.key(bigger, &["list.write"]).await;
    for i in 0..4 {
        json(
            write(&app, &key, &format!("B{i}")).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let response = write(&app, &key, "B4").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((50..=60).contains(&wait), "Retry-After {wait}");
}
