//! Unique contacts over weeks, months and lifetimes against a real Postgres: estimates
//! from ingest's sketch fragments within the sketch's error of the exact count over the
//! same events, idempotent merging, and a corrupt fragment stopping the merge loudly.
#![allow(clippy::unwrap_used)]

use aggregator::{AggregateError, Finality, aggregate, merge_unique_contacts};
use chrono::NaiveDate;
use schema::EventType;
use sketch::Fragment;
use testkit::TestDb;
use testkit::at;
use tokio_postgres::Client;

/// Days from Wednesday 2026-10-28 to Wednesday 2026-11-04: two months, two ISO weeks.
const DAYS: [&str; 8] = [
    "2026-10-28",
    "2026-10-29",
    "2026-10-30",
    "2026-10-31",
    "2026-11-01",
    "2026-11-02",
    "2026-11-03",
    "2026-11-04",
];

/// Stores `n` events of a campaign on `day` whose contacts overlap with other days', and
/// the sketch fragments ingest would have written for them, in three batches.
async fn ingest(client: &Client, campaign: i64, day: &str, n: i32, seed: i32) {
    client
        .execute(
            "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                                 occurred_at, event_data)
             SELECT gen_random_uuid(), 1, $1, abs(hashint4(g * 7919 + $4)) % 5000,
                    (ARRAY['SENT', 'OPEN', 'CLICK']::event_type[])[1 + g % 3],
                    $2::text::date::timestamp AT TIME ZONE 'UTC' + (g % 86400) * interval '1 second',
                    '{}'
             FROM generate_series(1, $3::int) g",
            &[&campaign, &day, &n, &seed],
        )
        .await
        .unwrap();
    let rows = client
        .query(
            "SELECT organization_id, campaign_id, event_type, contact_id FROM events
             WHERE campaign_id = $1 AND occurred_at >= $2::text::date::timestamp AT TIME ZONE 'UTC'
               AND occurred_at < ($2::text::date + 1)::timestamp AT TIME ZONE 'UTC'",
            &[&campaign, &day],
        )
        .await
        .unwrap();
    let events: Vec<(i64, i64, EventType, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    for batch in events.chunks(events.len().div_ceil(3)) {
        insert_fragment(client, day, &Fragment::of(batch.iter().copied()).encode()).await;
    }
}

async fn insert_fragment(client: &Client, day: NaiveDate, bytes: &[u8]) {
    client
        .execute(
            "INSERT INTO event_sketch_fragments (day, sketches) VALUES ($1, $2)",
            &[&day, &bytes],
        )
        .await
        .unwrap();
}

async fn migrated() -> (TestDb, Client) {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    for s in ["2026-10-28", "2026-10-29", "2026-10-30", "2026-10-31"] {
        client
            .execute("SELECT tally_create_day_partition($1::text::date)", &[&s])
            .await
            .unwrap();
    }
    client
        .execute("SELECT tally_premake_partitions(4, '2026-11-01')", &[])
        .await
        .unwrap();
    (db, client)
}

/// Every (campaign, type, period, start) with its estimate and the exact count over the
/// same events.
async fn estimates_and_exact(client: &Client) -> Vec<(String, i64, i64)> {
    client
        .query(
            "SELECT format('%s %s %s %s', u.campaign_id, u.event_type, u.period, u.period_start),
                    u.unique_contacts,
                    (SELECT count(DISTINCT e.contact_id) FROM events e
                     WHERE e.organization_id = u.organization_id AND e.campaign_id = u.campaign_id
                       AND e.event_type = u.event_type
                       AND (u.period = 'lifetime'
                            OR (e.occurred_at >= u.period_start::timestamp AT TIME ZONE 'UTC'
                                AND e.occurred_at < (u.period_start + CASE u.period WHEN 'week'
                                    THEN interval '7 days' ELSE interval '1 month' END)
                                    ::timestamp AT TIME ZONE 'UTC')))
             FROM event_unique_contacts u ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[tokio::test]
async fn week_month_and_lifetime_estimates_are_within_the_sketch_error_of_exact_counts() {
    let (_db, mut client) = migrated().await;
    for (i, day) in DAYS.iter().enumerate() {
        ingest(&client, 10, day, 3_000, i as i32).await;
        ingest(&client, 11, day, 300, 100 + i as i32).await;
    }
    let report = aggregate(&mut client, at("2026-11-10T02:00:00Z"), Finality::default())
        .await
        .unwrap();

    let rows = estimates_and_exact(&client).await;
    // 2 campaigns x 3 types x (2 weeks + 2 months + lifetime).
    assert_eq!(rows.len(), 30, "{rows:?}");
    assert_eq!(report.unique_rows, 30);
    for (key, estimate, exact) in &rows {
        assert!(*exact > 0, "{key}: no events");
        let allowed = (*exact as f64 * 0.025).max(2.0) as i64;
        assert!(
            (estimate - exact).abs() <= allowed,
            "{key}: estimate {estimate}, exact {exact}"
        );
    }
    // Sums of daily uniques would overcount: the ranges are not sums.
    let lifetime: i64 = client
        .query_one(
            "SELECT unique_contacts FROM event_unique_contacts
             WHERE campaign_id = 10 AND event_type = 'SENT' AND period = 'lifetime'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let summed: i64 = client
        .query_one(
            "SELECT sum(n)::bigint FROM (
                 SELECT count(DISTINCT contact_id) AS n FROM events
                 WHERE campaign_id = 10 AND event_type = 'SENT' GROUP BY occurred_at::date) d",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        lifetime < summed * 3 / 4,
        "lifetime {lifetime}, sum of days {summed}"
    );

    let left: i64 = client
        .query_one("SELECT count(*) FROM event_sketch_fragments", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "every fragment is merged and deleted");
    let again = aggregate(&mut client, at("2026-11-10T03:00:00Z"), Finality::default())
        .await
        .unwrap();
    assert_eq!(again.unique_rows, 0, "a second run writes nothing");
}

#[tokio::test]
async fn merging_the_same_events_again_changes_no_estimate() {
    let (_db, mut client) = migrated().await;
    for day in &DAYS[..3] {
        ingest(&client, 10, day, 2_000, 1).await;
    }
    merge_unique_contacts(&mut client, at("2026-11-01T00:00:00Z"))
        .await
        .unwrap();
    let before = estimates_and_exact(&client).await;
    // The same events' fragments once more, as a replay would produce.
    for day in &DAYS[..3] {
        let rows = client
            .query(
                "SELECT organization_id, campaign_id, event_type, contact_id FROM events
                 WHERE occurred_at::date = $1::text::date",
                &[day],
            )
            .await
            .unwrap();
        let fragment = Fragment::of(
            rows.iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))),
        );
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        insert_fragment(&client, day, &fragment.encode()).await;
    }
    let report = merge_unique_contacts(&mut client, at("2026-11-02T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(report.fragments, 3);
    assert_eq!(estimates_and_exact(&client).await, before);
}

#[tokio::test]
async fn a_corrupt_fragment_stops_the_merge_and_stays_for_inspection() {
    let (_db, mut client) = migrated().await;
    let day = NaiveDate::from_ymd_opt(2026, 10, 28).unwrap();
    insert_fragment(&client, day, b"\x01\x05").await;
    let err = merge_unique_contacts(&mut client, at("2026-11-01T00:00:00Z"))
        .await
        .unwrap_err();
    assert!(matches!(err, AggregateError::CorruptSketch { .. }), "{err}");
    assert!(err.to_string().contains("event_sketch_fragments"), "{err}");
    let left: i64 = client
        .query_one("SELECT count(*) FROM event_sketch_fragments", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 1);
}
