//! The anonymization job against a real, migrated Postgres with a fixed clock: what is
//! anonymized and what is left alone (to the byte), the day the line falls in, reruns,
//! late events, a crash between partitions, audit_logs and its append-only trigger,
//! aggregates, and the rebuilt partitions themselves.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use anonymizer::{
    AnonymizeError, AnonymizeMethod, AnonymizePolicy, AnonymizeReport, anonymize, anonymize_with,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use testkit::TestDb;
use testkit::{at, day};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// Sunday 03:00, when the job runs: the line is 90 days earlier, 2026-08-24T03:00Z.
const NOW: &str = "2026-11-22T03:00:00Z";
const LINE: &str = "2026-08-24T03:00:00Z";
/// 08-21, 08-22 and 08-23 are wholly past the line, 08-24 is cut by it, 08-25 and 08-26
/// are younger.
const FIRST_DAY: &str = "2026-08-21";
const DAYS: i32 = 6;
/// One event every 6 minutes: 30 of 08-24's occurred before the line.
const PER_DAY: i32 = 240;

/// A day of events as ingest stores them: four in five carry an IP address and PII keys
/// beside keys that are not personal (url, form_id), a third of those also a `company`;
/// the fifth carries neither.
const STORE_DAY: &str = "
INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                    occurred_at, ip_address, event_data, received_at)
SELECT md5($1::date::text || g)::uuid, 1 + g % 2, 10 + g % 3, 1000 + g % 37,
       (ARRAY['SENT', 'OPEN', 'CLICK', 'FORM_SUBMIT']::event_type[])[1 + g % 4],
       $1::date::timestamp AT TIME ZONE 'UTC' + (g * 86400 / $2) * interval '1 second',
       CASE WHEN g % 5 = 0 THEN NULL ELSE '10.1.0.0'::inet + g END,
       CASE WHEN g % 5 = 0 THEN '{\"url\": \"https://example.com/a\"}'::jsonb
            ELSE jsonb_build_object('url', 'https://example.com/offer', 'form_id', 17,
                                    'email', 'c' || g || '@example.com', 'first_name', 'Ann',
                                    'user_agent', 'Mozilla/5.0 (X11)')
                 || CASE WHEN g % 3 = 0 THEN '{\"company\": \"Acme\", \"phone\": \"+33 1 23\"}'::jsonb
                         ELSE '{}' END
       END,
       $1::date::timestamp AT TIME ZONE 'UTC' + interval '1 hour'
FROM generate_series(0, $2 - 1) g";

/// The live counters and invalidations ingest keeps beside the day's events, counted an
/// hour before the run: by hand rather than through `schema::live_counts`, whose
/// statements stamp the count with the current time.
const COUNT_DAY: &str = "
WITH counted AS (
    INSERT INTO event_counters (organization_id, campaign_id, event_type, day, shard, event_count,
                                last_counted_at)
    SELECT organization_id, campaign_id, event_type, $1::date, 0, count(*), now() - interval '1 hour'
    FROM events
    WHERE occurred_at >= $1::date::timestamp AT TIME ZONE 'UTC'
      AND occurred_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
    GROUP BY 1, 2, 3
    RETURNING organization_id, campaign_id
)
INSERT INTO event_invalidations (organization_id, campaign_id, day, shard)
SELECT DISTINCT organization_id, campaign_id, $1::date, 0 FROM counted";

/// Audit entries of two organizations, two a day from 08-20 to 08-27: IP, user agent and
/// PII keys in `changes` beside keys that are not personal.
/// The organizations go in with triggers off, so that their own audit entries do not take
/// ids 1 and 2 from the entries under test.
const AUDIT: &str = "
SET session_replication_role = replica;
INSERT INTO organizations (id, name, domain) VALUES (1, 'Acme', 'acme.example'),
                                                    (2, 'Globex', 'globex.example');
RESET session_replication_role;
INSERT INTO audit_logs (organization_id, actor_user_id, action, entity_type, entity_id, changes,
                        ip_address, user_agent, occurred_at)
SELECT 1 + g % 2, 7, 'contact.update', 'contact', g,
       jsonb_build_object('email', jsonb_build_array('old@example.com', 'new@example.com'),
                          'status', jsonb_build_array('new', 'qualified'))
       || CASE WHEN g % 2 = 0 THEN '{\"name\": \"Ann Lee\"}'::jsonb ELSE '{}' END,
       ('192.0.2.' || g)::inet, 'Mozilla/5.0', '2026-08-20 01:00:00+00'::timestamptz + g * interval '12 hours'
