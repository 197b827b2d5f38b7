//! The aggregation against a real, migrated Postgres, with a fixed clock: exact results,
//! idempotence, finality, late events and restatement.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use aggregator::{AggregateError, Finality, aggregate, restate};
use chrono::{DateTime, NaiveDate, Utc};
use schema::EventType;
use schema::live_counts::{CountKey, LiveCounts};
use testkit::TestDb;
use testkit::{at, day};
use tokio_postgres::Client;

/// Stores `n` events of one campaign spread over `day`, cycling through three event
/// types and `contacts` contacts, received at `received`, and counts them and marks the
/// campaign day through the statements ingest runs. With `n` = 0 the day is marked
/// again with nothing new, to show that a rerun changes nothing.
async fn ingest(
    client: &Client,
    (org, campaign): (i64, i64),
    day: &str,
    n: i32,
    contacts: i64,
    received: &str,
) {
    client
        .execute(
            "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                                 occurred_at, event_data, received_at)
             SELECT gen_random_uuid(), $1, $2, g % $4::bigint,
                    (ARRAY['SENT', 'OPEN', 'CLICK']::event_type[])[1 + g % 3],
                    $3::text::date::timestamp AT TIME ZONE 'UTC' + (g % 86400) * interval '1 second',
                    '{}', $6
             FROM generate_series(1, $5::int) g",
            &[&org, &campaign, &day, &contacts, &n, &at(received)],
        )
        .await
        .unwrap();
    let types = [EventType::Sent, EventType::Open, EventType::Click];
    let mut counts: BTreeMap<CountKey, i64> = BTreeMap::new();
    if n == 0 {
        for t in types {
            counts.insert((org, campaign, t, testkit::day(day)), 0);
        }
    }
    for g in 1..=n {
        let t = types[(g % 3) as usize];
        *counts
            .entry((org, campaign, t, testkit::day(day)))
            .or_default() += 1;
    }
    LiveCounts::from_counts(counts)
        .write(client, 0)
        .await
        .unwrap();
}

async fn database() -> (TestDb, Client) {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    client
        .execute("SELECT tally_premake_partitions(5, '2026-11-18')", &[])
        .await
        .unwrap();
    (db, client)
}

type Row = (i64, i64, String, NaiveDate, i64, i64);

