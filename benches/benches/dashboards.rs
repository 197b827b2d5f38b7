//! Latency of every SQL query of the provisioned Grafana dashboards (`grafana/dashboards`)
//! at scale, run as Grafana runs them: expanded by the same code as the dashboards test
//! (`tally/tests/it/dashboards/grafana.rs`, included by path), literal SQL over the simple
//! query protocol, as a login role in `tally_dashboards`, organization 1, each
//! dashboard's own default time range ending now. Target: p95 < 50 ms per query.
//!
//! - data: `benches::platform::load`'s tenants and campaigns (organization 1: 1,000
//!   campaigns, organization 2: 100, interleaved; `TALLY_BENCH_CONTACTS` contacts,
//!   leads a tenth of them); `TALLY_BENCH_EVENTS` events (default 10,000,000) spread
//!   evenly over the 1,100 campaigns, each campaign active `TALLY_BENCH_ACTIVE_DAYS`
//!   (14) days, their starts spread evenly over the last `TALLY_BENCH_DAYS` (365) days
//!   up to today (so about 40 campaigns are sending on any day, today included); mostly
//!   on a campaign's first days (42% SENT, 30% OPEN, 12% CLICK, 3% BOUNCE, 2%
//!   UNSUBSCRIBE, 8% FORM_VIEW, 3% FORM_SUBMIT), none in the future. Loaded in SQL, one
//!   `INSERT ... SELECT generate_series` per campaign writing the events, ingest's live
//!   counters (`TALLY_BENCH_SHARDS` shards) and invalidations in one statement (the
//!   aggregation benchmark's loader: no round trip per row); ingest's unique-contact
//!   sketches built from each day's events; then `aggregator::aggregate` at now; 1,000
//!   late events on 10 final days, aggregated again; the counters rewritten in day order
//!   (`CLUSTER`), the order ingest creates them in; a year of `job_runs` of the five
//!   jobs at their schedules (1 run in 128 failed, a restatement every 20 days).
//!   `VACUUM ANALYZE`. Not timed.
//! - measurement: per query, 10 untimed warm-up runs then `TALLY_BENCH_RUNS` (100) timed
//!   ones; a `$campaign` query takes the next campaign of its variable's list (those with
//!   figures in the range) on each run, so no run rereads the previous one's pages.
//! - baseline, in the same run and connection: a `SELECT 1` round trip, the floor any
//!   query pays (client, protocol, a backend's turn on the CPU). The target is absolute,
//!   so the baseline does not scale it: it says how busy the machine was, since on 2
//!   shared cores a noisy neighbour moves every figure. Each query's p50 as the owner
//!   (row-level security does not apply) is printed beside it: the cost of the role's
//!   policies, which should be none.
//!
//! Run: `cargo bench -p benches --bench dashboards`
//! Quick: `TALLY_BENCH_EVENTS=1000000 TALLY_BENCH_RUNS=30 cargo bench -p benches --bench dashboards`
//! Knobs: `TALLY_BENCH_EVENTS` (10,000,000), `TALLY_BENCH_DAYS` (365),
//! `TALLY_BENCH_ACTIVE_DAYS` (14), `TALLY_BENCH_CONTACTS` (100,000),
//! `TALLY_BENCH_SHARDS` (4: about one per ingest writer, 2 replicas of 2 in compose; the
//! views read every shard's row of a key, so their cost grows with it),
//! `TALLY_BENCH_RUNS` (100); `TALLY_BENCH_EXPLAIN=1` prints every query's plan (`EXPLAIN
//! ANALYZE`, an extra untimed run), not only those of the queries that miss the target;
//! `TALLY_BENCH_KEEP=1` keeps the cluster after the run, printing its psql command,
//! until Ctrl-C.

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tally/tests/it/dashboards/grafana.rs"]
mod grafana;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aggregator::{Finality, aggregate};
use benches::{knob, migrated_database, platform};
use chrono::{DateTime, Days, NaiveDate, SubsecRound, TimeDelta, Utc};
use localpg::{Cluster, ClusterOptions};
use schema::EventType;
use sketch::Fragment;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use grafana::{Dashboard, POSTGRES_UID, TimeRange};

const DATABASE: &str = "bench_dashboards";
/// Campaign ids of `benches::platform`: 1 to 1,100, every 11th of organization 2.
const CAMPAIGNS: i64 = 1_100;
/// The login Grafana would use.
const LOGIN: &str = "bench_grafana";