FROM generate_series(0, 15) g;";

/// A fresh database holding the fixture, and a copy of the events as stored.
async fn database() -> (TestDb, Client) {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    client
        .execute(
            "SELECT tally_premake_partitions($1, $2::text::date)",
            &[&DAYS, &FIRST_DAY],
        )
        .await
        .unwrap();
    let first = NaiveDate::parse_from_str(FIRST_DAY, "%Y-%m-%d").unwrap();
    for day in first.iter_days().take(DAYS as usize) {
        client.execute(STORE_DAY, &[&day, &PER_DAY]).await.unwrap();
        client.execute(COUNT_DAY, &[&day]).await.unwrap();
    }
    client
        .batch_execute(&format!(
            "{AUDIT}
             CREATE TABLE stored_events AS SELECT * FROM events;
             CREATE TABLE stored_audit AS SELECT * FROM audit_logs;"
        ))
        .await
        .unwrap();
    (db, client)
}

fn keys() -> Vec<String> {
    AnonymizePolicy::default().pii_keys
}

async fn run(client: &mut Client, now: &str) -> AnonymizeReport {
    anonymize(client, at(now), &AnonymizePolicy::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn count(client: &Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", schema::describe_pg_error(&e)))
        .get(0)
}

/// Rows of events in [from, to) with their physical place and writing transaction: equal
/// lists mean the rows were not rewritten, let alone changed.
async fn physical(client: &Client, from: &str, to: &str) -> Vec<String> {
    client
        .query(
            "SELECT format('%s %s %s', ctid, xmin, e) FROM events e
             WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY event_id",
            &[&at(from), &at(to)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Events before `line` that still carry an IP address or a key of `keys`.
async fn personal_before(client: &Client, line: &str, keys: &[String]) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM events
             WHERE occurred_at < $1 AND (ip_address IS NOT NULL OR event_data ?| $2)",
            &[&at(line), &keys],
        )
        .await
        .unwrap()
        .get(0)
}

/// Events before `line` that differ from what was stored by more than the removal of
/// their IP address and the keys `keys`, plus stored events that are gone.
async fn wrongly_changed_before(client: &Client, line: &str, keys: &[String]) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM stored_events s LEFT JOIN events e USING (event_id, occurred_at)
             WHERE s.occurred_at < $1
               AND (e.event_id IS NULL
                    OR (e.organization_id, e.campaign_id, e.contact_id, e.event_type, e.received_at,
                        e.ip_address, e.event_data)
                       IS DISTINCT FROM
                       (s.organization_id, s.campaign_id, s.contact_id, s.event_type, s.received_at,
                        NULL::inet, s.event_data - $2::text[]))",
            &[&at(line), &keys],
        )
        .await
        .unwrap()
        .get(0)
}

/// Stored events before `line` that carried personal data.
async fn stored_personal_before(client: &Client, from: &str, line: &str) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM stored_events
             WHERE occurred_at >= $1 AND occurred_at < $2
               AND (ip_address IS NOT NULL OR event_data ?| $3)",
            &[&at(from), &at(line), &keys()],
        )
        .await
        .unwrap()
        .get(0)
}

async fn watermarks(client: &Client) -> Vec<(NaiveDate, DateTime<Utc>, String)> {
    client
        .query(
            "SELECT day, anonymized_through, last_method FROM anonymized_partitions ORDER BY day",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[tokio::test]
async fn past_the_line_no_personal_data_remains_and_younger_rows_are_untouched() {
    let (_db, mut client) = database().await;
    let younger = physical(&client, LINE, "2026-09-01T00:00:00Z").await;
    let expected_rows = stored_personal_before(&client, "2026-01-01T00:00:00Z", LINE).await;

    let report = run(&mut client, NOW).await;

    assert_eq!(personal_before(&client, LINE, &keys()).await, 0);
    assert_eq!(wrongly_changed_before(&client, LINE, &keys()).await, 0);
    // What is not personal stays: the url of every old event, the company of some.
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM events WHERE event_data ? 'url'"
        )
        .await,
        i64::from(PER_DAY * DAYS)
    );
    assert_eq!(
        physical(&client, LINE, "2026-09-01T00:00:00Z").await,
        younger,
        "rows after the line were rewritten"
    );
    assert_eq!(
        report,
        AnonymizeReport {
            partitions: 4,
            late_partitions: 0,
            rebuilt: 3,
            event_rows: expected_rows as u64,
            audit_rows: 9,
        }
    );
    assert_eq!(
        watermarks(&client).await,
        vec![
            (
                day("2026-08-21"),
                at("2026-08-22T00:00:00Z"),
                "rebuild".into()
            ),
            (
                day("2026-08-22"),
                at("2026-08-23T00:00:00Z"),
                "rebuild".into()
            ),
            (
                day("2026-08-23"),
                at("2026-08-24T00:00:00Z"),
                "rebuild".into()
            ),
            (day("2026-08-24"), at(LINE), "update".into()),
        ]
    );
}

