//! The archive against a real, migrated Postgres and a local object store in a temporary
//! directory, with a fixed clock: what is archived and dropped, crashes after every
//! step, damaged objects, restore, partitions that come back, and the manifest.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use archiver::{
    ArchiveError, ArchivePolicy, ArchiveReport, ArchiveStep, ArchiveStore, Progress, Stage,
    archive, list, open_store, restore,
};
use chrono::{DateTime, Utc};
use testkit::TestDb;
use testkit::{at, day};
use tokio_postgres::Client;

/// The clock of every run: the line is 2024-11-21, so days before it are archived.
fn now() -> DateTime<Utc> {
    at("2026-11-21T04:00:00Z")
}

const OLD_1: &str = "2024-11-18";
const OLD_2: &str = "2024-11-20";
/// The first day kept.
const LINE: &str = "2024-11-21";

/// A directory removed when the test ends.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tally-archive-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn url(&self) -> String {
        format!("file://{}", self.0.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Stores `n` events on `d` with every kind of value the columns can hold: IPv4, IPv6,
/// a network with a mask, NULL; nested JSON with unicode, quotes, escapes and numbers;
/// timestamps with microseconds.
async fn seed(client: &Client, d: &str, n: i32) {
    client
        .execute("SELECT tally_create_day_partition($1::text::date)", &[&d])
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                                 occurred_at, ip_address, event_data, received_at)
             SELECT gen_random_uuid(), 1 + g % 3, 10 + g % 7, g::bigint * 1000003,
                    (enum_range(NULL::event_type))[1 + g % 7],
                    ($1::text::date::timestamp + g * interval '1.234567 second') AT TIME ZONE 'UTC',
                    (CASE g % 5 WHEN 0 THEN NULL WHEN 1 THEN '203.0.113.' || (g % 256)
                                WHEN 2 THEN '2001:db8::' || to_hex(g) WHEN 3 THEN '10.1.0.0/16'
                                ELSE '::ffff:192.0.2.1' END)::inet,
                    CASE g % 4 WHEN 0 THEN '{}'::jsonb
                         ELSE jsonb_build_object(
                             'url', 'https://example.com/offer?id=' || g,
                             'user_agent', 'Mozilla/5.0 ☃ \"quoted\" back\\slash',
                             'n', g, 'ratio', g / 7.0,
                             'nested', jsonb_build_object('list', jsonb_build_array(1, 'two', NULL, true)))
                    END,
                    ($1::text::date::timestamp + g * interval '1.234567 second' + interval '2.5 second') AT TIME ZONE 'UTC'
             FROM generate_series(1, $2::int) g",
            &[&d, &n],
        )
        .await
        .unwrap();
}

type Row = (
    uuid::Uuid,
    i64,
    i64,
    i64,
    String,
    DateTime<Utc>,
    Option<String>,
    String,
    DateTime<Utc>,
);

/// Every row of day `d` through events, every column in its text form where exactness
/// matters (inet with its mask, jsonb as stored).
async fn rows_of(client: &Client, d: &str) -> Vec<Row> {
    client
        .query(
            "SELECT event_id, organization_id, campaign_id, contact_id, event_type::text,
                    occurred_at, ip_address::text, event_data::text, received_at
             FROM events
             WHERE occurred_at >= $1::text::date::timestamp AT TIME ZONE 'UTC'
               AND occurred_at < ($1::text::date + 1)::timestamp AT TIME ZONE 'UTC'
             ORDER BY event_id",
            &[&d],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
                r.get(7),
                r.get(8),
            )
        })
        .collect()
}

/// The day partitions attached to events.
async fn partitions(client: &Client) -> Vec<String> {
    testkit::column(
        client,
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'events'::regclass ORDER BY 1",
    )
    .await
}

/// Whether a table of that name exists, attached or not.
async fn table_exists(client: &Client, name: &str) -> bool {
    client
        .query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&name])
        .await
        .unwrap()
        .get(0)
}