/// `$1` events of campaign `$2` (organization `$3`), from `$4` over `$5` days, most on
/// its first days (the day offset is `$5 * u²`), none at or after `$6`; contacts among
/// `$7` ids. Stores them with ingest's live counters and invalidations, as one
/// statement.
const STORE_CAMPAIGN: &str = "
WITH stored AS (
    INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                        occurred_at, ip_address, event_data, received_at)
    SELECT (lpad(to_hex((extract(epoch FROM s.at) * 1000)::bigint), 12, '0') || '7'
            || substr(md5($2::bigint || '/' || s.g), 1, 19))::uuid,
           $3::bigint, $2::bigint, 1 + ($2::bigint * 7919 + s.h % 20000) % $7::bigint,
           (CASE WHEN s.k < 42 THEN 'SENT' WHEN s.k < 72 THEN 'OPEN' WHEN s.k < 84 THEN 'CLICK'
                 WHEN s.k < 87 THEN 'BOUNCE' WHEN s.k < 89 THEN 'UNSUBSCRIBE'
                 WHEN s.k < 97 THEN 'FORM_VIEW' ELSE 'FORM_SUBMIT' END)::event_type,
           s.at,
           '10.0.0.0'::inet + s.h % 16777216,
           CASE WHEN s.k >= 89 THEN '{\"form_id\": 17}'::jsonb ELSE '{}'::jsonb END,
           s.at + (1 + s.h % 5) * interval '1 second'
    FROM (
        SELECT g,
               (hashint8extended(g, 2 * $2::bigint) & 9223372036854775807) % 100 AS k,
               hashint8extended(g, 2 * $2::bigint + 1) & 9223372036854775807 AS h,
               $4::timestamptz + $5::float8 * power((hashint8extended(g, $2::bigint) & 2147483647) / 2147483648.0, 2)
                                 * interval '1 day' AS at
        FROM generate_series(1, $1::bigint) g
    ) s
    WHERE s.at < $6::timestamptz
    RETURNING organization_id, campaign_id, event_type,
              (occurred_at AT TIME ZONE 'UTC')::date AS day,
              get_byte(uuid_send(event_id), 15) % $8::int AS shard
), counted AS (
    INSERT INTO event_counters AS c (organization_id, campaign_id, event_type, day, shard, event_count)
    SELECT organization_id, campaign_id, event_type, day, shard, count(*)
    FROM stored GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (organization_id, campaign_id, event_type, day, shard)
    DO UPDATE SET event_count = c.event_count + EXCLUDED.event_count, last_counted_at = now()
)
INSERT INTO event_invalidations (organization_id, campaign_id, day, shard)
SELECT DISTINCT organization_id, campaign_id, day, shard FROM stored
ON CONFLICT DO NOTHING";

/// `$1` late OPENs of every campaign with events on final day `$2`, received now, with
/// their counters (the aggregator counts late events from those) and invalidations.
const STORE_LATE: &str = "
WITH targets AS (
    SELECT DISTINCT organization_id, campaign_id FROM event_aggregations WHERE day = $2 LIMIT 10
), stored AS (
    INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                        occurred_at, event_data, received_at)
    SELECT gen_random_uuid(), t.organization_id, t.campaign_id, g, 'OPEN',
           $2::timestamp AT TIME ZONE 'UTC' + g * interval '1 minute', '{}', now()
    FROM targets t, generate_series(1, $1::int) g
    RETURNING organization_id, campaign_id, event_type,
              (occurred_at AT TIME ZONE 'UTC')::date AS day, 0 AS shard
), counted AS (
    INSERT INTO event_counters AS c (organization_id, campaign_id, event_type, day, shard, event_count)
    SELECT organization_id, campaign_id, event_type, day, shard, count(*)
    FROM stored GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (organization_id, campaign_id, event_type, day, shard)
    DO UPDATE SET event_count = c.event_count + EXCLUDED.event_count, last_counted_at = now()
)
INSERT INTO event_invalidations (organization_id, campaign_id, day, shard)
SELECT DISTINCT organization_id, campaign_id, day, shard FROM stored
ON CONFLICT DO NOTHING";

/// A year of runs of the five jobs at their default schedules up to `$1`, each taking
/// about as long as it does, 1 in 128 failed.
const JOB_RUNS: &str = "
INSERT INTO job_runs (job, scheduled_for, started_at, finished_at, status, rows_affected, error, arguments)
SELECT j.job, s, s + interval '1 second',
       s + interval '1 second' + j.seconds * (0.5 + (hashtext(j.job || s) & 1023) / 1024.0) * interval '1 second',
       CASE WHEN (hashtext(s || j.job) & 127) = 0 THEN 'failed' ELSE 'succeeded' END::job_status,
       CASE WHEN (hashtext(s || j.job) & 127) <> 0 THEN (hashtext(j.job || s || 'rows') & 65535) END,
       CASE WHEN (hashtext(s || j.job) & 127) = 0 THEN 'connecting to the database: timed out' END,
       '{}'
