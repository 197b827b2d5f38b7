//! Dead-letter replay against a real Postgres: letters the ingest wrote through the
//! in-process Kafka are stored once their campaign exists, marked in the same
//! transaction, never twice; letters that still fail keep their row with the new
//! reason; a crash in the middle of a chunk leaves nothing half done.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use ingest::{
    Ingest, IngestConfig, LetterFilter, Limits, ReplayOptions, ReplayOutcome, ReplaySummary,
    list_dead_letters, replay,
};
use schema::DeadLetterReason as Reason;
use simulate::{EmbeddedKafka, Expect, Record, produce};
use testkit::TestDb;
use tokio_postgres::Client;
use uuid::Uuid;

const ORG: i64 = 7;
const CAMPAIGN: i64 = 10;
/// Created only after its events were dead-lettered.
const LATE_CAMPAIGN: i64 = 11;
/// Unknown until the test creates it (without its campaign).
const LATE_ORG: i64 = 9;

/// A valid event of `org` and `campaign`; `n` fixes its id, contact (`n + 1`) and time.
fn event(n: u128, org: i64, campaign: i64, at: DateTime<Utc>) -> Vec<u8> {
    format!(
        r#"{{"event_id":"{}","organization_id":{org},"campaign_id":{campaign},"contact_id":{contact},"event_type":"CLICK","occurred_at":"{}","event_data":{{"n":{n}}}}}"#,
        id(n),
        (at + TimeDelta::milliseconds(n as i64)).to_rfc3339(),
        contact = n + 1,
    )
    .into_bytes()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0193_6d3e_7f1a_7c3e_9a51_0000_0000_0000 + n)
}

fn an_hour_ago() -> DateTime<Utc> {
    Utc::now() - TimeDelta::hours(1)
}

async fn seed(client: &Client) {
    client
        .batch_execute(&format!(
            "INSERT INTO organizations (id, name) VALUES ({ORG}, 'Acme');
             INSERT INTO campaigns (organization_id, id, name) VALUES ({ORG}, {CAMPAIGN}, 'Spring');"
        ))
        .await
        .unwrap();
}

async fn create_late_campaign(client: &Client) {
    client
        .batch_execute(&format!(
            "INSERT INTO campaigns (organization_id, id, name) VALUES ({ORG}, {LATE_CAMPAIGN}, 'Summer');
             INSERT INTO organizations (id, name) VALUES ({LATE_ORG}, 'Late');"
        ))
        .await
        .unwrap();
}

async fn scalar(client: &Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", schema::describe_pg_error(&e)))
        .get(0)
}

fn pool(db: &TestDb) -> schema::Pool {
    schema::pool(db.config(), 4).unwrap()
}

/// A letter as the ingest writes it (`writer/dead_letters.sql`), at `offset` of
/// partition 0.
async fn letter(client: &Client, offset: i64, payload: &[u8], reason: Reason) -> i64 {
    client
        .query_one(
            "INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, payload, reason, detail, organization_id)
             VALUES ('events', 0, $1, $2, $3, 'as the ingest wrote it', $4) RETURNING id",
            &[&offset, &payload, &reason.as_str(), &Some(ORG)],
        )
        .await
        .unwrap()
        .get(0)
}

/// Runs a replay of `filter` with the default limits, returning its summary and the
/// summaries its progress reported.
async fn run(db: &TestDb, filter: LetterFilter) -> (ReplaySummary, Vec<ReplaySummary>) {
    run_with(db, ReplayOptions::new(filter, Limits::default())).await
}

async fn run_with(db: &TestDb, options: ReplayOptions) -> (ReplaySummary, Vec<ReplaySummary>) {
    let mut seen = Vec::new();
    let summary = replay(&pool(db), &options, |s| seen.push(s.clone()))
        .await
        .unwrap_or_else(|e| panic!("replay failed: {e}"));
    (summary, seen)
}

