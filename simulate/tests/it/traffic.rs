//! The traffic simulator: determinism, counts and funnel shape, the seeded rows, plans
//! from `email_send_simulations`, NDJSON output, and producing to the embedded Kafka.
//!
//! Throughput is printed (run with `--nocapture`, in release for real numbers:
//! `cargo test --release -p simulate --test it traffic -- --nocapture`).

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Message, Offset, TopicPartitionList};
use schema::EventType;
use serde_json::Value;
use simulate::{
    DEAD_LETTER_REASONS, EmbeddedKafka, Expect, OVERSIZED_EVENT_DATA_BYTES, Record, SeedSummary,
    SimulateError, SimulationPlan, generate, plan_from_simulation, produce, seed_database,
    write_ndjson,
};
use testkit::day;
use uuid::Uuid;

fn plan(seed: u64, total_events: u64) -> SimulationPlan {
    let mut plan = SimulationPlan::new(day("2026-11-20"), 3, total_events);
    plan.seed = seed;
    plan.organizations = 2;
    plan.campaigns_per_organization = 4;
    plan.contacts_per_organization = 5_000;
    plan.first_organization_id = 1_000_000 + seed as i64 * 100;
    plan.duplicate_rate = 0.02;
    plan.malformed_rate = 0.01;
    plan
}

fn hash_records(records: impl Iterator<Item = Record>) -> (u64, u64) {
    let mut hasher = DefaultHasher::new();
    let mut n = 0;
    for record in records {
        record.key.hash(&mut hasher);
        record.payload.hash(&mut hasher);
        n += 1;
    }
    (hasher.finish(), n)
}

fn record_hash(payload: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    payload.hash(&mut hasher);
    hasher.finish()
}

fn timestamp(v: &Value) -> DateTime<Utc> {
    v["occurred_at"].as_str().unwrap().parse().unwrap()
}

#[test]
fn the_same_plan_gives_identical_records_and_another_seed_does_not() {
    let a = hash_records(generate(&plan(7, 30_000)).unwrap());
    let b = hash_records(generate(&plan(7, 30_000)).unwrap());
    assert_eq!(a, b);
    assert_eq!(a.1, 30_000);
    let mut other = plan(7, 30_000);
    other.seed = 8;
    let c = hash_records(generate(&other).unwrap());
    assert_ne!(a.0, c.0);
    // (A shorter run is not a prefix of a longer one: the records share the window, so
    // the stream's clock runs slower the more records there are.)
}