FROM (VALUES ('aggregate', interval '1 day', 90), ('premake', interval '1 hour', 1),
             ('anonymize', interval '7 days', 600), ('archive', interval '1 month', 900),
             ('gdpr', interval '1 hour', 2)) j(job, every, seconds),
     generate_series(date_trunc('hour', $1::timestamptz - interval '365 days'), $1::timestamptz, j.every) s";

/// A restatement every 20 days up to `$1`, of the day three days before.
const RESTATEMENTS: &str = "
INSERT INTO job_runs (job, started_at, finished_at, status, rows_affected, arguments)
SELECT 'aggregate', d + interval '10 hours', d + interval '10 hours 2 minutes', 'succeeded', 5000,
       jsonb_build_object('restate', (d - interval '3 days')::date)
FROM generate_series($1::timestamptz - interval '360 days', $1::timestamptz, interval '20 days') d";

/// Ingest shards the live counters are kept under (a key has a row per shard that
/// counted it). About as many as the writers (docs/decisions.md): 4 in the compose
/// deployment, 2 ingest replicas of 2 writers.
fn shards() -> i32 {
    knob("TALLY_BENCH_SHARDS", 4).clamp(1, 1024) as i32
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p).div_ceil(100).max(1) - 1]
}

/// Loads the platform and the events; returns how many events were stored.
async fn load(client: &mut Client, now: DateTime<Utc>) -> i64 {
    let events = knob("TALLY_BENCH_EVENTS", 10_000_000) as i64;
    let days = knob("TALLY_BENCH_DAYS", 365).max(30) as i64;
    let active = knob("TALLY_BENCH_ACTIVE_DAYS", 14).clamp(1, days as u64 - 1) as i64;
    let contacts = knob("TALLY_BENCH_CONTACTS", 100_000).max(10) / 10 * 10;
    let today = now.date_naive();
    let first = today.checked_sub_days(Days::new(days as u64 - 1)).unwrap();

    let t = Instant::now();
    platform::load(client, contacts, contacts / 10).await;
    client
        .query_one(
            "SELECT tally_premake_partitions($1, $2)",
            &[&(days as i32 + 1), &first],
        )
        .await
        .unwrap();
    let contact_ids = (contacts + contacts / 10) as i64;
    let per_campaign = events / CAMPAIGNS;
    eprintln!("loading {events} events over {days} days into {CAMPAIGNS} campaigns...");
    for c in 1..=CAMPAIGNS {
        let org: i64 = if c % 11 == 0 { 2 } else { 1 };
        // Starts spread over the window up to today, so about `active` * 3 campaigns
        // are sending at any time, now included; the events after now are left out.
        let offset = (c - 1) * (days - 1) / (CAMPAIGNS - 1);
        let start = first
            .checked_add_days(Days::new(offset as u64))
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        client
            .execute(
                STORE_CAMPAIGN,
                &[
                    &per_campaign,
                    &c,
                    &org,
                    &start,
                    &(active as f64),
                    &now,
                    &contact_ids,
                    &shards(),
                ],
            )
            .await
            .unwrap();
        if c % 100 == 0 {
            eprintln!("  {c} campaigns, {:.0} s", t.elapsed().as_secs_f64());
        }
    }
    client.batch_execute("ANALYZE events").await.unwrap();

    // Ingest's unique-contact sketches, one fragment per day (ingest writes one per
    // batch and day; the merge is the same).
    eprintln!("sketching unique contacts per day...");
    let mut day = first;
    while day <= today {
        let rows = client
            .query(
                "SELECT organization_id, campaign_id, event_type, contact_id FROM events
                  WHERE occurred_at >= $1 AND occurred_at < $2",
                &[&schema::start_of_day(day), &schema::end_of_day(day)],
            )
            .await
            .unwrap();
        let fragment = Fragment::of(rows.iter().map(|r| {
            (
                r.get::<_, i64>(0),
                r.get::<_, i64>(1),
                r.get::<_, EventType>(2),
                r.get::<_, i64>(3),
            )
        }));
        client
            .execute(
                "INSERT INTO event_sketch_fragments (day, sketches) VALUES ($1, $2)",
                &[&day, &fragment.encode()],
            )
            .await
            .unwrap();
        day = day.succ_opt().unwrap();
    }

    eprintln!("aggregating...");
    aggregate(client, now, Finality::default()).await.unwrap();
    // Late events on 10 final days, counted by the next run.
    for back in (10..=100).step_by(10) {
        let late_day: NaiveDate = today.checked_sub_days(Days::new(back)).unwrap();
        client
            .execute(STORE_LATE, &[&10_i32, &late_day])
            .await
            .unwrap();
    }
    aggregate(client, now + TimeDelta::minutes(1), Finality::default())
        .await
        .unwrap();
    // Ingest creates a day's counter rows on that day, so the table is in day order; the
    // loader wrote it campaign by campaign.
    client
        .batch_execute("CLUSTER event_counters USING event_counters_day_idx")
        .await
        .unwrap();
    client.execute(JOB_RUNS, &[&now]).await.unwrap();
    client.execute(RESTATEMENTS, &[&now]).await.unwrap();
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
    eprintln!("loaded in {:.0} s", t.elapsed().as_secs_f64());
    client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0)
}