/// Everything a replay writes, as the owner sees it: events, counters, invalidations,
/// sketches and the letters.
async fn state(client: &Client) -> BTreeMap<&'static str, String> {
    let mut state = BTreeMap::new();
    for (name, sql) in [
        (
            "events",
            "SELECT event_id::text || occurred_at::text FROM events",
        ),
        (
            "counters",
            "SELECT concat_ws(',', organization_id, campaign_id, event_type, day, shard, event_count) FROM event_counters",
        ),
        (
            "invalidations",
            "SELECT concat_ws(',', organization_id, campaign_id, day, shard) FROM event_invalidations",
        ),
        (
            "sketches",
            "SELECT md5(sketches) FROM event_sketch_fragments",
        ),
        ("letters", "SELECT to_jsonb(d)::text FROM dead_letters d"),
    ] {
        let mut rows: Vec<String> = testkit::column(client, sql).await;
        rows.sort();
        state.insert(name, rows.join("\n"));
    }
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn letters_of_a_missing_campaign_are_stored_once_after_it_is_created() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    seed(&client).await;
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("replay-{}", Uuid::new_v4().simple());
    kafka.create_topic(&topic, 1).unwrap();
    let at = an_hour_ago();
    let dead = |reason| Expect::DeadLetter { reason };
    let record = |payload: Vec<u8>, expect| Record {
        key: b"1".to_vec(),
        payload,
        expect,
    };
    // Offsets 0-4: events of the campaign not created yet; 5: the producer's retry of
    // the first; 6: an unknown organization's; 7: not JSON; 8: a good one.
    let mut records: Vec<Record> = (0..5)
        .map(|n| {
            record(
                event(n, ORG, LATE_CAMPAIGN, at),
                dead(Reason::UnknownCampaign),
            )
        })
        .collect();
    records.push(record(
        event(0, ORG, LATE_CAMPAIGN, at),
        dead(Reason::UnknownCampaign),
    ));
    records.push(record(
        event(20, LATE_ORG, 90, at),
        dead(Reason::UnknownOrganization),
    ));
    records.push(record(
        b"{\"event_id\": ".to_vec(),
        dead(Reason::MalformedJson),
    ));
    records.push(record(
        event(30, ORG, CAMPAIGN, at),
        Expect::Stored {
            event_id: id(30),
            organization_id: ORG,
            campaign_id: CAMPAIGN,
            event_type: schema::EventType::Click,
            day: at.date_naive(),
        },
    ));
    let brokers = kafka.bootstrap_servers();
    produce(&brokers, &topic, records.into_iter(), |_| {})
        .await
        .unwrap();
    let mut config = IngestConfig::new(&brokers, &topic, "replay", db.config().clone());
    config.batch_age = Duration::from_millis(50);
    let ingest = Ingest::start(config).await.unwrap();
    db.wait_committed(9, Duration::from_secs(60)).await;

    // The campaign is created; the producer retries the second event, which the ingest
    // now stores (it refreshes its catalog on a miss).
    create_late_campaign(&client).await;
    // A writer refreshes its catalog on a miss only once it is a second old.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let retry = record(
        event(1, ORG, LATE_CAMPAIGN, at),
        dead(Reason::UnknownCampaign),
    );
    produce(&brokers, &topic, vec![retry].into_iter(), |_| {})
        .await
        .unwrap();
    db.wait_committed(10, Duration::from_secs(60)).await;
    ingest.stop().await;
    let reasons: Vec<String> = testkit::column(
        &client,
        "SELECT reason FROM dead_letters ORDER BY kafka_offset",
    )
    .await;
    assert_eq!(
        reasons,
        [
            "unknown_campaign",
            "unknown_campaign",
            "unknown_campaign",
            "unknown_campaign",
            "unknown_campaign",
            "unknown_campaign",
            "unknown_organization",
            "malformed_json"
        ]
    );
    assert_eq!(scalar(&client, "SELECT count(*) FROM events").await, 2);
    let sketches_before = scalar(&client, "SELECT count(*) FROM event_sketch_fragments").await;

    let (summary, progress) = run(&db, LetterFilter::default()).await;
    assert_eq!(
        (summary.pending, summary.handled, summary.already_replayed),
        (8, 8, 0)
    );
    // Events 0, 2, 3, 4 stored; the retry of 0 and event 1 (stored by the ingest) are
    // duplicates.
    assert_eq!((summary.stored, summary.duplicates), (4, 2), "{summary:?}");
    assert_eq!(
        summary.still_failing,
        BTreeMap::from([(Reason::MalformedJson, 1), (Reason::UnknownCampaign, 1)])
    );
    assert_eq!(progress.first().map(|p| p.handled), Some(0));
    assert_eq!(progress.last(), Some(&summary));

    // Each event once, and what the aggregates rely on written with it.
    let per_event: Vec<i64> = testkit::column(
        &client,
        &format!(
            "SELECT count(*) FROM events WHERE campaign_id = {LATE_CAMPAIGN} GROUP BY event_id ORDER BY event_id"
        ),
    )
    .await;
    assert_eq!(per_event, [1, 1, 1, 1, 1]);
    assert_eq!(
        scalar(
            &client,
            &format!(
                "SELECT sum(event_count)::bigint FROM event_counters WHERE campaign_id = {LATE_CAMPAIGN}"
            )
        )
        .await,
        5
    );
    assert_eq!(
        scalar(
            &client,
            &format!(
                "SELECT count(*) FROM event_invalidations WHERE campaign_id = {LATE_CAMPAIGN} AND shard = {}",
                i32::MAX
            )
        )
        .await,
        1
    );
    assert_eq!(
        scalar(&client, "SELECT count(*) FROM event_sketch_fragments").await,
        sketches_before + 1
    );

    // The letters: marked with their fate and event, in offset order.
    let marks: Vec<String> = testkit::column(
        &client,
        "SELECT concat_ws(' ', kafka_offset, replay_outcome, replayed_event_id, reason, replay_attempts)
           FROM dead_letters ORDER BY kafka_offset",
    )
    .await;
    let expected: Vec<String> = [
        format!("0 stored {} unknown_campaign 1", id(0)),
        format!("1 duplicate {} unknown_campaign 1", id(1)),
        format!("2 stored {} unknown_campaign 1", id(2)),
        format!("3 stored {} unknown_campaign 1", id(3)),
        format!("4 stored {} unknown_campaign 1", id(4)),
        format!("5 duplicate {} unknown_campaign 1", id(0)),
        // Its organization exists now, its campaign does not: the new reason.
        "6 unknown_campaign 1".to_owned(),
        "7 malformed_json 1".to_owned(),
    ]
    .into();
    assert_eq!(marks, expected);
    let detail: String = client
        .query_one(
            "SELECT detail FROM dead_letters WHERE kafka_offset = 6",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(detail, "organization 9, campaign 90: unknown_campaign");

    // Again: nothing left to store, nothing stored twice.
    let before = state(&client).await;
    let (again, _) = run(&db, LetterFilter::default()).await;
    assert_eq!(
        (
            again.pending,
            again.already_replayed,
            again.stored,
            again.duplicates
        ),
        (2, 6, 0, 0),
        "{again:?}"
    );
    assert_eq!(again.failing(), 2);
    let after = state(&client).await;
    assert_eq!(before["events"], after["events"]);
    assert_eq!(before["counters"], after["counters"]);

    // The listing agrees.
    let list = list_dead_letters(&client, &LetterFilter::default(), false, 10)
        .await
        .unwrap();
    assert_eq!((list.pending(), list.replayed()), (2, 6));
    let mut offsets: Vec<i64> = list.letters.iter().map(|l| l.offset).collect();
    offsets.sort_unstable();
    assert_eq!(offsets, [6, 7], "only the pending letters");
    assert!(list.letters[0].id > list.letters[1].id, "newest first");
    assert!(list.letters.iter().all(|l| l.replay_attempts == 2));
    let all = list_dead_letters(&client, &LetterFilter::default(), true, 100)
        .await
        .unwrap();
    assert_eq!(all.letters.len(), 8);
    let retry = all
        .letters
        .iter()
        .find(|l| l.offset == 5)
        .and_then(|l| l.replayed)
        .expect("offset 5 was replayed");
    assert_eq!(
        (retry.outcome, retry.event_id),
        (ReplayOutcome::Duplicate, id(0))
    );
    let reasons = list_dead_letters(
        &client,
        &LetterFilter {
            reason: Some(Reason::MalformedJson),
            ..LetterFilter::default()
        },
        true,
        1,
    )
    .await
    .unwrap();
    assert_eq!((reasons.pending(), reasons.replayed()), (1, 0));
    assert_eq!(reasons.letters[0].payload_bytes, 13);
}