/// The aggregates as the aggregator wrote them.
async fn aggregates(client: &Client) -> Vec<Row> {
    client
        .query(
            "SELECT organization_id, campaign_id, event_type::text, day, event_count, unique_contacts
             FROM event_aggregations ORDER BY 1, 2, 3, 4",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

/// The same figures computed independently, straight from events.
async fn expected(client: &Client) -> Vec<Row> {
    client
        .query(
            "SELECT organization_id, campaign_id, event_type::text,
                    (occurred_at AT TIME ZONE 'UTC')::date, count(*), count(DISTINCT contact_id)
             FROM events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

async fn finality_of(client: &Client, d: &str) -> Vec<(bool, Option<DateTime<Utc>>)> {
    client
        .query(
            "SELECT DISTINCT is_final, counted_through FROM event_aggregations WHERE day = $1::text::date",
            &[&d],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

async fn late(client: &Client) -> Vec<(i64, String, NaiveDate, i64)> {
    client
        .query(
            "SELECT campaign_id, event_type::text, day, late_events FROM event_late_counts ORDER BY 1, 2, 3",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// Three days of several campaigns in two organizations, ingested as they happened.
async fn three_days(client: &Client) {
    for (org, campaign) in [(1, 11), (1, 12), (2, 21)] {
        ingest(
            client,
            (org, campaign),
            "2026-11-19",
            3_000,
            700,
            "2026-11-19T12:00:00Z",
        )
        .await;
        ingest(
            client,
            (org, campaign),
            "2026-11-20",
            2_000,
            900,
            "2026-11-20T12:00:00Z",
        )
        .await;
    }
    ingest(
        client,
        (1, 11),
        "2026-11-21",
        1_500,
        400,
        "2026-11-21T12:00:00Z",
    )
    .await;
}

#[tokio::test]
async fn the_nightly_run_gives_exactly_what_sql_over_events_gives() {
    let (_db, mut client) = database().await;
    three_days(&client).await;
    let now = at("2026-11-22T02:00:00Z");
    let report = aggregate(&mut client, now, Finality::default())
        .await
        .unwrap();

    assert_eq!(report.days, 3);
    assert_eq!(report.campaign_days, 7);
    let got = aggregates(&client).await;
    assert_eq!(got.len(), 21, "3 types x 7 campaign days");
    assert_eq!(got, expected(&client).await);
    // Two days ended more than 24 hours ago: final as of this run. The third ended
    // two hours ago.
    assert_eq!(
        finality_of(&client, "2026-11-19").await,
        vec![(true, Some(now))]
    );
    assert_eq!(
        finality_of(&client, "2026-11-20").await,
        vec![(true, Some(now))]
    );
    assert_eq!(
        finality_of(&client, "2026-11-21").await,
        vec![(false, None)]
    );
    let pending: i64 = client
        .query_one("SELECT count(*) FROM event_invalidations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(pending, 0, "every invalidation is claimed");
}

#[tokio::test]
async fn a_second_run_with_no_new_events_touches_no_day() {
    let (_db, mut client) = database().await;
    three_days(&client).await;
    let now = at("2026-11-22T02:00:00Z");
    aggregate(&mut client, now, Finality::default())
        .await
        .unwrap();
    let stamp = "SELECT max(computed_at), count(*) FROM event_aggregations";
    let before: (DateTime<Utc>, i64) = {
        let r = client.query_one(stamp, &[]).await.unwrap();
        (r.get(0), r.get(1))
    };

    let again = aggregate(
        &mut client,
        now + chrono::TimeDelta::minutes(5),
        Finality::default(),
    )
    .await
    .unwrap();
    assert_eq!(again.days, 0);
    assert_eq!(again.rows_affected(), 0);
    let r = client.query_one(stamp, &[]).await.unwrap();
    assert_eq!((r.get::<_, DateTime<Utc>>(0), r.get::<_, i64>(1)), before);
}

#[tokio::test]
async fn events_received_before_finality_fold_into_the_final_row() {
    let (_db, mut client) = database().await;
    three_days(&client).await;
    aggregate(&mut client, at("2026-11-22T02:00:00Z"), Finality::default())
        .await
        .unwrap();
    // 2026-11-21 is not final until 2026-11-23T00:00: these are on time.
    ingest(
        &client,
        (1, 11),
        "2026-11-21",
        300,
        400,
        "2026-11-22T10:00:00Z",
    )
    .await;
    ingest(
        &client,
        (1, 12),
        "2026-11-21",
        90,
        50,
        "2026-11-22T23:59:59Z",
    )
    .await;

    aggregate(&mut client, at("2026-11-23T02:00:00Z"), Finality::default())
        .await
        .unwrap();
    assert_eq!(aggregates(&client).await, expected(&client).await);
    assert_eq!(
        finality_of(&client, "2026-11-21").await,
        vec![(true, Some(at("2026-11-23T02:00:00Z")))]
    );
    assert!(late(&client).await.is_empty());
}

#[tokio::test]
async fn a_backfilled_day_is_final_at_once_with_every_event_and_none_late() {
    let (_db, mut client) = database().await;
    // History loaded long after the days ended, before any aggregation.
    ingest(
        &client,
        (1, 11),
        "2026-11-18",
        500,
        80,
        "2026-11-22T01:00:00Z",
    )
    .await;
    ingest(
        &client,
        (1, 12),
        "2026-11-19",
        400,
        90,
        "2026-11-22T01:30:00Z",
    )
    .await;
    let now = at("2026-11-22T02:00:00Z");
    aggregate(&mut client, now, Finality::default())
        .await
        .unwrap();
    assert_eq!(aggregates(&client).await, expected(&client).await);
    assert_eq!(
        finality_of(&client, "2026-11-18").await,
        vec![(true, Some(now))]
    );
    assert!(late(&client).await.is_empty());
}

#[tokio::test]
async fn late_events_are_counted_as_late_and_the_final_row_stays_until_restated() {
    let (_db, mut client) = database().await;
    three_days(&client).await;
    let first = at("2026-11-22T02:00:00Z");
    aggregate(&mut client, first, Finality::default())
        .await
        .unwrap();
    let final_rows = "SELECT organization_id, campaign_id, event_type::text, event_count,
                             unique_contacts, is_final, counted_through, computed_at
                      FROM event_aggregations WHERE day = '2026-11-20' ORDER BY 1, 2, 3";
    let snapshot = |rows: Vec<tokio_postgres::Row>| -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "{r:?}{:?}",
                    (r.get::<_, i64>(3), r.get::<_, DateTime<Utc>>(7))
                )
            })
            .collect()
    };
    let before = snapshot(client.query(final_rows, &[]).await.unwrap());

    // 2026-11-20 became final at 2026-11-22T00:00: 30 events arriving after that
    // (10 of each type) are late; so are 6 of a campaign with no final row that day.
    ingest(
        &client,
        (1, 11),
        "2026-11-20",
        30,
        5,
        "2026-11-22T05:00:00Z",
    )
    .await;
    ingest(&client, (1, 13), "2026-11-20", 6, 2, "2026-11-22T05:00:00Z").await;
    let second = at("2026-11-23T02:00:00Z");
    let report = aggregate(&mut client, second, Finality::default())
        .await
        .unwrap();
    assert_eq!(report.late_keys, 6);

    assert_eq!(
        snapshot(client.query(final_rows, &[]).await.unwrap()),
        before,
        "final rows unchanged"
    );
    let d = day("2026-11-20");
    assert_eq!(
        late(&client).await,
        vec![
            (11, "CLICK".into(), d, 10),
            (11, "OPEN".into(), d, 10),
            (11, "SENT".into(), d, 10),
            (13, "CLICK".into(), d, 2),
            (13, "OPEN".into(), d, 2),
            (13, "SENT".into(), d, 2),
        ]
    );
    // Rerunning changes nothing.
    ingest(&client, (1, 11), "2026-11-20", 0, 5, "2026-11-22T05:00:00Z").await;
    aggregate(&mut client, second, Finality::default())
        .await
        .unwrap();
    assert_eq!(late(&client).await.len(), 6);
    assert_eq!(
        snapshot(client.query(final_rows, &[]).await.unwrap()),
        before
    );

    // A restatement folds the late events in, on purpose.
    let restated_at = at("2026-11-23T09:30:00Z");
    let report = restate(&mut client, d, restated_at, Finality::default())
        .await
        .unwrap();
    assert_eq!(report.rows, 12, "3 types x 4 campaigns");
    assert_eq!(aggregates(&client).await, expected(&client).await);
    assert!(late(&client).await.is_empty());
    assert_eq!(
        finality_of(&client, "2026-11-20").await,
        vec![(true, Some(restated_at))]
    );

    // Events after the restatement are late against it.
    ingest(&client, (2, 21), "2026-11-20", 3, 3, "2026-11-23T10:00:00Z").await;
    aggregate(&mut client, at("2026-11-24T02:00:00Z"), Finality::default())
        .await
        .unwrap();
    assert_eq!(late(&client).await.len(), 3);
}

#[tokio::test]
async fn restating_a_day_without_its_partition_is_refused() {
    let (_db, mut client) = database().await;
    let err = restate(
        &mut client,
        day("2025-01-01"),
        at("2026-11-22T02:00:00Z"),
        Finality::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AggregateError::DayNotInDatabase(_)));
    assert!(err.to_string().contains("2025-01-01"), "{err}");
}