fn key(d: &str) -> String {
    let d = day(d);
    format!(
        "events/year={}/month={}/day={}/events_p{}.parquet",
        d.format("%Y"),
        d.format("%m"),
        d.format("%d"),
        d.format("%Y%m%d")
    )
}

async fn setup() -> (TestDb, Client, TempDir, ArchiveStore) {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let dir = TempDir::new();
    let store = open_store(&dir.url()).unwrap();
    (db, client, dir, store)
}

async fn run(
    client: &mut Client,
    store: &ArchiveStore,
    policy: &ArchivePolicy,
) -> Result<ArchiveReport, ArchiveError> {
    archive(client, store, now(), policy, &|_| {}).await
}

async fn restore_all(client: &mut Client, store: &ArchiveStore) -> archiver::RestoreReport {
    restore(client, store, day("2000-01-01"), day("2030-01-01"), &|_| {})
        .await
        .unwrap()
}

#[tokio::test]
async fn old_partitions_are_archived_and_dropped_young_ones_and_aggregates_stay() {
    let (_db, mut client, dir, store) = setup().await;
    seed(&client, OLD_1, 40_000).await;
    seed(&client, OLD_2, 300).await;
    seed(&client, LINE, 200).await;
    seed(&client, "2026-11-20", 100).await;
    client
        .batch_execute(
            "INSERT INTO event_aggregations (organization_id, campaign_id, event_type, day, event_count, unique_contacts)
             VALUES (1, 10, 'SENT', '2024-11-18', 5, 5);
             INSERT INTO event_counters (organization_id, campaign_id, event_type, day, shard, event_count)
             VALUES (1, 10, 'SENT', '2024-11-18', 0, 5);
             INSERT INTO event_late_counts (organization_id, campaign_id, event_type, day, late_events)
             VALUES (1, 10, 'SENT', '2024-11-18', 1);",
        )
        .await
        .unwrap();
    let young = rows_of(&client, LINE).await;

    let seen = Mutex::new(Vec::<Progress>::new());
    let report = archive(
        &mut client,
        &store,
        now(),
        &ArchivePolicy::default(),
        &|p| seen.lock().unwrap().push(p),
    )
    .await
    .unwrap();

    assert_eq!(report.days_exported, 2);
    assert_eq!(report.days_dropped, 2);
    assert_eq!(report.rows_dropped, 40_300);
    assert_eq!(report.rows_affected(), 40_300);
    assert_eq!(
        partitions(&client).await,
        vec!["events_p20241121", "events_p20261120"]
    );
    assert_eq!(
        rows_of(&client, LINE).await,
        young,
        "younger days untouched"
    );
    for table in ["event_aggregations", "event_counters", "event_late_counts"] {
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "{table} kept");
    }
    assert_eq!(store.keys().await.unwrap(), vec![key(OLD_1), key(OLD_2)]);

    let manifest = list(&client).await.unwrap();
    assert_eq!(manifest.len(), 2);
    assert_eq!(
        (manifest[0].day, manifest[0].key.clone(), manifest[0].rows),
        (day(OLD_1), key(OLD_1), 40_000)
    );
    assert_eq!(manifest[1].rows, 300);
    for entry in &manifest {
        assert_eq!(entry.checksum.len(), 32);
        assert!(entry.dropped_at.is_some() && entry.restored_at.is_none());
        let size = std::fs::metadata(dir.0.join(&entry.key)).unwrap().len();
        assert_eq!(entry.bytes, size, "manifest bytes are the object's size");
    }
    let reports = seen.lock().unwrap().clone();
    for stage in [Stage::Exporting, Stage::Verifying, Stage::Dropping] {
        assert!(
            reports.iter().any(|p| p.stage == stage),
            "{stage:?} reported"
        );
    }
    assert!(
        reports
            .iter()
            .any(|p| p.day == day(OLD_1) && p.rows == 40_000 && p.days == 2)
    );
    assert!(
        !reports.iter().any(|p| p.stage == Stage::Checking),
        "an unchanged partition is dropped on the cheap check, without a second read"
    );

    // Idempotent: nothing left to do, nothing written.
    let again = run(&mut client, &store, &ArchivePolicy::default())
        .await
        .unwrap();
    assert_eq!(again, ArchiveReport::default());
    assert_eq!(store.keys().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_crash_after_any_step_then_a_rerun_keeps_every_row_exactly_once() {
    for step in [
        ArchiveStep::Uploaded,
        ArchiveStep::Verified,
        ArchiveStep::Recorded,
        ArchiveStep::Detached,
        ArchiveStep::Dropped,
    ] {
        let (_db, mut client, _dir, store) = setup().await;
        seed(&client, OLD_1, 500).await;
        seed(&client, OLD_2, 400).await;
        let before = (rows_of(&client, OLD_1).await, rows_of(&client, OLD_2).await);
        let crash = ArchivePolicy {
            stop_after: Some(step),
            ..ArchivePolicy::default()
        };
        match run(&mut client, &store, &crash).await {
            Err(ArchiveError::Stopped { step: s, day: d }) => {
                assert_eq!((s, d), (step, day(OLD_1)))
            }
            other => panic!("{step:?}: {other:?}"),
        }
        // What the crash left: the first day's rows are somewhere, never nowhere.
        let recorded = list(&client).await.unwrap();
        let attached = partitions(&client)
            .await
            .contains(&"events_p20241118".to_owned());
        let exists = table_exists(&client, "events_p20241118").await;
        let expected = match step {
            ArchiveStep::Uploaded | ArchiveStep::Verified => (0, true, true),
            ArchiveStep::Recorded => (1, true, true),
            ArchiveStep::Detached => (1, false, true),
            ArchiveStep::Dropped => (1, false, false),
        };
        assert_eq!((recorded.len(), attached, exists), expected, "{step:?}");
        assert_eq!(store.keys().await.unwrap(), vec![key(OLD_1)], "{step:?}");

        let report = run(&mut client, &store, &ArchivePolicy::default())
            .await
            .unwrap_or_else(|e| panic!("{step:?}: rerun: {e}"));
        assert_eq!(
            report.rows_dropped,
            if step == ArchiveStep::Dropped {
                400
            } else {
                900
            }
        );
        assert!(!table_exists(&client, "events_p20241118").await, "{step:?}");
        assert!(!table_exists(&client, "events_p20241120").await, "{step:?}");
        assert_eq!(
            store.keys().await.unwrap(),
            vec![key(OLD_1), key(OLD_2)],
            "{step:?}: one object per day"
        );
        let manifest = list(&client).await.unwrap();
        assert_eq!(
            manifest.iter().map(|e| e.rows).collect::<Vec<_>>(),
            vec![500, 400]
        );

        restore_all(&mut client, &store).await;
        assert_eq!(
            (rows_of(&client, OLD_1).await, rows_of(&client, OLD_2).await),
            before,
            "{step:?}: every row archived exactly once"
        );
    }
}

/// Overwrites the object at `key` in the store's directory.
fn damage(dir: &TempDir, key: &str, how: &str) {
    let path = dir.0.join(key);
    let bytes = std::fs::read(&path).unwrap();
    let damaged = match how {
        "truncated" => bytes[..bytes.len() / 2].to_vec(),
        _ => {
            // Same length, one byte flipped in the middle of the data pages.
            let mut b = bytes.clone();
            let i = b.len() / 3;
            b[i] ^= 0xff;
            b
        }
    };
    std::fs::write(&path, damaged).unwrap();
}

#[tokio::test]
async fn a_damaged_object_fails_verification_and_the_partition_is_kept() {
    for (step, how) in [
        (ArchiveStep::Recorded, "truncated"),
        (ArchiveStep::Recorded, "flipped"),
        (ArchiveStep::Detached, "truncated"),
    ] {
        let (_db, mut client, dir, store) = setup().await;
        seed(&client, OLD_1, 3_000).await;
        let before = rows_of(&client, OLD_1).await;
        let crash = ArchivePolicy {
            stop_after: Some(step),
            ..ArchivePolicy::default()
        };
        assert!(run(&mut client, &store, &crash).await.is_err());
        damage(&dir, &key(OLD_1), how);

        let e = run(&mut client, &store, &ArchivePolicy::default())
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("nothing was dropped"),
            "{step:?} {how}: {e}"
        );
        assert!(
            table_exists(&client, "events_p20241118").await,
            "{step:?} {how}: the partition is kept"
        );
        let kept: i64 = client
            .query_one("SELECT count(*) FROM events_p20241118", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(kept, 3_000);
        let manifest = list(&client).await.unwrap();
        assert!(manifest[0].dropped_at.is_none(), "{step:?} {how}");
        if step == ArchiveStep::Recorded {
            assert_eq!(rows_of(&client, OLD_1).await, before);
        }
    }
}

#[tokio::test]
async fn restore_gives_back_every_row_exactly_and_a_second_archive_writes_nothing_new() {
    let (_db, mut client, dir, store) = setup().await;
    seed(&client, OLD_1, 20_000).await;
    seed(&client, OLD_2, 50).await;
    let before = (rows_of(&client, OLD_1).await, rows_of(&client, OLD_2).await);
    run(&mut client, &store, &ArchivePolicy::default())
        .await
        .unwrap();
    let objects = |d: &str| {
        std::fs::metadata(dir.0.join(key(d)))
            .unwrap()
            .modified()
            .unwrap()
    };
    let written = (objects(OLD_1), objects(OLD_2));

    let seen = Mutex::new(Vec::<Progress>::new());
    let report = restore(&mut client, &store, day(OLD_1), day(OLD_2), &|p| {
        seen.lock().unwrap().push(p)
    })
    .await
    .unwrap();
    assert_eq!(report.days_restored, 2);
    assert_eq!(report.rows_restored, 20_050);
    assert_eq!(report.rows_affected(), 20_050);
    assert_eq!(
        (rows_of(&client, OLD_1).await, rows_of(&client, OLD_2).await),
        before,
        "every column of every row, ip_address and event_data included"
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|p| p.stage == Stage::Restoring && p.rows == 20_000)
    );
    let manifest = list(&client).await.unwrap();
    assert!(manifest.iter().all(|e| e.restored_at.is_some()));

    // A second restore inserts nothing twice.
    let again = restore_all(&mut client, &store).await;
    assert_eq!(again.rows_restored, 0);
    assert_eq!(rows_of(&client, OLD_1).await.len(), 20_000);

    // The restored partitions match their archive: dropped again, no object written.
    let report = run(&mut client, &store, &ArchivePolicy::default())
        .await
        .unwrap();
    assert_eq!(
        (
            report.days_exported,
            report.days_dropped,
            report.rows_dropped
        ),
        (0, 2, 20_050)
    );
    assert_eq!(store.keys().await.unwrap(), vec![key(OLD_1), key(OLD_2)]);
    assert_eq!(
        (objects(OLD_1), objects(OLD_2)),
        written,
        "objects untouched"
    );
    assert!(partitions(&client).await.is_empty());
    assert!(
        list(&client)
            .await
            .unwrap()
            .iter()
            .all(|e| e.restored_at.is_none())
    );
}