/// Rows of `sql`, and how long the round trip took.
async fn timed(client: &Client, sql: &str) -> Result<(usize, Duration), String> {
    let t = Instant::now();
    let messages = client
        .simple_query(sql)
        .await
        .map_err(|e| schema::describe_pg_error(&e))?;
    let took = t.elapsed();
    let rows = messages
        .iter()
        .filter(|m| matches!(m, SimpleQueryMessage::Row(_)))
        .count();
    Ok((rows, took))
}

/// The values a variable query returns (`__value`, or else the first column).
async fn values(client: &Client, sql: &str) -> Vec<String> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{}\n{sql}", schema::describe_pg_error(&e)))
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => {
                let column = row
                    .columns()
                    .iter()
                    .position(|c| c.name() == "__value")
                    .unwrap_or(0);
                row.get(column).map(str::to_owned)
            }
            _ => None,
        })
        .collect()
}

/// A dashboard's default range (`now-30d`, `now-7d`, `now-6h`) ending at `now`.
fn default_range(dashboard: &Dashboard, now: DateTime<Utc>) -> TimeRange {
    let from = dashboard.json["time"]["from"].as_str().unwrap_or("now-30d");
    let span = from.strip_prefix("now-").unwrap_or("30d");
    let (n, unit) = span.split_at(span.len() - 1);
    let n: i64 = n.parse().unwrap_or(30);
    let delta = match unit {
        "h" => TimeDelta::hours(n),
        "m" => TimeDelta::minutes(n),
        _ => TimeDelta::days(n),
    };
    TimeRange {
        from: now - delta,
        to: now,
    }
}

/// One query's figures.
struct Figures {
    place: String,
    /// The query as its first timed run sent it.
    sql: String,
    p50: Duration,
    p95: Duration,
    max: Duration,
    rows: usize,
    owner_p50: Duration,
}