#[tokio::test]
async fn the_day_of_the_line_is_done_up_to_the_line_and_the_next_run_continues_it() {
    let (_db, mut client) = database().await;
    let rest_of_day = physical(&client, LINE, "2026-08-25T00:00:00Z").await;
    run(&mut client, NOW).await;
    assert_eq!(personal_before(&client, LINE, &keys()).await, 0);
    assert_eq!(
        physical(&client, LINE, "2026-08-25T00:00:00Z").await,
        rest_of_day
    );

    // Six hours later the line is at 09:00: only [03:00, 09:00) is new.
    let later = "2026-08-24T09:00:00Z";
    let after_later = physical(&client, later, "2026-08-25T00:00:00Z").await;
    let report = run(&mut client, "2026-11-22T09:00:00Z").await;
    assert_eq!(report.partitions, 1);
    assert_eq!(
        report.event_rows,
        stored_personal_before(&client, LINE, later).await as u64
    );
    assert_eq!(personal_before(&client, later, &keys()).await, 0);
    assert_eq!(wrongly_changed_before(&client, later, &keys()).await, 0);
    assert_eq!(
        physical(&client, later, "2026-08-25T00:00:00Z").await,
        after_later
    );

    // A week later 08-24 is wholly past the line: finished, and rebuilt without the
    // dead rows the partial updates left; 08-25 and 08-26 follow.
    let report = run(&mut client, "2026-11-29T03:00:00Z").await;
    assert_eq!((report.partitions, report.rebuilt), (3, 3));
    assert_eq!(
        personal_before(&client, "2026-08-27T00:00:00Z", &keys()).await,
        0
    );
    assert_eq!(
        wrongly_changed_before(&client, "2026-08-27T00:00:00Z", &keys()).await,
        0
    );
}