#[tokio::test]
async fn a_row_written_after_the_export_is_never_dropped_unverified() {
    for change in [
        "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, event_data)
         VALUES (gen_random_uuid(), 9, 99, 999, 'CLICK', '2024-11-18 12:00:00+00', '{\"late\": true}')",
        // Same count, other content.
        "UPDATE events_p20241118 SET event_data = '{\"changed\": 1}'
         WHERE event_id = (SELECT event_id FROM events_p20241118 ORDER BY event_id LIMIT 1)",
        "DELETE FROM events_p20241118 WHERE event_id = (SELECT event_id FROM events_p20241118 ORDER BY event_id LIMIT 1)",
    ] {
        let (_db, mut client, _dir, store) = setup().await;
        seed(&client, OLD_1, 800).await;
        let crash = ArchivePolicy {
            stop_after: Some(ArchiveStep::Recorded),
            ..ArchivePolicy::default()
        };
        assert!(run(&mut client, &store, &crash).await.is_err());
        client.batch_execute(change).await.unwrap();
        let changed = rows_of(&client, OLD_1).await;

        let report = run(&mut client, &store, &ArchivePolicy::default()).await.unwrap();
        assert_eq!(report.days_exported, 1, "{change}: archived again");
        assert_eq!(report.rows_dropped, changed.len() as u64);
        assert_eq!(store.keys().await.unwrap(), vec![key(OLD_1)]);
        assert_eq!(list(&client).await.unwrap()[0].rows, changed.len() as u64);
        restore_all(&mut client, &store).await;
        assert_eq!(rows_of(&client, OLD_1).await, changed, "{change}");
    }
}