#[tokio::test]
async fn a_crash_in_the_middle_of_a_replay_leaves_nothing_half_done() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    seed(&client).await;
    let at = an_hour_ago();
    for n in 0..4 {
        letter(
            &client,
            n as i64,
            &event(n, ORG, CAMPAIGN, at),
            Reason::UnknownCampaign,
        )
        .await;
    }
    letter(&client, 4, b"[]", Reason::MalformedJson).await;
    let before = state(&client).await;

    // A statement that fails after the events, counters and sketches were written,
    // when the letters are marked.
    client
        .batch_execute(
            "CREATE FUNCTION fail_marking() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'injected failure'; END $$;
             CREATE TRIGGER fail_marking BEFORE UPDATE ON dead_letters
                 FOR EACH ROW WHEN (NEW.replayed_at IS NOT NULL) EXECUTE FUNCTION fail_marking();",
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    let options = ReplayOptions::new(LetterFilter::default(), Limits::default());
    let error = replay(&pool(&db), &options, |s| seen.push(s.clone()))
        .await
        .expect_err("the marking fails");
    assert!(error.to_string().contains("injected failure"), "{error}");
    assert!(error.to_string().contains("rolled back"), "{error}");
    assert_eq!(seen.last().map(|s| s.stored), Some(0));
    assert_eq!(
        state(&client).await,
        before,
        "a failed statement undid the chunk"
    );

    // The connection dropped at the same point.
    client
        .batch_execute(
            "CREATE OR REPLACE FUNCTION fail_marking() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;",
        )
        .await
        .unwrap();
    let error = replay(&pool(&db), &options, |_| {})
        .await
        .expect_err("the connection drops");
    assert!(error.to_string().contains("postgres"), "{error}");
    assert_eq!(
        state(&client).await,
        before,
        "a dropped connection undid the chunk"
    );

    // Fixed, the replay does it all, once.
    client
        .batch_execute("DROP TRIGGER fail_marking ON dead_letters")
        .await
        .unwrap();
    let (summary, _) = run(&db, LetterFilter::default()).await;
    assert_eq!((summary.stored, summary.failing()), (4, 1), "{summary:?}");
    assert_eq!(scalar(&client, "SELECT count(*) FROM events").await, 4);
    assert_eq!(
        scalar(
            &client,
            "SELECT count(*) FROM dead_letters WHERE replayed_at IS NOT NULL"
        )
        .await,
        4
    );
    // The still-invalid letter: failed attempts are not counted, the good one is.
    assert_eq!(
        scalar(
            &client,
            "SELECT replay_attempts::bigint FROM dead_letters WHERE kafka_offset = 4"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn filters_chunks_and_a_dry_run() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    seed(&client).await;
    let at = an_hour_ago();
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            letter(
                &client,
                n as i64,
                &event(n, ORG, CAMPAIGN, at),
                Reason::UnknownCampaign,
            )
            .await,
        );
    }
    let stray = letter(&client, 5, b"nope", Reason::MalformedJson).await;
    // The producer's retry of the first event: a duplicate, whichever is replayed first.
    letter(
        &client,
        6,
        &event(0, ORG, CAMPAIGN, at),
        Reason::UnknownCampaign,
    )
    .await;
    let before = state(&client).await;

    // A dry run writes nothing and tells what would happen, the repeats included.
    let mut options = ReplayOptions::new(LetterFilter::default(), Limits::default());
    options.dry_run = true;
    options.chunk_letters = 2;
    let (dry, progress) = run_with(&db, options.clone()).await;
    assert!(dry.dry_run);
    assert_eq!(
        (dry.pending, dry.handled, dry.stored, dry.duplicates),
        (7, 7, 5, 1),
        "{dry:?}"
    );
    assert_eq!(
        dry.still_failing,
        BTreeMap::from([(Reason::MalformedJson, 1)])
    );
    // One report before the first chunk, then one per chunk of two.
    let handled: Vec<u64> = progress.iter().map(|p| p.handled).collect();
    assert_eq!(handled, [0, 2, 4, 6, 7]);
    assert_eq!(state(&client).await, before, "a dry run writes nothing");

    // By reason and id; an id that matches nothing is reported.
    let filter = LetterFilter {
        reason: Some(Reason::UnknownCampaign),
        ids: vec![ids[0], ids[1], stray, 999_999],
        ..LetterFilter::default()
    };
    let (summary, _) = run(&db, filter).await;
    assert_eq!((summary.pending, summary.stored), (2, 2), "{summary:?}");
    assert_eq!(summary.not_found, [stray, 999_999]);

    // Another organization's letters only: none.
    let (summary, _) = run(
        &db,
        LetterFilter {
            organization: Some(ORG + 1),
            ..LetterFilter::default()
        },
    )
    .await;
    assert_eq!((summary.pending, summary.handled), (0, 0));

    // Received after now: none; since the start: the rest, by byte-bounded chunks of
    // one letter.
    let later = LetterFilter {
        since: Some(Utc::now() + TimeDelta::minutes(1)),
        ..LetterFilter::default()
    };
    assert_eq!(run(&db, later).await.0.pending, 0);
    let mut options = ReplayOptions::new(
        LetterFilter {
            since: Some(Utc::now() - TimeDelta::hours(1)),
            ..LetterFilter::default()
        },
        Limits::default(),
    );
    options.chunk_bytes = 1;
    let (summary, progress) = run_with(&db, options).await;
    assert_eq!(
        (
            summary.pending,
            summary.already_replayed,
            summary.stored,
            summary.duplicates
        ),
        (5, 2, 3, 1),
        "{summary:?}"
    );
    assert_eq!(progress.len(), 6, "one letter per chunk");
    assert_eq!(scalar(&client, "SELECT count(*) FROM events").await, 5);
}

#[tokio::test]
async fn a_replay_uses_the_limits_and_the_time_it_is_given() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    seed(&client).await;
    let ahead = Utc::now() + TimeDelta::days(3);
    let id = letter(
        &client,
        0,
        &event(1, ORG, CAMPAIGN, ahead),
        Reason::OutOfWindow,
    )
    .await;
    let (summary, _) = run(&db, LetterFilter::default()).await;
    assert_eq!(
        summary.still_failing,
        BTreeMap::from([(Reason::OutOfWindow, 1)])
    );
    let detail: String = client
        .query_one("SELECT detail FROM dead_letters WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert!(detail.contains("outside the accepted window"), "{detail}");

    // Three days later, the same record is in the window.
    let mut options = ReplayOptions::new(LetterFilter::default(), Limits::default());
    options.now = ahead;
    let (summary, _) = run_with(&db, options).await;
    assert_eq!(summary.stored, 1, "{summary:?}");
    assert_eq!(
        scalar(
            &client,
            "SELECT count(*) FROM events WHERE occurred_at > now() + interval '2 days'"
        )
        .await,
        1
    );
}