/// Runs `sql(i)` for i in 0..warm+runs on `client`; the timed runs, sorted, and the
/// average rows.
async fn runs(
    client: &Client,
    place: &str,
    warm: usize,
    runs: usize,
    sql: impl Fn(usize) -> String,
) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for i in 0..warm + runs {
        let text = sql(i);
        let (n, took) = timed(client, &text)
            .await
            .unwrap_or_else(|e| panic!("{place}: {e}\n{text}"));
        if i >= warm {
            times.push(took);
            rows += n;
        }
    }
    times.sort();
    (times, rows / runs.max(1))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs_per_query = knob("TALLY_BENCH_RUNS", 100).max(1) as usize;
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");
    let mut owner = migrated_database(&cluster, DATABASE).await;
    let now = Utc::now().trunc_subsecs(3);
    let stored = load(&mut owner, now).await;
    let sizes = owner
        .query_one(
            "SELECT (SELECT count(*) FROM event_aggregations), (SELECT count(*) FROM event_counters),
                    (SELECT count(*) FROM event_late_counts), (SELECT count(*) FROM event_unique_contacts),
                    (SELECT count(*) FROM job_runs), pg_size_pretty(pg_database_size(current_database()))",
            &[],
        )
        .await
        .unwrap();

    owner
        .batch_execute(&format!(
            "CREATE ROLE {LOGIN} LOGIN PASSWORD 'dashboards' IN ROLE tally_dashboards"
        ))
        .await
        .unwrap();
    let mut config: tokio_postgres::Config = cluster.connection_string(DATABASE).parse().unwrap();
    config.user(LOGIN).password("dashboards");
    let (grafana, connection) = config.connect(NoTls).await.unwrap();
    tokio::spawn(connection);

    let (baseline, _) = runs(&grafana, "SELECT 1", 50, runs_per_query * 5, |_| {
        "SELECT 1".to_owned()
    })
    .await;

    let mut figures = Vec::new();
    for dashboard in grafana::load() {
        let range = default_range(&dashboard, now);
        let mut variables =
            BTreeMap::from([("organization".to_owned(), platform::ORG.to_string())]);
        let mut campaigns: Vec<String> = Vec::new();
        let queries: Vec<grafana::Query> = dashboard
            .variables()
            .into_iter()
            .chain(dashboard.targets())
            .filter(|q| q.datasource == POSTGRES_UID)
            .collect();
        for query in queries {
            let base = variables.clone();
            let list = campaigns.clone();
            let expand = |i: usize| {
                let mut vars = base.clone();
                if !list.is_empty() {
                    vars.insert("campaign".to_owned(), list[i % list.len()].clone());
                }
                grafana::expand(&query.text, &range, &vars)
                    .unwrap_or_else(|e| panic!("{}: {e}", query.place))
            };
            let (times, rows) = runs(&grafana, &query.place, 10, runs_per_query, &expand).await;
            let owner_runs = (runs_per_query / 5).max(5);
            let (owner_times, _) = runs(&owner, &query.place, 3, owner_runs, &expand).await;
            figures.push(Figures {
                place: query.place.clone(),
                sql: expand(10),
                p50: percentile(&times, 50),
                p95: percentile(&times, 95),
                max: *times.last().unwrap(),
                rows,
                owner_p50: percentile(&owner_times, 50),
            });
            if let Some(name) = &query.variable {
                let found = values(&grafana, &expand(0)).await;
                assert!(!found.is_empty(), "{}: no values", query.place);
                if name == "campaign" {
                    campaigns = found;
                } else if name != "organization" {
                    variables.insert(name.clone(), found[0].clone());
                }
            }
        }
    }

    println!();
    println!(
        "{stored} events over {} days, {CAMPAIGNS} campaigns (organization {}: 1,000), each active {} days; \
         {} event_aggregations rows, {} event_counters rows ({} shards), {} late keys, \
         {} unique-contact rows, {} job runs; database {}; {}; {} cores",
        knob("TALLY_BENCH_DAYS", 365),
        platform::ORG,
        knob("TALLY_BENCH_ACTIVE_DAYS", 14),
        sizes.get::<_, i64>(0),
        sizes.get::<_, i64>(1),
        shards(),
        sizes.get::<_, i64>(2),
        sizes.get::<_, i64>(3),
        sizes.get::<_, i64>(4),
        sizes.get::<_, String>(5),
        cluster.binaries().version,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
    );
    println!(
        "baseline SELECT 1 round trip: p50 {:.3} ms, p95 {:.3} ms ({} runs)",
        ms(percentile(&baseline, 50)),
        ms(percentile(&baseline, 95)),
        baseline.len()
    );
    println!(
        "{runs_per_query} runs per query as {LOGIN} (tally_dashboards), organization {}; target p95 < 50 ms",
        platform::ORG
    );
    println!(
        "  {:<64} {:>8} {:>8} {:>8} {:>6} {:>10}",
        "query", "p50 ms", "p95 ms", "max ms", "rows", "owner p50"
    );
    let mut missed = 0;
    for f in &figures {
        let over = f.p95 >= Duration::from_millis(50);
        missed += usize::from(over);
        println!(
            "  {:<64} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>10.2}{}",
            f.place,
            ms(f.p50),
            ms(f.p95),
            ms(f.max),
            f.rows,
            ms(f.owner_p50),
            if over { "  MISSED" } else { "" }
        );
    }
    println!("{} queries, {} with p95 >= 50 ms", figures.len(), missed);

    // The plans of the missed queries (of all with TALLY_BENCH_EXPLAIN=1), from one more,
    // untimed run as the role.
    let explain_all = knob("TALLY_BENCH_EXPLAIN", 0) == 1;
    for f in &figures {
        if !(explain_all || f.p95 >= Duration::from_millis(50)) {
            continue;
        }
        println!("plan of {} (EXPLAIN ANALYZE, BUFFERS):", f.place);
        for line in values(&grafana, &format!("EXPLAIN (ANALYZE, BUFFERS) {}", f.sql)).await {
            println!("    {line}");
        }
    }
    if knob("TALLY_BENCH_KEEP", 0) == 1 {
        println!(
            "kept for a look until Ctrl-C: {} (or as {LOGIN}: add -U {LOGIN})",
            cluster.psql_command(DATABASE)
        );
        tokio::signal::ctrl_c().await.unwrap();
    }
    drop(grafana);
    drop(owner);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