#[tokio::test]
async fn a_partition_made_again_for_an_archived_day_is_refused_until_restored() {
    let (_db, mut client, _dir, store) = setup().await;
    seed(&client, OLD_1, 600).await;
    seed(&client, OLD_2, 60).await;
    run(&mut client, &store, &ArchivePolicy::default())
        .await
        .unwrap();
    let archived = list(&client).await.unwrap();

    // An empty partition (premade by hand) holds nothing: dropped again quietly.
    client
        .execute("SELECT tally_create_day_partition('2024-11-20')", &[])
        .await
        .unwrap();
    // A late event stored under another window configuration.
    client
        .execute("SELECT tally_create_day_partition('2024-11-18')", &[])
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, event_data)
             VALUES ('0193f000-0000-7000-8000-000000000001', 1, 10, 5, 'OPEN', '2024-11-18 23:00:00+00', '{}')",
            &[],
        )
        .await
        .unwrap();
    let (report, errors) = match run(&mut client, &store, &ArchivePolicy::default()).await {
        Err(ArchiveError::DaysRefused { report, errors }) => (report, errors),
        other => panic!("{other:?}"),
    };
    assert_eq!((report.days_dropped, report.rows_dropped), (1, 0));
    assert_eq!(errors.len(), 1);
    let message = errors[0].to_string();
    assert!(
        matches!(
            errors[0],
            ArchiveError::DayReappeared {
                rows: 1,
                archived_rows: 600,
                ..
            }
        ),
        "{message}"
    );
    assert!(
        message.contains("2024-11-18") && message.contains("Restore the day"),
        "{message}"
    );
    assert_eq!(partitions(&client).await, vec!["events_p20241118"]);
    assert_eq!(
        list(&client).await.unwrap()[0],
        archived[0],
        "the refused day's manifest row is unchanged"
    );

    // The way out the error names: restore (merges), then archive the whole day again.
    let restored = restore(&mut client, &store, day(OLD_1), day(OLD_1), &|_| {})
        .await
        .unwrap();
    assert_eq!(restored.rows_restored, 600);
    let whole = rows_of(&client, OLD_1).await;
    assert_eq!(whole.len(), 601);
    let report = run(&mut client, &store, &ArchivePolicy::default())
        .await
        .unwrap();
    assert_eq!((report.days_exported, report.rows_dropped), (1, 601));
    assert_eq!(store.keys().await.unwrap(), vec![key(OLD_1), key(OLD_2)]);
    restore(&mut client, &store, day(OLD_1), day(OLD_1), &|_| {})
        .await
        .unwrap();
    assert_eq!(rows_of(&client, OLD_1).await, whole);
}

