//! The batch transaction against a real Postgres, without Kafka.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use testkit::TestDb;

use super::*;
use crate::batch::Record;
use crate::decode::{Limits, Reason};

const TOPIC: &str = "events-test";

struct Fixture {
    db: TestDb,
    writer: Writer,
    pool: Pool,
}

async fn fixture() -> Fixture {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    client
        .batch_execute(
            "INSERT INTO organizations (id, name, domain) VALUES (1, 'Acme', 'acme.example');
             INSERT INTO campaigns (organization_id, id, name, landing_page_slug) VALUES (1, 1, 'November', 'november');
             INSERT INTO ingest_offsets (topic, kafka_partition, next_offset) VALUES ('events-test', 0, 0);",
        )
        .await
        .unwrap();
    let pool = schema::pool(db.config(), 4).unwrap();
    let days = DayCache::load(&client).await.unwrap();
    let writer = Writer::new(pool.clone(), TOPIC, days, 1).await.unwrap();
    Fixture { db, writer, pool }
}

/// A valid event; the same `n` always gives the same event_id and occurred_at, as a
/// producer's retry does.
fn event(n: u128, data: &str) -> Vec<u8> {
    static BASE: std::sync::OnceLock<DateTime<Utc>> = std::sync::OnceLock::new();
    let base = BASE.get_or_init(|| Utc::now() - TimeDelta::hours(2));
    let id = Uuid::from_u128(0x0193_6d3e_7f1a_7c3e_9a51_0000_0000_0000 + n);
    let at = (*base + TimeDelta::milliseconds(n as i64)).to_rfc3339();
    format!(
        r#"{{"event_id":"{id}","organization_id":1,"campaign_id":1,"contact_id":{n},"event_type":"OPEN","occurred_at":"{at}","ip_address":"203.0.113.7","event_data":{data}}}"#
    )
    .into_bytes()
}

