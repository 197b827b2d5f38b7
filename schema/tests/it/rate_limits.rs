//! The API's rate limits as Postgres token buckets (sql/0016): one statement per check,
//! shared by every replica, configurable per organization.

use std::time::Duration;

use testkit::TestDb;
use tokio_postgres::Client;

use crate::common::app_tx;

async fn take(client: &impl tokio_postgres::GenericClient, org: i64, bucket: &str) -> (bool, i64) {
    let row = client
        .query_one(
            "SELECT allowed, retry_after_ms FROM tally_take_token($1, $2, 'write', 200, 3)",
            &[&org, &bucket],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

async fn two_organizations(client: &Client) {
    client
        .batch_execute("INSERT INTO organizations (id, name) VALUES (1, 'Acme'), (2, 'Globex')")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_burst_is_allowed_then_refused_with_the_wait_then_allowed_again() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    two_organizations(&client).await;
    // As the application role: it may take tokens, only through the function.
    let tx = app_tx(&mut client, Some(1)).await;
    for _ in 0..3 {
        assert_eq!(take(&tx, 1, "key:7:write").await, (true, 0));
    }
    let (allowed, wait) = take(&tx, 1, "key:7:write").await;
    assert!(
        !allowed,
        "a fourth request within the burst of 3 was allowed"
    );
    assert!(
        (1..=200).contains(&wait),
        "retry after {wait} ms with one token per 200 ms"
    );
    // Another bucket, and the same bucket of another organization, are untouched.
    assert_eq!(take(&tx, 1, "key:8:write").await, (true, 0));
    assert_eq!(take(&tx, 2, "key:7:write").await, (true, 0));
    let refused = tx
        .execute("UPDATE rate_limit_buckets SET tokens = 100", &[])
        .await;
    assert!(
        refused.is_err(),
        "the application role changed a bucket directly"
    );
    tx.rollback().await.unwrap();

    // The buckets are committed state: a refused request stays refused on another
    // connection (another replica) until its wait is over.
    let other = db.connect().await;
    for _ in 0..3 {
        take(&client, 1, "key:9:write").await;
    }
    let (allowed, wait) = take(&other, 1, "key:9:write").await;
    assert!(!allowed);
    tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap() + 20)).await;
    assert_eq!(take(&other, 1, "key:9:write").await, (true, 0));
}

#[tokio::test]
async fn an_organizations_setting_overrides_the_default() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    two_organizations(&client).await;
    client
        .batch_execute(
            "INSERT INTO rate_limit_settings (organization_id, action, refill_ms, burst)
             VALUES (2, 'write', 60000, 10)",
        )
        .await
        .unwrap();
    let mut allowed = 0;
    for _ in 0..15 {
        if take(&client, 2, "org:write").await.0 {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 10, "organization 2's burst is 10");
    let (_, wait) = take(&client, 2, "org:write").await;
    assert!(wait > 50_000, "one token a minute: {wait} ms to wait");
    let mut allowed = 0;
    for _ in 0..15 {
        if take(&client, 1, "org:write").await.0 {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 3, "organization 1 keeps the default burst of 3");
}

#[tokio::test]
async fn concurrent_requests_never_take_more_than_the_burst() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    two_organizations(&client).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = db.connect().await;
        tasks.push(tokio::spawn(async move {
            let mut allowed = 0;
            for _ in 0..5 {
                let row = client
                    .query_one(
                        "SELECT allowed FROM tally_take_token(1, 'org:write', 'write', 60000, 12)",
                        &[],
                    )
                    .await
                    .unwrap();
                if row.get::<_, bool>(0) {
                    allowed += 1;
                }
            }
            allowed
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(
        total, 12,
        "40 requests from 8 connections against a burst of 12"
    );
}

async fn take_pair(client: &Client, caller: &str) -> (bool, i64, String) {
    let row = client
        .query_one(
            "SELECT allowed, retry_after_ms, bucket \
               FROM tally_take_tokens(1, $1, 'write.key', 60000, 2, 'org:write', 'write.organization', 60000, 3)",
            &[&caller],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn a_pair_spends_the_organizations_tokens_only_when_the_caller_may_go_on() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    two_organizations(&client).await;
    // Key 1 spends its burst of 2; its third request is refused by its own bucket.
    assert!(take_pair(&client, "key:1:write").await.0);
    assert!(take_pair(&client, "key:1:write").await.0);
    let (allowed, wait, bucket) = take_pair(&client, "key:1:write").await;
    assert_eq!((allowed, bucket.as_str()), (false, "key:1:write"));
    assert!((1..=60_000).contains(&wait), "{wait}");
    // That refusal left the organization one of its 3 tokens: key 2 gets it, then
    // the organization's bucket refuses key 2's next request.
    assert_eq!(
        take_pair(&client, "key:2:write").await,
        (true, 0, "org:write".to_owned())
    );
    let (allowed, _, bucket) = take_pair(&client, "key:2:write").await;
    assert_eq!((allowed, bucket.as_str()), (false, "org:write"));
    let org_tokens: f64 = client
        .query_one(
            "SELECT tokens FROM rate_limit_buckets WHERE organization_id = 1 AND bucket = 'org:write'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(org_tokens < 1.0, "{org_tokens}");
}
