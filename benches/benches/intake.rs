//! The HTTP event intake (`POST /v1/events`) against producing the same records to Kafka
//! directly, in one run, on one in-process Kafka cluster (librdkafka's mock: the real
//! protocol) and one throwaway Postgres:
//!
//! - data: `TALLY_BENCH_EVENTS` records (default 200,000) of organization 1 over 10 of
//!   its campaigns, random (v4) event ids, contacts spread over 100,000, `occurred_at`
//!   within the last hour, the events topic's wire format.
//! - baseline: the records produced straight to the topic by tally's own bulk producer
//!   (`simulate::produce`: librdkafka, idempotent, batched), acknowledged.
//! - measured: the same records sent to the real server (`api::bind` on a loopback
//!   port, `--brokers` at the cluster) as NDJSON requests of `TALLY_BENCH_BATCH` records
//!   (default 1,000) by `TALLY_BENCH_CLIENTS` concurrent HTTP clients (default 8); a
//!   request is answered once the broker acknowledged all its records.
//! - printed: events/s of each and their ratio (target >= 0.7x), request latency p50
//!   and p95, and this process's CPU per event in each phase (the intake's figure holds
//!   the server, its producer and the HTTP clients, which a deployment runs elsewhere;
//!   the baseline's only the producer).
//!
//! Run: `cargo bench -p benches --bench intake`

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use benches::{connect, knob, migrated_database, process_ticks};
use chrono::Utc;
use localpg::{Cluster, ClusterOptions};
use simulate::{EmbeddedKafka, Expect, Record};

const DB: &str = "bench_intake";
const TOPIC: &str = "campaign-events";
const CAMPAIGNS: i64 = 10;
const TARGET: f64 = 0.7;

/// The records, as NDJSON lines and as Kafka records.
fn records(n: u64) -> Vec<(String, Vec<u8>)> {
    let now = Utc::now();
    let kinds = ["SENT", "SENT", "SENT", "OPEN", "OPEN", "CLICK", "BOUNCE"];
    (0..n)
        .map(|i| {
            let contact = 1 + (i * 7919) % 100_000;
            let at = now - chrono::TimeDelta::milliseconds(((i * 37) % 3_600_000) as i64);
            let line = serde_json::json!({
                "event_id": uuid::Uuid::new_v4(),
                "organization_id": 1,
                "campaign_id": 1 + (i as i64 % CAMPAIGNS),
                "contact_id": contact,
                "event_type": kinds[(i % kinds.len() as u64) as usize],
                "occurred_at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "event_data": {"template_version": 3, "variant": "B"}
            })
            .to_string();
            (contact.to_string(), line.into_bytes())
        })
        .collect()
}

fn cpu() -> u64 {
    process_ticks("self").map_or(0, |(_, t)| t)
}