#[tokio::test]
async fn a_second_run_changes_nothing() {
    let (_db, mut client) = database().await;
    run(&mut client, NOW).await;
    let everything = physical(&client, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z").await;
    let audit_sql = "SELECT format('%s %s %s', ctid, xmin, a) FROM audit_logs a ORDER BY id";
    let audit: Vec<String> = testkit::column(&client, audit_sql).await;
    let marks = "SELECT format('%s %s', xmin, w) FROM anonymized_partitions w ORDER BY day";
    let marked: Vec<String> = testkit::column(&client, marks).await;

    let again = run(&mut client, NOW).await;
    assert_eq!(again, AnonymizeReport::default());
    assert_eq!(again.rows_affected(), 0);
    assert_eq!(
        physical(&client, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z").await,
        everything
    );
    assert_eq!(testkit::column::<String>(&client, audit_sql).await, audit);
    assert_eq!(testkit::column::<String>(&client, marks).await, marked);
}

/// Stores an event that occurred at `occurred_at`, with an IP address and an email, and its counter, in one
/// transaction, as an ingest batch does.
async fn ingest_late(client: &mut Client, event_id: &str, occurred_at: &str) {
    let tx = client.transaction().await.unwrap();
    tx.execute(
        "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                             occurred_at, ip_address, event_data)
         VALUES ($1::text::uuid, 1, 10, 1001, 'CLICK', $2, '203.0.113.9',
                 '{\"email\": \"late@example.com\", \"url\": \"https://example.com/late\"}')",
        &[&event_id, &at(occurred_at)],
    )
    .await
    .unwrap();
    let day = at(occurred_at).date_naive();
    schema::live_counts::LiveCounts::of([(1, 10, schema::EventType::Click, day)])
        .write(&tx, 3)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_late_event_stored_into_an_anonymized_partition_is_anonymized_by_the_next_run() {
    let (_db, mut client) = database().await;
    run(&mut client, NOW).await;
    let late = "0199e5a0-0000-7000-8000-000000000042";
    ingest_late(&mut client, late, "2026-08-22T12:34:56Z").await;
    let others = format!(
        "SELECT format('%s %s %s', ctid, xmin, e) FROM events e
         WHERE event_id <> '{late}' ORDER BY event_id"
    );
    let before: Vec<String> = testkit::column(&client, &others).await;

    let report = run(&mut client, NOW).await;
    assert_eq!(
        (report.partitions, report.late_partitions, report.event_rows),
        (0, 1, 1),
        "{report:?}"
    );
    let row = client
        .query_one(
            "SELECT ip_address IS NULL, event_data::text FROM events WHERE event_id = $1::text::uuid",
            &[&late],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0));
    assert_eq!(
        row.get::<_, String>(1),
        r#"{"url": "https://example.com/late"}"#
    );
    // The re-pass wrote the late row only, here and in every other partition.
    assert_eq!(testkit::column::<String>(&client, &others).await, before);
    // The next run may check the day again (the late batch began less than a second
    // before this run's bound, see counted_before.sql) but finds nothing to change.
    let again = run(&mut client, NOW).await;
    assert_eq!(
        (again.partitions, again.rows_affected()),
        (0, 0),
        "{again:?}"
    );
    assert_eq!(testkit::column::<String>(&client, &others).await, before);
}

/// Starts the job at NOW on a connection of its own and returns once its backend waits
/// for a lock another session holds: the backend's pid and the running job.
async fn blocked_run(
    db: &TestDb,
    observer: &Client,
) -> (
    i32,
    tokio::task::JoinHandle<Result<AnonymizeReport, AnonymizeError>>,
) {
    let mut job = db.connect().await;
    let pid: i32 = job
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let running =
        tokio::spawn(
            async move { anonymize(&mut job, at(NOW), &AnonymizePolicy::default()).await },
        );
    waits_for_a_lock(observer, pid).await;
    (pid, running)
}

/// The backend of `pid` waits for a lock (polled for up to 10 s).
async fn waits_for_a_lock(observer: &Client, pid: i32) {
    for _ in 0..500 {
        let waiting: Option<String> = observer
            .query_opt(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1",
                &[&pid],
            )
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("backend {pid} ended before it waited for a lock"))
            .get(0);
        if waiting.as_deref() == Some("Lock") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("backend {pid} never waited for a lock");
}

/// The crash is simulated by killing the job's connection while it is inside its second
/// partition's transaction: another session holds a lock on that partition (as a late
/// insert in flight would), the job waits for it, and the test terminates the job's
/// backend, exactly what a crash of the process or of its connection does.
#[tokio::test]
async fn a_run_killed_between_partitions_resumes_and_anonymizes_each_partition_once() {
    let (db, client) = database().await;
    let mut blocker = db.connect().await;
    let lock = blocker.transaction().await.unwrap();
    lock.batch_execute("LOCK TABLE events_p20260822 IN ROW EXCLUSIVE MODE")
        .await
        .unwrap();

    let (pid, running) = blocked_run(&db, &client).await;
    client
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .await
        .unwrap();
    let err = running.await.unwrap().unwrap_err();
    assert!(
        matches!(&err, AnonymizeError::Partition { partition, .. } if partition == "events_p20260822"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("events_p20260822") && message.contains("rerun"),
        "{message}"
    );
    lock.rollback().await.unwrap();

    // The first partition is done and recorded; nothing after it was touched.
    let marks = watermarks(&client).await;
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0].0, day("2026-08-21"));
    assert_eq!(
        personal_before(&client, "2026-08-22T00:00:00Z", &keys()).await,
        0
    );
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM events e JOIN stored_events s USING (event_id, occurred_at)
             WHERE s.occurred_at >= '2026-08-22' AND e::text = s::text"
        )
        .await,
        i64::from(PER_DAY * (DAYS - 1)),
        "rows after the first partition changed"
    );
    let first_day = physical(&client, "2026-08-21T00:00:00Z", "2026-08-22T00:00:00Z").await;

    let mut client = client;
    let report = run(&mut client, NOW).await;
    assert_eq!((report.partitions, report.rebuilt), (3, 2), "{report:?}");
    assert_eq!(
        physical(&client, "2026-08-21T00:00:00Z", "2026-08-22T00:00:00Z").await,
        first_day,
        "the partition done before the crash was done again"
    );
    assert_eq!(personal_before(&client, LINE, &keys()).await, 0);
    assert_eq!(wrongly_changed_before(&client, LINE, &keys()).await, 0);
    assert_eq!(watermarks(&client).await.len(), 4);
}