#[tokio::test]
async fn list_restore_ranges_and_the_lock() {
    let (db, mut client, dir, store) = setup().await;
    assert!(list(&client).await.unwrap().is_empty());
    seed(&client, OLD_1, 10).await;
    run(&mut client, &store, &ArchivePolicy::default())
        .await
        .unwrap();

    let e = restore(&mut client, &store, day(OLD_2), day(OLD_1), &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, ArchiveError::EmptyRange { .. }), "{e}");
    // Days never archived are not in the manifest: nothing to do.
    let none = restore(
        &mut client,
        &store,
        day("2024-01-01"),
        day("2024-01-31"),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(none, archiver::RestoreReport::default());

    // A second archive or restore while one holds the lock is refused at once.
    let other = db.connect().await;
    schema::advisory::lock(&other, schema::AdvisoryLock::Archive)
        .await
        .unwrap();
    let busy = run(&mut client, &store, &ArchivePolicy::default())
        .await
        .unwrap_err();
    assert!(matches!(busy, ArchiveError::Busy), "{busy}");
    let busy = restore_all_err(&mut client, &store).await;
    assert!(matches!(busy, ArchiveError::Busy), "{busy}");

    // A missing object is named, and the day stays archived.
    schema::advisory::unlock(&other, schema::AdvisoryLock::Archive)
        .await
        .unwrap();
    std::fs::remove_file(dir.0.join(key(OLD_1))).unwrap();
    let e = restore_all_err(&mut client, &store).await;
    assert!(matches!(e, ArchiveError::ObjectMissing { .. }), "{e}");
    assert!(e.to_string().contains(&key(OLD_1)), "{e}");
}