#[tokio::main]
async fn main() {
    let n = knob("TALLY_BENCH_EVENTS", 200_000);
    let batch = knob("TALLY_BENCH_BATCH", 1000).max(1) as usize;
    let clients = knob("TALLY_BENCH_CLIENTS", 8).max(1) as usize;

    let cluster = tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
        .await
        .unwrap()
        .expect("a throwaway cluster from the machine's PostgreSQL binaries");
    let client = migrated_database(&cluster, DB).await;
    client
        .batch_execute(&format!(
            "INSERT INTO organizations (id, name) VALUES (1, 'Bench');
             INSERT INTO campaigns (organization_id, id, name)
             SELECT 1, g, 'Campaign ' || g FROM generate_series(1, {CAMPAIGNS}) g;
             INSERT INTO roles (organization_id, id, name) VALUES (1, 1, 'producer');
             INSERT INTO role_permissions (organization_id, role_id, permission_id)
             SELECT 1, 1, id FROM permissions WHERE key = 'event.write';
             -- The measurement is of the intake, not of its quota.
             INSERT INTO rate_limit_settings (organization_id, action, refill_ms, burst)
             VALUES (1, 'events.key', 1, 1000000), (1, 'events.organization', 1, 1000000);"
        ))
        .await
        .unwrap();
    let mut owner = connect(&cluster, DB).await;
    let key = api::create_key(&mut owner, 1, &api::RoleRef::Id(1), Some("bench"))
        .await
        .unwrap()
        .secret;

    let kafka = EmbeddedKafka::start(1).unwrap();
    kafka.create_topic(TOPIC, 4).unwrap();
    let brokers = kafka.bootstrap_servers();
    let data = records(n);
    println!(
        "{n} records ({} bytes each on average), 4 partitions, in-process Kafka",
        data.iter().map(|(_, p)| p.len()).sum::<usize>() / data.len().max(1)
    );

    // Baseline: straight to Kafka.
    let kafka_records: Vec<Record> = data
        .iter()
        .map(|(key, payload)| Record {
            key: key.clone().into_bytes(),
            payload: payload.clone(),
            // Not consumed here: the expectation is never checked.
            expect: Expect::Duplicate {
                event_id: uuid::Uuid::nil(),
            },
        })
        .collect();
    let (ticks, started) = (cpu(), Instant::now());
    let sent = simulate::produce(&brokers, TOPIC, kafka_records.into_iter(), |_| {})
        .await
        .unwrap();
    let direct = started.elapsed();
    let direct_cpu = cpu() - ticks;
    assert_eq!(sent, n, "the baseline produced every record");

    // The intake.
    let database: tokio_postgres::Config = cluster.connection_string(DB).parse().unwrap();
    let mut config = api::ServeConfig::new("127.0.0.1:0".parse().unwrap(), database);
    config.pool_size = 16;
    config.limits.max_events_per_request = batch.max(1000);
    config.limits.max_body_bytes = 64 * 1024 * 1024;
    config.events = Some(api::EventsConfig::new(&brokers, TOPIC));
    let server = api::bind(config).await.unwrap();
    let url = format!("http://{}/v1/events", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));

    let bodies: Vec<String> = data
        .chunks(batch)
        .map(|chunk| {
            let mut body = String::new();
            for (_, line) in chunk {
                body.push_str(std::str::from_utf8(line).unwrap());
                body.push('\n');
            }
            body
        })
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(
        bodies.into_iter().rev().collect::<Vec<_>>(),
    ));
    let http = reqwest::Client::new();
    let (ticks, started) = (cpu(), Instant::now());
    let mut workers = Vec::new();
    for _ in 0..clients {
        let (queue, http, url, key) = (queue.clone(), http.clone(), url.clone(), key.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut accepted = 0u64;
            loop {
                let Some(body) = queue.lock().unwrap().pop() else {
                    break;
                };
                let sent_at = Instant::now();
                let response = http
                    .post(&url)
                    .bearer_auth(&key)
                    .header("content-type", "application/x-ndjson")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let answer: serde_json::Value = response.json().await.unwrap();
                assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{answer}");
                latencies.push(sent_at.elapsed());
                accepted += answer["accepted"].as_u64().unwrap_or(0);
            }
            (accepted, latencies)
        }));
    }
    let mut accepted = 0;
    let mut latencies: Vec<Duration> = Vec::new();
    for worker in workers {
        let (a, l) = worker.await.unwrap();
        accepted += a;
        latencies.extend(l);
    }
    let intake = started.elapsed();
    let intake_cpu = cpu() - ticks;
    let _ = stop.send(());
    serving.await.unwrap().unwrap();
    assert_eq!(accepted, n, "the intake accepted every record");
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let per_event = |ticks: u64| ticks as f64 * 10_000.0 / n as f64;
    println!();
    println!(
        "direct to Kafka      {:>10.0} events/s   {:>6.2} s   {:>5.2} µs CPU/event",
        rate(direct),
        direct.as_secs_f64(),
        per_event(direct_cpu)
    );
    println!(
        "POST /v1/events      {:>10.0} events/s   {:>6.2} s   {:>5.2} µs CPU/event  ({clients} clients, {batch} records/request; p50 {:.1} ms, p95 {:.1} ms per request)",
        rate(intake),
        intake.as_secs_f64(),
        per_event(intake_cpu),
        at(0.5).as_secs_f64() * 1000.0,
        at(0.95).as_secs_f64() * 1000.0
    );
    let ratio = rate(intake) / rate(direct);
    println!(
        "ratio                {ratio:.2}x the direct producer (target >= {TARGET}x: {})",
        if ratio >= TARGET { "met" } else { "missed" }
    );
    drop(owner);
    drop(client);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