#[tokio::test]
async fn audit_logs_past_the_line_are_anonymized_and_the_trail_stays_append_only() {
    let (_db, mut client) = database().await;
    run(&mut client, NOW).await;

    let old = "SELECT count(*) FROM audit_logs a JOIN stored_audit s USING (organization_id, id)
               WHERE s.occurred_at < '2026-08-24 03:00:00+00'";
    assert_eq!(count(&client, old).await, 9);
    let wrong = format!(
        "{old} AND (a.ip_address IS NOT NULL OR a.user_agent IS NOT NULL
                    OR a.changes IS DISTINCT FROM s.changes - ARRAY['email', 'name']
                    OR to_jsonb(a) - ARRAY['ip_address', 'user_agent', 'changes']
                       IS DISTINCT FROM to_jsonb(s) - ARRAY['ip_address', 'user_agent', 'changes'])"
    );
    assert_eq!(count(&client, &wrong).await, 0);
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM audit_logs WHERE changes ? 'status'"
        )
        .await,
        16
    );
    let young = "SELECT count(*) FROM audit_logs a JOIN stored_audit s USING (organization_id, id)
                 WHERE s.occurred_at >= '2026-08-24 03:00:00+00' AND a::text = s::text";
    assert_eq!(count(&client, young).await, 7);

    // Still append-only for everyone else, and for the job beyond removing data.
    let refused = async |client: &Client, sql: &str| {
        let err = client.batch_execute(sql).await.unwrap_err();
        assert_eq!(
            err.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: {}",
            schema::describe_pg_error(&err)
        );
        client.batch_execute("ROLLBACK").await.ok();
    };
    refused(&client, "UPDATE audit_logs SET ip_address = NULL").await;
    refused(&client, "DELETE FROM audit_logs WHERE id = 1").await;
    refused(&client, "TRUNCATE audit_logs").await;
    let anonymizing = "BEGIN; SET LOCAL tally.anonymizing = 'on';";
    for sql in [
        "DELETE FROM audit_logs WHERE id = 1",
        "TRUNCATE audit_logs",
        "UPDATE audit_logs SET action = 'contact.delete' WHERE id = 1",
        "UPDATE audit_logs SET ip_address = '198.51.100.1' WHERE id = 1",
        "UPDATE audit_logs SET changes = changes || '{\"email\": \"x@example.com\"}' WHERE id = 16",
        "UPDATE audit_logs SET changes = jsonb_set(changes, '{status,0}', '\"x\"') WHERE id = 16",
    ] {
        refused(&client, &format!("{anonymizing} {sql}")).await;
    }
}

#[tokio::test]
async fn aggregates_are_the_same_before_and_after_anonymization() {
    let (_db, mut client) = database().await;
    let finality = aggregator::Finality::default();
    aggregator::aggregate(&mut client, at(NOW), finality)
        .await
        .unwrap();
    let figures =
        "SELECT format('%s %s %s %s %s %s', organization_id, campaign_id, event_type, day,
                                 event_count, unique_contacts)
                   FROM event_aggregations ORDER BY organization_id, campaign_id, event_type, day";
    let rows = "SELECT format('%s', a) FROM event_aggregations a
                ORDER BY organization_id, campaign_id, event_type, day";
    let before: Vec<String> = testkit::column(&client, figures).await;
    let stored: Vec<String> = testkit::column(&client, rows).await;
    // 12 (organization, campaign, type) combinations a day.
    assert_eq!(before.len(), 12 * DAYS as usize);

    run(&mut client, NOW).await;
    assert_eq!(testkit::column::<String>(&client, rows).await, stored);
    // Recounted from the anonymized events: the same figures.
    for d in ["2026-08-21", "2026-08-22", "2026-08-23", "2026-08-24"] {
        aggregator::restate(&mut client, day(d), at(NOW), finality)
            .await
            .unwrap();
    }
    assert_eq!(testkit::column::<String>(&client, figures).await, before);
}