async fn restore_all_err(client: &mut Client, store: &ArchiveStore) -> ArchiveError {
    restore(client, store, day("2000-01-01"), day("2030-01-01"), &|_| {})
        .await
        .unwrap_err()
}

#[tokio::test]
async fn addresses_and_event_data_are_archived_as_postgresql_writes_them() {
    let (_db, mut client, dir, store) = setup().await;
    seed(&client, OLD_1, 100).await;
    client
        .execute(
            "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                                 occurred_at, ip_address, event_data)
             SELECT gen_random_uuid(), 1, 10, 1, 'OPEN', $1::text::date + interval '1 hour',
                    ip::inet, jsonb_build_object('ip', ip, 'n', 1.50, 'e', '')
             FROM unnest(ARRAY['::1.2.3.4', '::2', 'fe80::1/64', '2001:db8:0:0:1:0:0:1',
                               '10.1.2.3/24', '0.0.0.0', '::', '::ffff:0.1.0.2', '1::']) ip",
            &[&OLD_1],
        )
        .await
        .unwrap();
    let expected: std::collections::BTreeMap<uuid::Uuid, (Option<String>, String)> = client
        .query(
            "SELECT event_id, abbrev(ip_address), event_data::text FROM events
             WHERE occurred_at < $1::text::date + 1",
            &[&OLD_1],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    run(&mut client, &store, &ArchivePolicy::default())
        .await
        .unwrap();

    let path = dir.0.join(key(OLD_1));
    let file = std::fs::File::open(&path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut archived = std::collections::BTreeMap::new();
    for batch in reader {
        let batch = batch.unwrap();
        let column = |name: &str| batch.column_by_name(name).unwrap().clone();
        let ids = column("event_id");
        let ids = ids
            .as_any()
            .downcast_ref::<arrow_array::FixedSizeBinaryArray>()
            .unwrap();
        let ips = column("ip_address");
        let ips = ips
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        let data = column("event_data");
        let data = data
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        for i in 0..batch.num_rows() {
            use arrow_array::Array as _;
            let ip = (!ips.is_null(i)).then(|| ips.value(i).to_owned());
            archived.insert(
                uuid::Uuid::from_slice(ids.value(i)).unwrap(),
                (ip, data.value(i).to_owned()),
            );
        }
    }
    assert_eq!(archived.len(), 109);
    assert_eq!(archived, expected);
}