/// The output is pinned: a change to the generator, or to the random stream under it
/// (rand, rand_chacha), shows up here rather than as silently different traffic.
#[test]
fn the_output_is_pinned() {
    let expected = [
        r#"{"event_id":"01a1f9fe-d730-7e0a-af41-630f6bd9cda8","organization_id":1000701,"campaign_id":10007010004,"contact_id":10007010000840,"event_type":"SENT","occurred_at":"2026-11-20T17:26:30.448Z","event_data":{"template_version":3,"variant":"B","mta":"sim-mta-03"}}"#,
        r#"{"event_id":"01a1fc6f-1431-76c2-b961-7a6e386d3287","organization_id":1000700,"campaign_id":10007000001,"contact_id":10007000001630,"event_type":"SENT","occurred_at":"2026-11-21T04:48:20.529Z","event_data":{"template_version":3,"variant":"B","mta":"sim-mta-03"}}"#,
        r#"{"event_id":"01a200f1-580d-7fcd-9ad1-dd9d6a66641c","organization_id":1000701,"campaign_id":10007010001,"contact_id":10007010002419,"event_type":"SENT","occurred_at":"2026-11-22T01:49:06.445Z","event_data":{"template_version":2,"variant":"A","mta":"sim-mta-04"}}"#,
    ];
    let got: Vec<String> = generate(&plan(7, 3))
        .unwrap()
        .map(|r| String::from_utf8(r.payload).unwrap())
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn invalid_plans_are_refused_naming_the_field() {
    type Break = fn(&mut SimulationPlan);
    let cases: [(&str, Break); 6] = [
        ("organizations", |p| p.organizations = 0),
        ("contacts_per_organization", |p| {
            p.contacts_per_organization = 0
        }),
        ("rates.open", |p| p.rates.open = 1.5),
        ("duplicate_rate", |p| p.duplicate_rate = f64::NAN),
        ("days", |p| p.days = 0),
        ("first_organization_id", |p| p.first_organization_id = 0),
    ];
    for (field, break_it) in cases {
        let mut p = plan(1, 10);
        break_it(&mut p);
        let message = p.validate().unwrap_err();
        assert!(message.contains(field), "{message}");
        match generate(&p) {
            Err(SimulateError::InvalidPlan(m)) => assert!(m.contains(field)),
            _ => panic!("generate accepted a plan with a bad {field}"),
        }
    }
    plan(1, 10).validate().unwrap();
}

/// What 100k records hold, checked record by record.
#[test]
fn counts_funnel_window_duplicates_and_malformed_kinds() {
    let plan = plan(11, 100_000);
    let (start, end) = plan.window();
    let mut by_type: HashMap<EventType, u64> = HashMap::new();
    let mut valid_payloads: HashMap<Uuid, (u64, usize)> = HashMap::new();
    let mut malformed_ids = HashSet::new();
    let mut reasons: HashMap<schema::DeadLetterReason, u64> = HashMap::new();
    let mut duplicates = 0u64;
    let mut near = 0u64;
    let mut far = 0u64;
    let mut campaign_changes = 0u64;
    let mut last_campaign = 0i64;
    let mut days = HashSet::new();
    let mut total = 0usize;
    for (i, record) in generate(&plan).unwrap().enumerate() {
        total += 1;
        match record.expect {
            Expect::Stored {
                event_id,
                organization_id,
                campaign_id,
                event_type,
                day,
            } => {
                let v: Value = serde_json::from_slice(&record.payload).unwrap();
                assert_eq!(v["event_id"], event_id.to_string());
                assert_eq!(event_id.get_version_num(), 7);
                assert_eq!(v["organization_id"], organization_id);
                assert_eq!(v["campaign_id"], campaign_id);
                assert_eq!(v["event_type"], event_type.to_string());
                let contact = v["contact_id"].as_i64().unwrap();
                assert_eq!(record.key, contact.to_string().into_bytes());
                let at = timestamp(&v);
                assert!(at >= start && at < end, "{at} outside the window");
                assert_eq!(at.date_naive(), day);
                // The UUID v7 carries occurred_at's milliseconds.
                let (secs, nanos) = event_id.get_timestamp().unwrap().to_unix();
                assert_eq!(
                    secs as i64 * 1000 + i64::from(nanos) / 1_000_000,
                    at.timestamp_millis()
                );
                assert!(v["event_data"].is_object());
                let has_ip = !matches!(event_type, EventType::Sent | EventType::Bounce);
                assert_eq!(v.get("ip_address").is_some(), has_ip, "{v}");
                match event_type {
                    EventType::Click => assert!(v["event_data"]["url"].is_string()),
                    EventType::Bounce => assert!(v["event_data"]["bounce_type"].is_string()),
                    EventType::FormSubmit => assert!(v["event_data"]["fields"].is_object()),
                    EventType::Open | EventType::FormView => {
                        assert!(v["event_data"]["user_agent"].is_string())
                    }
                    _ => {}
                }
                *by_type.entry(event_type).or_default() += 1;
                days.insert(day);
                if campaign_id != last_campaign {
                    campaign_changes += 1;
                }
                last_campaign = campaign_id;
                let old = valid_payloads.insert(event_id, (record_hash(&record.payload), i));
                assert!(old.is_none(), "event id {event_id} generated twice");
            }
            Expect::Duplicate { event_id } => {
                duplicates += 1;
                let (hash, at) = valid_payloads[&event_id];
                assert_eq!(hash, record_hash(&record.payload), "not an exact re-send");
                if i - at <= 1_000 {
                    near += 1;
                }
                if i - at > 10_000 {
                    far += 1;
                }
            }
            Expect::DeadLetter { reason } => {
                *reasons.entry(reason).or_default() += 1;
                check_malformed(&plan, reason.as_str(), &record.payload, &mut malformed_ids);
            }
        }
    }
    assert_eq!(total, 100_000);
    let valid: u64 = by_type.values().sum();
    let malformed: u64 = reasons.values().sum();
    assert_eq!(valid + duplicates + malformed, 100_000);
    // 2% duplicates and 1% malformed, within a few standard deviations.
    assert!(
        (1_700..=2_300).contains(&duplicates),
        "{duplicates} duplicates"
    );
    assert!((800..=1_200).contains(&malformed), "{malformed} malformed");
    assert!(
        near * 10 >= duplicates * 7,
        "{near} of {duplicates} duplicates are recent"
    );
    assert!(far > 0, "no duplicate re-sends a much older record");
    // The kinds cycle, so each has its share.
    assert_eq!(reasons.len(), DEAD_LETTER_REASONS.len());
    for (reason, n) in &reasons {
        assert!(
            n.abs_diff(malformed / 7) <= 1,
            "{reason}: {n} of {malformed}"
        );
    }
    for id in &malformed_ids {
        assert!(!valid_payloads.contains_key(id));
    }
    let n = |t| by_type.get(&t).copied().unwrap_or(0);
    let (sent, open, click, view, submit) = (
        n(EventType::Sent),
        n(EventType::Open),
        n(EventType::Click),
        n(EventType::FormView),
        n(EventType::FormSubmit),
    );
    println!("funnel: {by_type:?}");
    assert!(sent > open && open > click && click > view && view > submit && submit > 0);
    // Rates: opens ~ 35% of delivered, clicks ~ 25% of opens, bounces ~ 2% of sends.
    let ratio = |a: u64, b: u64| a as f64 / b as f64;
    assert!((0.32..0.38).contains(&ratio(open, sent - n(EventType::Bounce))));
    assert!((0.22..0.28).contains(&ratio(click, open)));
    assert!((0.015..0.025).contains(&ratio(n(EventType::Bounce), sent)));
    assert!(n(EventType::Unsubscribe) > 0);
    // Interleaved, not sorted by campaign, and spread over every day of the window.
    assert!(
        campaign_changes * 2 > valid,
        "{campaign_changes} campaign changes"
    );
    assert_eq!(days.len(), 3);
}

fn check_malformed(plan: &SimulationPlan, reason: &str, payload: &[u8], ids: &mut HashSet<Uuid>) {
    let (start, _) = plan.window();
    if reason == "malformed_json" {
        assert!(serde_json::from_slice::<Value>(payload).is_err());
        return;
    }
    let v: Value = serde_json::from_slice(payload).unwrap();
    if reason == "invalid_field" {
        assert_eq!(v["event_id"], "not-a-uuid");
    } else {
        let id: Uuid = v["event_id"].as_str().unwrap().parse().unwrap();
        assert!(ids.insert(id), "malformed event id {id} reused");
    }
    match reason {
        "missing_field" => assert!(v.get("campaign_id").is_none()),
        "unknown_event_type" => assert_eq!(v["event_type"], "SHOUT"),
        "out_of_window" => {
            let at = timestamp(&v);
            assert!(at < start - chrono::Duration::days(4 * 365), "{at}");
        }
        "event_data_too_large" => {
            assert!(v["event_data"].to_string().len() >= OVERSIZED_EVENT_DATA_BYTES)
        }
        "unknown_campaign" => {
            let org = v["organization_id"].as_i64().unwrap();
            let index = u32::try_from(org - plan.first_organization_id).unwrap();
            assert_eq!(v["campaign_id"], plan.unknown_campaign_id(index));
        }
        "invalid_field" => {}
        other => panic!("unexpected reason {other}"),
    }
    if reason != "missing_field" {
        assert!(v["campaign_id"].is_i64());
    }
}

#[test]
fn extreme_rates_still_count_exactly() {
    let mut all_bad = plan(3, 1_000);
    all_bad.malformed_rate = 1.0;
    all_bad.duplicate_rate = 0.0;
    assert!(
        generate(&all_bad)
            .unwrap()
            .all(|r| matches!(r.expect, Expect::DeadLetter { .. }))
    );
    let mut all_dups = plan(3, 1_000);
    all_dups.malformed_rate = 0.0;
    all_dups.duplicate_rate = 1.0;
    // Nothing to duplicate at first: the first record is valid, then every one repeats it.
    let records: Vec<Record> = generate(&all_dups).unwrap().collect();
    assert_eq!(records.len(), 1_000);
    assert!(matches!(records[0].expect, Expect::Stored { .. }));
    assert!(records[1..].iter().all(|r| r.payload == records[0].payload));
    // More records than pairs: campaigns are sent again, with fresh ids.
    let mut tiny = plan(3, 5_000);
    tiny.organizations = 1;
    tiny.campaigns_per_organization = 1;
    tiny.contacts_per_organization = 10;
    tiny.duplicate_rate = 0.0;
    tiny.malformed_rate = 0.0;
    let ids: HashSet<Uuid> = generate(&tiny)
        .unwrap()
        .map(|r| match r.expect {
            Expect::Stored { event_id, .. } => event_id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids.len(), 5_000);
    assert_eq!(generate(&plan(3, 0)).unwrap().count(), 0);
}

#[test]
fn generator_streams_millions_fast() {
    // Release builds stream the full 5M; debug builds a tenth.
    let total = if cfg!(debug_assertions) {
        500_000
    } else {
        5_000_000
    };
    let mut p = plan(5, total);
    p.organizations = 10;
    p.contacts_per_organization = 100_000;
    let started = Instant::now();
    let mut bytes = 0usize;
    let mut n = 0u64;
    for record in generate(&p).unwrap() {
        bytes += record.payload.len();
        n += 1;
    }
    let elapsed = started.elapsed();
    let rate = n as f64 / elapsed.as_secs_f64();
    println!(
        "generator: {n} records, {} MB in {elapsed:?}: {rate:.0} records/s",
        bytes / 1_000_000
    );
    assert_eq!(n, total);
    if !cfg!(debug_assertions) {
        // A floor far below the measured rate: catches a pathology, not noise.
        assert!(rate > 300_000.0, "{rate:.0} records/s");
    }
}

#[test]
fn ndjson_has_one_payload_per_line() {
    let mut out = Vec::new();
    let written = write_ndjson(&mut out, generate(&plan(9, 3_000)).unwrap()).unwrap();
    assert_eq!(written, 3_000);
    let lines: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
    assert_eq!(lines.len(), 3_001);
    assert!(lines[3_000].is_empty());
    for (line, record) in lines.iter().zip(generate(&plan(9, 3_000)).unwrap()) {
        assert_eq!(*line, record.payload.as_slice());
    }
}

#[tokio::test]
async fn seed_creates_exactly_what_the_records_refer_to() {
    let db = testkit::TestDb::migrated().await;
    let client = db.connect().await;
    let mut p = plan(21, 40_000);
    p.contacts_per_organization = 2_000;
    let summary = seed_database(&client, &p).await.unwrap();
    assert_eq!(
        summary,
        SeedSummary {
            organizations: 2,
            contact_lists: 2,
            contacts: 4_000,
            campaigns: 8,
        }
    );
    let campaigns: HashSet<(i64, i64)> = client
        .query(
            "SELECT organization_id, id FROM campaigns WHERE status = 'active'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let contacts: HashSet<(i64, i64)> = client
        .query("SELECT organization_id, id FROM contacts", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let slugs: Vec<i64> = testkit::column(
        &client,
        "SELECT count(DISTINCT (organization_id, landing_page_slug)) FROM campaigns",
    )
    .await;
    assert_eq!(slugs, [8]);
    let mut unknown = 0;
    for record in generate(&p).unwrap() {
        let Ok(v) = serde_json::from_slice::<Value>(&record.payload) else {
            continue;
        };
        let org = v["organization_id"].as_i64().unwrap();
        let contact = v["contact_id"].as_i64().unwrap();
        let campaign = v["campaign_id"].as_i64();
        match record.expect {
            Expect::Stored { .. } | Expect::Duplicate { .. } => {
                assert!(campaigns.contains(&(org, campaign.unwrap())), "{v}");
                assert!(contacts.contains(&(org, contact)), "{v}");
            }
            Expect::DeadLetter {
                reason: schema::DeadLetterReason::UnknownCampaign,
            } => {
                unknown += 1;
                let campaign = campaign.unwrap();
                assert!(!campaigns.iter().any(|&(_, c)| c == campaign), "{v}");
            }
            Expect::DeadLetter { .. } => {}
        }
    }
    assert!(unknown > 0);
    // FORM_SUBMIT emails are the seeded contacts' emails.
    let emails: Vec<String> = testkit::column(
        &client,
        &format!(
            "SELECT email FROM contacts WHERE id = {}",
            p.contact_id(1, 41)
        ),
    )
    .await;
    assert_eq!(
        emails,
        [format!(
            "c{}@org{}.sim.example",
            p.contact_id(1, 41),
            p.organization_id(1)
        )]
    );
    // Idempotent: a second run creates nothing.
    assert_eq!(
        seed_database(&client, &p).await.unwrap(),
        SeedSummary::default()
    );
    // Another plan with another first id does not collide with this one; 100k contacts
    // go in without a round trip per row.
    let mut other = plan(22, 10);
    other.organizations = 1;
    other.contacts_per_organization = 100_000;
    let started = Instant::now();
    let created = seed_database(&client, &other).await.unwrap();
    println!("seed: {created:?} in {:?}", started.elapsed());
    assert_eq!(created.campaigns, 4);
    assert_eq!(created.contacts, 100_000);
}

#[tokio::test]
async fn seeding_is_one_transaction() {
    let db = testkit::TestDb::migrated().await;
    let client = db.connect().await;
    let p = plan(23, 10);
    // A constraint that makes the campaigns insert fail: the organizations, lists and
    // contacts inserted before it in the same call must be rolled back.
    client
        .batch_execute(&format!(
            "INSERT INTO organizations (id, name) VALUES (9, 'other');
             ALTER TABLE campaigns ADD CONSTRAINT no_sim CHECK (landing_page_slug <> 'sim-{}')",
            p.campaign_id(1, 2)
        ))
        .await
        .unwrap();
    let error = seed_database(&client, &p).await.unwrap_err();
    assert!(error.to_string().contains("seeding campaigns"), "{error}");
    let counts: Vec<i64> = testkit::column(
        &client,
        "SELECT (SELECT count(*) FROM organizations) + (SELECT count(*) FROM contacts)",
    )
    .await;
    assert_eq!(counts, [1]);
    // The session is usable again afterwards.
    client
        .batch_execute("ALTER TABLE campaigns DROP CONSTRAINT no_sim")
        .await
        .unwrap();
    assert_eq!(seed_database(&client, &p).await.unwrap().campaigns, 8);
}

#[tokio::test]
async fn a_plan_from_an_email_send_simulation_row() {
    let db = testkit::TestDb::migrated().await;
    let client = db.connect().await;
    // An existing organization and campaign, created the way the platform would.
    let row = client
        .query_one(
            "WITH org AS (INSERT INTO organizations (name) VALUES ('Acme') RETURNING id),
                  c AS (INSERT INTO campaigns (organization_id, name, status)
                        SELECT id, 'Spring launch', 'active' FROM org RETURNING organization_id, id)
             INSERT INTO email_send_simulations
                 (organization_id, campaign_id, name, total_recipients, open_rate, click_rate,
                  bounce_rate, unsubscribe_rate, form_view_rate, form_submit_rate, seed)
             SELECT organization_id, id, 'dry run', 2000, 0.4, 0.2, 0.03, 0.01, 0.6, 0.25, -5
             FROM c
             RETURNING organization_id, id, campaign_id",
            &[],
        )
        .await
        .unwrap();
    let (org, simulation, campaign): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let p = plan_from_simulation(&client, org, simulation, day("2026-03-01"), 7)
        .await
        .unwrap();
    assert_eq!(p.first_organization_id, org);
    assert_eq!(p.organizations, 1);
    assert_eq!(p.existing_campaign_id, Some(campaign));
    assert_eq!(p.contacts_per_organization, 2_000);
    assert_eq!(p.seed, (-5i64) as u64);
    assert_eq!((p.start_day, p.days), (day("2026-03-01"), 7));
    assert_eq!(
        (
            p.rates.open,
            p.rates.click,
            p.rates.bounce,
            p.rates.unsubscribe
        ),
        (0.4, 0.2, 0.03, 0.01)
    );
    assert_eq!((p.rates.form_view, p.rates.form_submit), (0.6, 0.25));
    assert_eq!((p.duplicate_rate, p.malformed_rate), (0.0, 0.0));
    // ~1 + 0.97 * (0.4 * (1 + 0.2 * (1 + 0.6 * 1.25)) + 0.01) + 0.03 per recipient.
    assert!(
        (3_000..3_400).contains(&p.total_events),
        "{}",
        p.total_events
    );
    // Every record is for that campaign, and seeding adds only the contacts.
    let seeded = seed_database(&client, &p).await.unwrap();
    assert_eq!(
        seeded,
        SeedSummary {
            organizations: 0,
            contact_lists: 1,
            contacts: 2_000,
            campaigns: 0,
        }
    );
    for record in generate(&p).unwrap() {
        match record.expect {
            Expect::Stored {
                organization_id,
                campaign_id,
                ..
            } => assert_eq!((organization_id, campaign_id), (org, campaign)),
            other => panic!("{other:?}"),
        }
    }
    // Soft-deleted and missing rows are not found.
    client
        .execute(
            "UPDATE email_send_simulations SET deleted_at = now() WHERE id = $1",
            &[&simulation],
        )
        .await
        .unwrap();
    for id in [simulation, simulation + 1] {
        let error = plan_from_simulation(&client, org, id, day("2026-03-01"), 7)
            .await
            .unwrap_err();
        assert!(
            matches!(error, SimulateError::SimulationNotFound { .. }),
            "{error}"
        );
    }
}

fn topic_name(prefix: &str) -> String {
    format!("{prefix}-{}", Uuid::new_v4().simple())
}

/// Reads every record of `topic`'s partitions from the beginning; returns the sorted
/// hashes of the payloads.
fn read_back(bootstrap: &str, topic: &str, partitions: i32, expected: usize) -> Vec<u64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", topic)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    // A list kept past the consumer's drop hangs the drop.
    drop(assignment);
    let mut hashes = Vec::with_capacity(expected);
    let deadline = Instant::now() + Duration::from_secs(120);
    while hashes.len() < expected && Instant::now() < deadline {
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            let message = message.unwrap();
            let payload = message.payload().unwrap_or_default();
            let key: i64 = std::str::from_utf8(message.key().unwrap())
                .unwrap()
                .parse()
                .unwrap();
            assert!(key > 0);
            hashes.push(record_hash(payload));
        }
    }
    // Nothing more than what was produced.
    assert!(consumer.poll(Duration::from_millis(500)).is_none());
    drop(consumer);
    hashes.sort_unstable();
    hashes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_to_the_embedded_kafka_and_read_everything_back() {
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = topic_name("simulate");
    kafka.create_topic(&topic, 4).unwrap();
    let p = plan(31, 50_000);
    let mut expected: Vec<u64> = generate(&p)
        .unwrap()
        .map(|r| record_hash(&r.payload))
        .collect();
    expected.sort_unstable();
    let (tx, rx) = std::sync::mpsc::channel();
    let started = Instant::now();
    let delivered = produce(
        &kafka.bootstrap_servers(),
        &topic,
        generate(&p).unwrap(),
        move |n| {
            let _ = tx.send(n);
        },
    )
    .await
    .unwrap();
    let elapsed = started.elapsed();
    println!(
        "produce: {delivered} records in {elapsed:?}: {:.0} records/s",
        delivered as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(delivered, 50_000);
    let reported: Vec<u64> = rx.try_iter().collect();
    assert!(reported.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(reported.last(), Some(&50_000));
    let bootstrap = kafka.bootstrap_servers();
    let topic2 = topic.clone();
    let got = tokio::task::spawn_blocking(move || read_back(&bootstrap, &topic2, 4, 50_000))
        .await
        .unwrap();
    assert_eq!(got.len(), expected.len());
    assert!(
        got == expected,
        "payloads read back differ from those produced"
    );
}

/// The producer's throughput target: a million records into the mock cluster in a few
/// seconds. Ignored by default (it holds ~0.5 GB in the mock); run it with
/// `cargo test --release -p simulate --test it traffic -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn produce_a_million_records() {
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = topic_name("simulate-1m");
    kafka.create_topic(&topic, 8).unwrap();
    let mut p = plan(41, 1_000_000);
    p.organizations = 10;
    p.contacts_per_organization = 100_000;
    let started = Instant::now();
    let delivered = produce(
        &kafka.bootstrap_servers(),
        &topic,
        generate(&p).unwrap(),
        |_| {},
    )
    .await
    .unwrap();
    let elapsed = started.elapsed();
    println!(
        "produce: {delivered} records in {elapsed:?}: {:.0} records/s",
        delivered as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(delivered, 1_000_000);
}

/// The mock's 3 s initial rebalance delay is off: a consumer group's first join and
/// first record take well under that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_group_joins_the_embedded_cluster_at_once() {
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = topic_name("simulate-group");
    kafka.create_topic(&topic, 2).unwrap();
    let delivered = produce(
        &kafka.bootstrap_servers(),
        &topic,
        generate(&plan(51, 10)).unwrap(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(delivered, 10);
    let bootstrap = kafka.bootstrap_servers();
    let waited = tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("group.id", &topic)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .unwrap();
        consumer.subscribe(&[&topic]).unwrap();
        let started = Instant::now();
        let deadline = started + Duration::from_secs(30);
        let mut first = None;
        while first.is_none() && Instant::now() < deadline {
            if let Some(message) = consumer.poll(Duration::from_millis(50)) {
                message.unwrap();
                first = Some(started.elapsed());
            }
        }
        consumer.unsubscribe();
        drop(consumer);
        first.expect("no record within 30 s")
    })
    .await
    .unwrap();
    println!("first record through a consumer group after {waited:?}");
    assert!(waited < Duration::from_millis(2_500), "{waited:?}");
}

#[test]
fn the_embedded_cluster_refuses_zero_brokers() {
    assert!(matches!(
        EmbeddedKafka::start(0),
        Err(SimulateError::Embedded(_))
    ));
}

#[test]
fn the_handles_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<EmbeddedKafka>();
    send::<simulate::Generator>();
}