/// The partition's shape as the catalog describes it.
async fn shape(client: &Client, partition: &str) -> Vec<String> {
    testkit::column(
        client,
        &format!(
            "SELECT 'index ' || pg_get_indexdef(i.indexrelid) || ' of ' || coalesce(p.inhparent::regclass::text, '-')
               FROM pg_index i LEFT JOIN pg_inherits p ON p.inhrelid = i.indexrelid
              WHERE i.indrelid = '{partition}'::regclass
             UNION ALL
             SELECT format('constraint %s %s %s %s', conname, pg_get_constraintdef(oid), conislocal, coninhcount)
               FROM pg_constraint WHERE conrelid = '{partition}'::regclass
             UNION ALL
             SELECT format('partition of %s %s; %s', i.inhparent::regclass, pg_get_expr(c.relpartbound, c.oid),
                           obj_description(c.oid, 'pg_class'))
               FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid WHERE c.oid = '{partition}'::regclass
             UNION ALL
             SELECT format('column %s %s %s %s', attname, format_type(atttypid, atttypmod), attnotnull,
                           pg_get_expr(d.adbin, d.adrelid))
               FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = '{partition}'::regclass AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY 1"
        ),
    )
    .await
}

#[tokio::test]
async fn a_rebuilt_partition_keeps_its_indexes_constraints_bounds_and_comment() {
    let (_db, mut client) = database().await;
    let before = shape(&client, "events_p20260821").await;
    assert!(before.len() >= 12, "{before:?}");
    let oid = "SELECT 'events_p20260821'::regclass::oid::bigint";
    let old_oid = count(&client, oid).await;
    run(&mut client, NOW).await;
    assert_ne!(count(&client, oid).await, old_oid, "not rebuilt");
    assert_eq!(shape(&client, "events_p20260821").await, before);

    // The primary key and the bounds still hold, through the parent and directly.
    let duplicate =
        "INSERT INTO events SELECT * FROM events WHERE occurred_at < '2026-08-22' LIMIT 1";
    let err = client.batch_execute(duplicate).await.unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::UNIQUE_VIOLATION));
    let outside = "INSERT INTO events_p20260821 SELECT * FROM events_p20260825 LIMIT 1";
    let err = client.batch_execute(outside).await.unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::CHECK_VIOLATION));
}

#[tokio::test]
async fn update_in_place_and_rebuild_leave_the_same_rows() {
    let mut results = Vec::new();
    for method in [AnonymizeMethod::Update, AnonymizeMethod::Rebuild] {
        let (_db, mut client) = database().await;
        let report = anonymize_with(&mut client, at(NOW), &AnonymizePolicy::default(), method)
            .await
            .unwrap();
        let rows: Vec<String> =
            testkit::column(&client, "SELECT e::text FROM events e ORDER BY event_id").await;
        let methods: Vec<String> = testkit::column(
            &client,
            "SELECT DISTINCT last_method FROM anonymized_partitions WHERE day < '2026-08-24'",
        )
        .await;
        results.push((report.event_rows, report.rebuilt, methods, rows));
    }
    assert_eq!(results[0].0, results[1].0);
    assert_eq!((results[0].1, results[1].1), (0, 3));
    assert_eq!(results[0].2, vec!["update".to_owned()]);
    assert_eq!(results[1].2, vec!["rebuild".to_owned()]);
    assert!(results[0].3 == results[1].3, "the methods' rows differ");
}

#[tokio::test]
async fn a_day_with_few_personal_rows_is_updated_in_place() {
    let (_db, mut client) = database().await;
    // Nine rows in ten of 08-21 lose their personal data beforehand.
    client
        .batch_execute(
            "UPDATE events SET ip_address = NULL,
                               event_data = event_data - '{email,first_name,user_agent,phone}'::text[]
             WHERE occurred_at < '2026-08-22' AND contact_id % 10 <> 0",
        )
        .await
        .unwrap();
    run(&mut client, NOW).await;
    let marks = watermarks(&client).await;
    assert_eq!(marks[0].2, "update", "{marks:?}");
    assert_eq!(marks[1].2, "rebuild", "{marks:?}");
    assert_eq!(personal_before(&client, LINE, &keys()).await, 0);
}