/// A batch of partition 0 from `position`, one record per payload at consecutive offsets.
fn batch(position: i64, payloads: Vec<Vec<u8>>) -> Batch {
    let mut batch = Batch::new();
    for (i, payload) in payloads.into_iter().enumerate() {
        batch.push(
            Record {
                partition: 0,
                offset: position + i as i64,
                payload,
            },
            position,
            &Limits::default(),
            Utc::now(),
        );
    }
    batch
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.connect().await.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_batch_commits_events_dead_letters_counters_and_its_offsets_together() {
    let f = fixture().await;
    let mut b = batch(
        0,
        vec![
            event(1, "{}"),
            event(2, r#"{"url":"https://acme.example/offer"}"#),
            event(1, "{}"),
            b"{not json".to_vec(),
            event(3, "{}"),
        ],
    );
    let outcome = f.writer.write(&mut b).await.unwrap();
    assert_eq!(outcome.stored, 3);
    assert_eq!(outcome.duplicates, 1);
    assert_eq!(outcome.dead.get(&Reason::MalformedJson), Some(&1));
    assert_eq!(outcome.committed, vec![(0, 5)]);
    assert!(b.is_empty(), "the batch is emptied once committed");

    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, 3);
    assert_eq!(
        count(
            &f.db,
            "SELECT next_offset FROM ingest_offsets WHERE kafka_partition = 0"
        )
        .await,
        5
    );
    assert_eq!(
        count(
            &f.db,
            "SELECT kafka_offset FROM dead_letters WHERE reason = 'malformed_json'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &f.db,
            "SELECT sum(event_count)::bigint FROM event_counters WHERE shard = 0"
        )
        .await,
        3
    );
    assert_eq!(
        count(&f.db, "SELECT count(*) FROM event_invalidations").await,
        1
    );
    let data: String =
        f.db.connect()
            .await
            .query_one(
                "SELECT event_data::text FROM events WHERE contact_id = 2",
                &[],
            )
            .await
            .unwrap()
            .get(0);
    assert_eq!(data, r#"{"url": "https://acme.example/offer"}"#);

    // One sketch fragment for the batch's one day, of the stored events' contacts.
    let fragments =
        f.db.connect()
            .await
            .query("SELECT sketches FROM event_sketch_fragments", &[])
            .await
            .unwrap();
    assert_eq!(fragments.len(), 1);
    let fragment = Fragment::decode(fragments[0].get(0)).unwrap();
    assert_eq!(fragment.sketches.len(), 1);
    assert_eq!(fragment.sketches[&(1, 1, EventType::Open)].estimate(), 3);
    assert_eq!(fragment.sketches[&(1, 1, EventType::Open)].events, 3);
}

#[tokio::test]
async fn a_repeat_of_a_stored_event_is_dropped_and_counted_never_stored_twice() {
    let f = fixture().await;
    let first = f
        .writer
        .write(&mut batch(0, vec![event(1, "{}"), event(2, "{}")]))
        .await
        .unwrap();
    assert_eq!(first.stored, 2);
    // Another process (a writer without this one's memory of recent keys): its COPY
    // meets the primary key, and the batch goes through the staging table.
    let days = DayCache::load(&f.db.connect().await).await.unwrap();
    let other = Writer::new(f.pool.clone(), TOPIC, days, 1).await.unwrap();
    let second = other
        .write(&mut batch(
            2,
            vec![event(2, "{}"), event(3, "{}"), event(1, "{}")],
        ))
        .await
        .unwrap();
    assert_eq!(second.stored, 1);
    assert_eq!(second.duplicates, 2);
    // This process remembers what it stored: the repeats never reach the COPY.
    let third = f
        .writer
        .write(&mut batch(
            5,
            vec![event(1, "{}"), event(4, "{}"), event(2, "{}")],
        ))
        .await
        .unwrap();
    assert_eq!((third.stored, third.duplicates), (1, 2));
    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, 4);
    assert_eq!(
        count(&f.db, "SELECT sum(event_count)::bigint FROM event_counters").await,
        4,
        "counters count stored events only"
    );
    assert_eq!(
        count(&f.db, "SELECT next_offset FROM ingest_offsets").await,
        8
    );
}

/// Makes Postgres refuse, as a row error, every event of contact `contact`: what the
/// decoder lets through and the database still refuses.
async fn refuse_contact(db: &TestDb, contact: i64) {
    db.connect()
        .await
        .batch_execute(&format!(
            "ALTER TABLE events ADD CONSTRAINT refuse_{contact} CHECK (contact_id <> {contact})"
        ))
        .await
        .unwrap();
}

/// `event(n, "{}")` with another contact: the same event as far as its key goes.
fn event_of_contact(n: u128, contact: i64) -> Vec<u8> {
    let text = String::from_utf8(event(n, "{}")).unwrap();
    text.replace(
        &format!(r#""contact_id":{n},"#),
        &format!(r#""contact_id":{contact},"#),
    )
    .into_bytes()
}

#[tokio::test]
async fn a_record_postgres_refuses_is_isolated_and_the_rest_commits() {
    let f = fixture().await;
    refuse_contact(&f.db, 37).await;
    let payloads: Vec<Vec<u8>> = (1..=100).map(|n| event(n, "{}")).collect();
    let outcome = f.writer.write(&mut batch(0, payloads)).await.unwrap();
    assert_eq!(outcome.stored, 99, "{outcome:?}");
    assert_eq!(outcome.dead.get(&Reason::RejectedByDatabase), Some(&1));
    let row =
        f.db.connect()
            .await
            .query_one("SELECT kafka_offset, detail FROM dead_letters", &[])
            .await
            .unwrap();
    assert_eq!(row.get::<_, i64>(0), 36, "offset of the record with n = 37");
    let detail: String = row.get(1);
    assert!(detail.contains("23514"), "{detail}");
    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, 99);
}

#[tokio::test]
async fn a_copy_postgres_refuses_does_not_shadow_a_valid_twin_in_its_batch() {
    let f = fixture().await;
    refuse_contact(&f.db, 37).await;
    // Event 5 four times: refused, refused, valid, then a true repeat of the valid one;
    // event 6 once, between them.
    let outcome = f
        .writer
        .write(&mut batch(
            0,
            vec![
                event_of_contact(5, 37),
                event_of_contact(5, 37),
                event(6, "{}"),
                event_of_contact(5, 12),
                event_of_contact(5, 12),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(outcome.stored, 2, "{outcome:?}");
    assert_eq!(outcome.dead.get(&Reason::RejectedByDatabase), Some(&2));
    assert_eq!(outcome.duplicates, 1);
    assert_eq!(
        count(&f.db, "SELECT count(*) FROM events WHERE contact_id = 12").await,
        1,
        "the valid copy is stored"
    );
    let refused: Vec<i64> =
        f.db.connect()
            .await
            .query("SELECT kafka_offset FROM dead_letters ORDER BY 1", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(
        refused,
        [0, 1],
        "each refused copy is a dead letter of its own"
    );
    assert_eq!(
        count(&f.db, "SELECT sum(event_count)::bigint FROM event_counters").await,
        2
    );
}

#[tokio::test]
async fn a_copy_the_catalog_refuses_does_not_shadow_a_valid_twin_in_its_batch() {
    let f = fixture().await;
    let unknown = String::from_utf8(event(5, "{}"))
        .unwrap()
        .replace(r#""campaign_id":1,"#, r#""campaign_id":999999,"#)
        .into_bytes();
    let mut b = batch(0, vec![unknown, event(5, "{}")]);
    b.reject_unknown(|_, campaign| {
        if campaign == 1 {
            Ok(())
        } else {
            Err(Reason::UnknownCampaign)
        }
    });
    let outcome = f.writer.write(&mut b).await.unwrap();
    assert_eq!(outcome.stored, 1, "{outcome:?}");
    assert_eq!(outcome.duplicates, 0);
    assert_eq!(outcome.dead.get(&Reason::UnknownCampaign), Some(&1));
    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, 1);
}

#[tokio::test]
async fn an_event_is_its_id_and_time_inside_a_batch_as_across_batches() {
    let f = fixture().await;
    let later = |n: u128| {
        let text = String::from_utf8(event(n, "{}")).unwrap();
        let at = text.split(r#""occurred_at":""#).nth(1).unwrap();
        let at = &at[..at.find('"').unwrap()];
        let moved =
            (DateTime::parse_from_rfc3339(at).unwrap() + TimeDelta::seconds(1)).to_rfc3339();
        text.replace(at, &moved).into_bytes()
    };
    // In one batch: the same id at two times is two events; a true repeat is one.
    let first = f
        .writer
        .write(&mut batch(
            0,
            vec![event(1, "{}"), later(1), event(1, "{}")],
        ))
        .await
        .unwrap();
    assert_eq!((first.stored, first.duplicates), (2, 1), "{first:?}");
    // Across batches, the same rule.
    let second = f
        .writer
        .write(&mut batch(3, vec![later(1), event(2, "{}"), later(2)]))
        .await
        .unwrap();
    assert_eq!((second.stored, second.duplicates), (2, 1), "{second:?}");
    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, 4);
}

#[tokio::test]
async fn a_batch_from_a_position_another_consumer_moved_is_refused_whole() {
    let f = fixture().await;
    f.db.connect()
        .await
        .batch_execute("UPDATE ingest_offsets SET next_offset = 5")
        .await
        .unwrap();
    let outcome = f
        .writer
        .write(&mut batch(0, vec![event(1, "{}"), b"bad".to_vec()]))
        .await
        .unwrap();
    assert_eq!(outcome.fenced, vec![(0, 5)]);
    assert_eq!(outcome.stored, 0);
    assert!(outcome.committed.is_empty());
    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, 0);
    assert_eq!(count(&f.db, "SELECT count(*) FROM dead_letters").await, 0);
    assert_eq!(
        count(&f.db, "SELECT next_offset FROM ingest_offsets").await,
        5
    );
}

#[tokio::test]
async fn a_batch_for_a_day_without_a_partition_creates_it_first() {
    let f = fixture().await;
    let at = (Utc::now() - TimeDelta::days(40)).to_rfc3339();
    let payload = format!(
        r#"{{"event_id":"{}","organization_id":1,"campaign_id":1,"contact_id":9,"event_type":"SENT","occurred_at":"{at}"}}"#,
        Uuid::now_v7()
    );
    let outcome = f
        .writer
        .write(&mut batch(0, vec![payload.into_bytes()]))
        .await
        .unwrap();
    assert_eq!(outcome.stored, 1);
    let day = DayPartition::of((Utc::now() - TimeDelta::days(40)).date_naive());
    let in_partition = count(&f.db, &format!("SELECT count(*) FROM {day}")).await;
    assert_eq!(in_partition, 1);
}

#[tokio::test]
async fn a_batch_whose_connection_is_killed_mid_copy_is_retried_without_loss_or_duplicates() {
    let f = fixture().await;
    let n = 150_000u128;
    let payloads: Vec<Vec<u8>> = (1..=n).map(|i| event(i, "{}")).collect();
    let mut b = batch(0, payloads);

    // Kill the writer's backend as soon as it is seen copying.
    let killer_db = f.db.connect().await;
    let killer = tokio::spawn(async move {
        for _ in 0..2000 {
            let killed: i64 = killer_db
                .query_one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                      WHERE query LIKE 'COPY events%' AND state = 'active' AND pid <> pg_backend_pid()",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            if killed > 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        false
    });
    let first = f.writer.write(&mut b).await;
    assert!(killer.await.unwrap(), "the COPY was never seen running");
    let err = first.expect_err("the killed attempt fails");
    assert!(matches!(err, WriteError::Db(_)), "{err}");
    assert_eq!(
        count(&f.db, "SELECT count(*) FROM events").await,
        0,
        "nothing of it committed"
    );
    assert!(!b.is_empty(), "the batch is kept whole for the retry");

    let retried = f.writer.write(&mut b).await.unwrap();
    assert_eq!(retried.stored, n as u64);
    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, n as i64);
    assert_eq!(
        count(&f.db, "SELECT count(DISTINCT event_id) FROM events").await,
        n as i64
    );
    assert_eq!(
        count(&f.db, "SELECT next_offset FROM ingest_offsets").await,
        n as i64
    );
    drop(f.pool);
}

#[tokio::test]
async fn a_batch_whose_earlier_attempt_committed_is_reported_committed_not_fenced() {
    let f = fixture().await;
    let payloads = || vec![event(1, "{}"), event(2, "{}"), event(3, "{}")];
    let first = f.writer.write(&mut batch(0, payloads())).await.unwrap();
    assert_eq!(first.committed, vec![(0, 3)]);
    // The same batch again, as after a COMMIT whose acknowledgement was lost.
    let again = f.writer.write(&mut batch(0, payloads())).await.unwrap();
    assert_eq!(again.committed, vec![(0, 3)]);
    assert!(again.fenced.is_empty(), "{again:?}");
    assert_eq!(again.stored, 0);
    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, 3);
}

#[tokio::test]
async fn events_the_database_lost_are_stored_again_whatever_this_process_remembers() {
    let f = fixture().await;
    let first = f
        .writer
        .write(&mut batch(0, vec![event(1, "{}"), event(2, "{}")]))
        .await
        .unwrap();
    assert_eq!(first.stored, 2);
    // The database goes back in time, as after a crash with asynchronous commit: the
    // events and the position they moved are gone, and the records are read again.
    let client = f.db.connect().await;
    client
        .batch_execute(
            "DELETE FROM events; UPDATE ingest_offsets SET next_offset = 0;
             DELETE FROM event_counters;",
        )
        .await
        .unwrap();
    let again = f
        .writer
        .write(&mut batch(0, vec![event(1, "{}"), event(2, "{}")]))
        .await
        .unwrap();
    assert_eq!((again.stored, again.duplicates), (2, 0));
    assert_eq!(count(&f.db, "SELECT count(*) FROM events").await, 2);
}

#[tokio::test]
async fn a_day_whose_partition_was_dropped_since_it_was_seen_gets_it_again() {
    let f = fixture().await;
    let at = Utc::now() - TimeDelta::days(40);
    let payload = |n: u128| {
        format!(
            r#"{{"event_id":"{}","organization_id":1,"campaign_id":1,"contact_id":9,"event_type":"SENT","occurred_at":"{}"}}"#,
            Uuid::from_u128(n),
            (at + TimeDelta::milliseconds(n as i64)).to_rfc3339()
        )
        .into_bytes()
    };
    let first = f
        .writer
        .write(&mut batch(0, vec![payload(1)]))
        .await
        .unwrap();
    assert_eq!(first.stored, 1);
    // As the archive does once a day is in the object store.
    let day = DayPartition::of(at.date_naive());
    f.db.connect()
        .await
        .batch_execute(&format!("DROP TABLE {day}"))
        .await
        .unwrap();

    let late = f
        .writer
        .write(&mut batch(1, vec![payload(2), payload(3)]))
        .await
        .unwrap();
    assert_eq!(
        (late.stored, late.committed.clone()),
        (2, vec![(0, 3)]),
        "{late:?}"
    );
    let in_partition = count(&f.db, &format!("SELECT count(*) FROM {day}")).await;
    assert_eq!(in_partition, 2);
    assert_eq!(count(&f.db, "SELECT count(*) FROM dead_letters").await, 0);
}

#[test]
fn a_batchs_days_are_each_named_once_per_run_in_any_order() {
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let mut b = batch(0, Vec::new());
    for (n, t) in [
        "2026-12-03T23:59:59.999999Z",
        "2026-12-04T00:00:00Z",
        "2026-12-04T23:00:00Z",
        "2026-12-01T12:00:00Z",
        "2026-12-04T01:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let mut e = event(n as u128 + 1, "{}");
        e = String::from_utf8(e)
            .unwrap()
            .replace(
                r#""occurred_at":""#,
                &format!(r#""occurred_at":"{t}","was":""#),
            )
            .into_bytes();
        b.push(
            Record {
                partition: 0,
                offset: n as i64,
                payload: e,
            },
            0,
            &Limits::default(),
            Utc::now(),
        );
    }
    assert!(
        b.dead.is_empty(),
        "{:?}",
        b.dead.iter().map(|d| &d.detail).collect::<Vec<_>>()
    );
    let day = |s: &str| at(s).date_naive();
    assert_eq!(
        days(&b.rows).collect::<Vec<_>>(),
        vec![
            day("2026-12-03T00:00:00Z"),
            day("2026-12-04T00:00:00Z"),
            day("2026-12-01T00:00:00Z"),
            day("2026-12-04T00:00:00Z"),
        ]
    );
    b.sort_rows();
    let rows: Vec<&Row> = b.rows.iter().collect();
    let ranges: Vec<(usize, usize)> = day_runs(&rows).iter().map(|r| (r.1, r.2)).collect();
    assert_eq!(ranges, vec![(0, 1), (1, 2), (2, 5)]);
}