/// A writer in flight on a partition when its rebuild starts: here a transaction that
/// inserted into the partition and has not committed. The rebuild waits for it, copies
/// its row and removes its personal data.
#[tokio::test]
async fn an_insert_in_flight_when_a_partition_is_rebuilt_is_copied_not_lost() {
    let (db, client) = database().await;
    let mut writer = db.connect().await;
    let tx = writer.transaction().await.unwrap();
    tx.execute(
        "INSERT INTO events_p20260822 (event_id, organization_id, campaign_id, contact_id, event_type,
                                       occurred_at, ip_address, event_data)
         VALUES ('0199e5a0-0000-7000-8000-000000000077', 1, 10, 1001, 'OPEN', '2026-08-22T08:00:00Z',
                 '203.0.113.77', '{\"phone\": \"+1 555\"}')",
        &[],
    )
    .await
    .unwrap();

    let (_, running) = blocked_run(&db, &client).await;
    tx.commit().await.unwrap();
    let report = running.await.unwrap().unwrap();
    assert_eq!(report.rebuilt, 3, "{report:?}");

    let row = client
        .query_one(
            "SELECT ip_address IS NULL, event_data::text FROM events
             WHERE event_id = '0199e5a0-0000-7000-8000-000000000077'",
            &[],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, String>(1), "{}");
    assert_eq!(
        count(&client, "SELECT count(*) FROM events_p20260822").await,
        i64::from(PER_DAY) + 1
    );
}

#[tokio::test]
async fn a_key_added_to_the_policy_reaches_rows_anonymized_before() {
    let (_db, mut client) = database().await;
    run(&mut client, NOW).await;
    let mut policy = AnonymizePolicy::default();
    policy.pii_keys.push("company".into());
    let companies_before =
        "SELECT count(*) FROM events WHERE occurred_at < '2026-08-24 03:00:00+00'
                            AND event_data ? 'company'";
    assert!(count(&client, companies_before).await > 0);

    let report = anonymize(&mut client, at(NOW), &policy).await.unwrap();
    assert_eq!(report.partitions, 4, "{report:?}");
    assert_eq!(count(&client, companies_before).await, 0);
    assert_eq!(
        wrongly_changed_before(&client, LINE, &policy.pii_keys).await,
        0
    );
    assert!(
        count(
            &client,
            "SELECT count(*) FROM events WHERE occurred_at >= '2026-08-24 03:00:00+00'
             AND event_data ? 'company'"
        )
        .await
            > 0
    );
    assert_eq!(
        anonymize(&mut client, at(NOW), &policy).await.unwrap(),
        AnonymizeReport::default()
    );
}

#[tokio::test]
async fn a_role_under_row_level_security_is_refused() {
    let (_db, mut client) = database().await;
    client.batch_execute("SET ROLE tally_app").await.unwrap();
    let err = anonymize(&mut client, at(NOW), &AnonymizePolicy::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AnonymizeError::RowSecurity { table: "events" }),
        "{err:?}"
    );
    assert!(err.to_string().contains("owner"), "{err}");

    client.batch_execute("RESET ROLE").await.unwrap();
    let policy = AnonymizePolicy {
        horizon: TimeDelta::zero(),
        ..AnonymizePolicy::default()
    };
    let err = anonymize(&mut client, at(NOW), &policy).await.unwrap_err();
    assert!(matches!(err, AnonymizeError::Policy(_)), "{err:?}");
    assert_eq!(watermarks(&client).await, vec![]);
}

/// A session holding a lock on `events` (a long query, a busy moment of ingest) keeps the
/// swap from getting its lock: after its 2-second wait the day is updated in place.
#[tokio::test]
async fn a_swap_that_cannot_lock_events_falls_back_to_updating_in_place() {
    let (db, mut client) = database().await;
    let mut reader = db.connect().await;
    let lock = reader.transaction().await.unwrap();
    lock.batch_execute("LOCK TABLE ONLY events IN ACCESS SHARE MODE")
        .await
        .unwrap();
    // The line at 08-22T03:00: only 08-21 is wholly past it.
    let report = run(&mut client, "2026-11-20T03:00:00Z").await;
    lock.rollback().await.unwrap();

    assert_eq!((report.partitions, report.rebuilt), (2, 0), "{report:?}");
    assert_eq!(
        watermarks(&client).await[0],
        (
            day("2026-08-21"),
            at("2026-08-22T00:00:00Z"),
            "update".into()
        )
    );
    let line = "2026-08-22T03:00:00Z";
    assert_eq!(personal_before(&client, line, &keys()).await, 0);
    assert_eq!(wrongly_changed_before(&client, line, &keys()).await, 0);
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_anon%'"
        )
        .await,
        0,
        "the copy was not rolled back"
    );
}
