//! End-to-end aggregation benchmark against its baselines, all in one run on one
//! throwaway cluster:
//!
//! - (a) one UTC day of events stored as a live stream stores them (time order, campaigns
//!   interleaved), with the live counters and invalidations ingest keeps beside them:
//!   `aggregator::aggregate` of that day (not final yet, every campaign invalidated)
//!   against a raw `INSERT INTO scratch SELECT ... count(*), count(DISTINCT contact_id)
//!   ... GROUP BY` of the same day in the same database; one warm-up of the raw query,
//!   then the two alternate and the best of `TALLY_BENCH_REPEATS` is kept;
//! - (b) a few new events in a few campaigns re-aggregated, against `restate` of the
//!   whole day: (b2) while the day is open (the campaigns are recounted from events),
//!   (b1) once the day is final (late events, counted from the live counters);
//! - (c) dashboard queries in a second database holding 100 campaigns x 7 types x 365
//!   days of aggregates, live counters and late counts, run as Grafana runs them (as
//!   `tally_app`, one organization, literal SQL): p50, p95 and max.
//!
//! Run: `cargo bench -p benches --bench aggregate`
//! Knobs: `TALLY_BENCH_DAY_EVENTS` (default 5,000,000), `TALLY_BENCH_CAMPAIGNS` (200),
//! `TALLY_BENCH_ORGANIZATIONS` (4), `TALLY_BENCH_SHARDS` (8), `TALLY_BENCH_LATE_EVENTS`
//! (1,000), `TALLY_BENCH_LATE_CAMPAIGNS` (10), `TALLY_BENCH_REPEATS` (3),
//! `TALLY_BENCH_DASHBOARD_CAMPAIGNS` (100), `TALLY_BENCH_DASHBOARD_DAYS` (365),
//! `TALLY_BENCH_QUERIES` (300); `TALLY_BENCH_EXPLAIN=1` prints the plans (EXPLAIN
//! ANALYZE through auto_explain, an extra untimed run) of (a) and (b2) even when their
//! targets are met. Setup is never timed. Absolute times drift on shared machines, the
//! ratios much less.

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use aggregator::{Finality, aggregate, restate};
use benches::{knob, migrated_database as database};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use futures::StreamExt;
use localpg::{Cluster, ClusterOptions};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client, NoTls, SimpleQueryMessage};

/// Stores `$2` events spread evenly over a day from `$1`, campaigns interleaved as a live
/// stream interleaves them, and keeps the live counters and invalidations of their
/// shards the way an ingest batch does. Campaign indexes `$3 .. $3 + $4` (campaign id =
/// index + 1) of `$5` organizations, each campaign reaching an audience of `$6` contacts
/// (overlapping its neighbours'); ids time-ordered like UUIDv7. `$7`: milliseconds
/// between events; `$8`: received_at (NULL: a few seconds after occurred_at); `$9`: a
/// seed for the ids; `$10`: shards. In one statement rather than through
/// `schema::live_counts`: millions of events are set up in SQL, without a round trip
/// through the benchmark's process.
const STORE_EVENTS: &str = "
WITH stored AS (
    INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                        occurred_at, ip_address, event_data, received_at)
    SELECT (lpad(to_hex((extract(epoch FROM s.at) * 1000)::bigint), 12, '0') || '7'
            || substr(md5($9::text || s.g), 1, 19))::uuid,
           1 + s.c % $5, 1 + s.c,
           (1 + s.c % $5) * 10000000 + s.c * $6 / 2 + s.h % $6,
           (CASE WHEN s.k < 42 THEN 'SENT' WHEN s.k < 72 THEN 'OPEN' WHEN s.k < 84 THEN 'CLICK'
                 WHEN s.k < 87 THEN 'BOUNCE' WHEN s.k < 89 THEN 'UNSUBSCRIBE'
                 WHEN s.k < 97 THEN 'FORM_VIEW' ELSE 'FORM_SUBMIT' END)::event_type,
           s.at,
           '10.0.0.0'::inet + s.h % 16777216,
           (CASE WHEN s.k < 42 THEN '{}'
                 WHEN s.k < 72 THEN '{\"user_agent\": \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"}'
                 WHEN s.k < 84 THEN '{\"url\": \"https://example.com/offer?utm_campaign=autumn\", \"user_agent\": \"Mozilla/5.0 (iPhone)\"}'
                 WHEN s.k < 97 THEN '{\"form_id\": 17}'
                 ELSE '{\"form_id\": 17, \"fields\": 4}' END)::jsonb,
           coalesce($8, s.at + (1 + s.h % 5) * interval '1 second')
    FROM (
        SELECT g,
               $3 + (hashint8extended(g, 1) & 9223372036854775807) % $4 AS c,
               (hashint8extended(g, 2) & 9223372036854775807) % 100 AS k,
               hashint8extended(g, 3) & 9223372036854775807 AS h,
               $1::timestamptz + (g * $7::float8) * interval '1 millisecond' AS at
        FROM generate_series(0::bigint, $2::bigint - 1) g
    ) s
    RETURNING organization_id, campaign_id, event_type,
              (occurred_at AT TIME ZONE 'UTC')::date AS day,
              get_byte(uuid_send(event_id), 15) % $10::int AS shard
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

/// The baseline of (a): the same figures, straight from the day's events.
const RAW_COUNT: &str = "
INSERT INTO bench_raw_counts (organization_id, campaign_id, event_type, day, event_count, unique_contacts)
SELECT organization_id, campaign_id, event_type, $3::date, count(*), count(DISTINCT contact_id)
FROM events
WHERE occurred_at >= $1 AND occurred_at < $2
GROUP BY 1, 2, 3";

/// Rows where the aggregator's figures and the raw query's differ.
const DIFFERENCES: &str = "
SELECT count(*) FROM (
    (SELECT organization_id, campaign_id, event_type, event_count, unique_contacts
       FROM event_aggregations WHERE day = $1
     EXCEPT
     SELECT organization_id, campaign_id, event_type, event_count, unique_contacts
       FROM bench_raw_counts)
    UNION ALL
    (SELECT organization_id, campaign_id, event_type, event_count, unique_contacts
       FROM bench_raw_counts
     EXCEPT
     SELECT organization_id, campaign_id, event_type, event_count, unique_contacts
       FROM event_aggregations WHERE day = $1)
) d";

/// Invalidates every campaign of day `$1` again, one entry per shard as ingest writes them.
const INVALIDATE_ALL: &str = "
INSERT INTO event_invalidations (organization_id, campaign_id, day, shard)
SELECT DISTINCT organization_id, campaign_id, day, shard FROM event_counters WHERE day = $1
ON CONFLICT DO NOTHING";

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// `hours` after the start of the `n`th day after `day`.
fn after(day: NaiveDate, n: u64, hours: i64) -> DateTime<Utc> {
    start_of(day.checked_add_days(Days::new(n)).unwrap()) + TimeDelta::hours(hours)
}

struct Batch {
    from: DateTime<Utc>,
    events: i64,
    first_campaign: i64,
    campaigns: i64,
    received_at: Option<DateTime<Utc>>,
    seed: String,
}

struct Shape {
    organizations: i64,
    audience: i64,
    shards: i32,
}

async fn store(client: &Client, shape: &Shape, b: &Batch) {
    let spacing = 86_400_000.0 / b.events as f64;
    client
        .execute(
            STORE_EVENTS,
            &[
                &b.from,
                &b.events,
                &b.first_campaign,
                &b.campaigns,
                &shape.organizations,
                &shape.audience,
                &spacing,
                &b.received_at,
                &b.seed,
                &shape.shards,
            ],
        )
        .await
        .unwrap();
}

async fn scalar(client: &Client, sql: &str, day: NaiveDate) -> i64 {
    client.query_one(sql, &[&day]).await.unwrap().get(0)
}

fn best(runs: &[Duration]) -> Duration {
    runs.iter().copied().min().unwrap()
}

fn show(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    }
}

/// A connection whose statements come back with their plans: auto_explain reports each
/// one's `EXPLAIN (ANALYZE, BUFFERS)` as a warning (the aggregator silences notices in its
/// transactions), which this side collects.
struct Explaining {
    client: Client,
    reports: mpsc::UnboundedReceiver<String>,
}

impl Explaining {
    async fn connect(cluster: &Cluster, db: &str) -> Explaining {
        let (client, mut conn) = tokio_postgres::connect(&cluster.connection_string(db), NoTls)
            .await
            .unwrap();
        let (sender, reports) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures::stream::poll_fn(move |cx| conn.poll_message(cx));
            while let Some(Ok(m)) = messages.next().await {
                if let AsyncMessage::Notice(n) = m {
                    let _ = sender.send(n.message().to_owned());
                }
            }
        });
        client
            .batch_execute(
                "LOAD 'auto_explain';
                 SET auto_explain.log_min_duration = 0;
                 SET auto_explain.log_analyze = on;
                 SET auto_explain.log_buffers = on;
                 SET auto_explain.log_format = json;
                 SET auto_explain.log_level = warning",
            )
            .await
            .unwrap();
        Explaining { client, reports }
    }

    /// The plan of the slowest statement run since the last call, one line per node.
    fn slowest(&mut self) -> Vec<String> {
        let mut plans: Vec<(f64, Vec<String>)> = Vec::new();
        while let Ok(m) = self.reports.try_recv() {
            let Some((head, json)) = m.split_once('{').map(|(h, j)| (h, format!("{{{j}"))) else {
                continue;
            };
            let ms = head
                .trim_start_matches("duration:")
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            let Ok(v) = serde_json::from_str::<Value>(&json) else {
                continue;
            };
            let text = v["Query Text"].as_str().unwrap_or_default();
            let first = text.lines().map(str::trim).find(|l| !l.is_empty());
            let mut lines = vec![format!("{ms:.0} ms: {}", first.unwrap_or_default())];
            plan_lines(&v["Plan"], 1, &mut lines);
            plans.push((ms, lines));
        }
        plans
            .into_iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|p| p.1)
            .unwrap_or_default()
    }
}

fn plan_lines(node: &Value, depth: usize, out: &mut Vec<String>) {
    let text = |k: &str| node[k].as_str().map(str::to_owned);
    let num = |k: &str| node[k].as_f64().unwrap_or(0.0);
    let mut line = format!(
        "{}{}",
        "  ".repeat(depth),
        text("Node Type").unwrap_or_default()
    );
    if let Some(s) = text("Strategy").filter(|s| s != "Plain") {
        line += &format!(" {s}");
    }
    if let Some(i) = text("Index Name") {
        line += &format!(" using {i}");
    }
    if let Some(r) = text("Relation Name") {
        line += &format!(" on {r}");
    }
    line += &format!(
        " (rows {}, loops {}, {:.0} ms, buffers hit {} read {}",
        num("Actual Rows"),
        num("Actual Loops"),
        num("Actual Total Time"),
        num("Shared Hit Blocks"),
        num("Shared Read Blocks")
    );
    if node.get("Exact Heap Blocks").is_some() {
        line += &format!(
            ", heap blocks exact {} lossy {}",
            num("Exact Heap Blocks"),
            num("Lossy Heap Blocks")
        );
    }
    if let Some(m) = text("Sort Method") {
        line += &format!(
            ", {m} {} kB {}",
            num("Sort Space Used"),
            text("Sort Space Type").unwrap_or_default()
        );
    }
    if node.get("Temp Written Blocks").and_then(Value::as_f64) > Some(0.0) {
        line += &format!(", temp written {}", num("Temp Written Blocks"));
    }
    out.push(line + ")");
    for child in node["Plans"].as_array().into_iter().flatten() {
        plan_lines(child, depth + 1, out);
    }
}

/// (a) and (b): one day of events, aggregated and re-aggregated.
struct DayFigures {
    raw: Duration,
    aggregate: Duration,
    restate_open: Duration,
    recount_open: Duration,
    restate_final: Duration,
    late_final: Duration,
    /// Plans of the statements behind a missed target (or all, `TALLY_BENCH_EXPLAIN=1`).
    plans: Vec<(String, Vec<String>)>,
}

async fn day_bench(cluster: &Cluster, day: NaiveDate, shape: &Shape) -> DayFigures {
    let events = knob("TALLY_BENCH_DAY_EVENTS", 5_000_000) as i64;
    let campaigns = knob("TALLY_BENCH_CAMPAIGNS", 200) as i64;
    let late_events = knob("TALLY_BENCH_LATE_EVENTS", 1_000) as i64;
    let late_campaigns = knob("TALLY_BENCH_LATE_CAMPAIGNS", 10) as i64;
    let repeats = knob("TALLY_BENCH_REPEATS", 3).max(1);
    let always_explain = knob("TALLY_BENCH_EXPLAIN", 0) == 1;
    let f = Finality::default();
    let mut plans = Vec::new();

    let mut client = database(cluster, "bench_aggregate").await;
    client
        .execute(
            "SELECT tally_premake_partitions(7, $1)",
            &[&day.checked_sub_days(Days::new(3)).unwrap()],
        )
        .await
        .unwrap();
    client
        .batch_execute(
            "CREATE TABLE bench_raw_counts (LIKE event_aggregations INCLUDING DEFAULTS);
             SET maintenance_work_mem = '256MB'",
        )
        .await
        .unwrap();
    eprintln!("storing {events} events of {day} over {campaigns} campaigns...");
    let t = Instant::now();
    let batch = Batch {
        from: start_of(day),
        events,
        first_campaign: 0,
        campaigns,
        received_at: None,
        seed: "day".into(),
    };
    store(&client, shape, &batch).await;
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
    eprintln!("  stored and analyzed in {}", show(t.elapsed()));

    // (a) The raw query once to warm the cache, then alternating, best of `repeats`.
    let (from, to) = (start_of(day), start_of(day.succ_opt().unwrap()));
    let raw_once = async |client: &Client| {
        client
            .batch_execute("TRUNCATE bench_raw_counts")
            .await
            .unwrap();
        let t = Instant::now();
        client
            .execute(RAW_COUNT, &[&from, &to, &day])
            .await
            .unwrap();
        t.elapsed()
    };
    eprintln!("  warm-up raw query: {}", show(raw_once(&client).await));
    let open = after(day, 1, 2);
    let (mut raw, mut agg) = (Vec::new(), Vec::new());
    for i in 0..repeats {
        raw.push(raw_once(&client).await);
        if i > 0 {
            client.execute(INVALIDATE_ALL, &[&day]).await.unwrap();
        }
        let t = Instant::now();
        let report = aggregate(&mut client, open, f).await.unwrap();
        agg.push(t.elapsed());
        assert_eq!(report.campaign_days, campaigns as u64);
        eprintln!(
            "  (a) raw {}, aggregate {}",
            show(raw[i as usize]),
            show(agg[i as usize])
        );
    }
    assert_eq!(
        scalar(&client, DIFFERENCES, day).await,
        0,
        "the aggregator must give what the raw query gives"
    );
    if always_explain || best(&agg).as_secs_f64() > 1.2 * best(&raw).as_secs_f64() {
        // One more of each, untimed, on a connection that reports plans.
        let mut ex = Explaining::connect(cluster, "bench_aggregate").await;
        raw_once(&ex.client).await;
        plans.push(("(a) raw query".to_owned(), ex.slowest()));
        ex.client.execute(INVALIDATE_ALL, &[&day]).await.unwrap();
        aggregate(&mut ex.client, open, f).await.unwrap();
        let title = "(a) aggregate, its slowest statement".to_owned();
        plans.push((title, ex.slowest()));
    }

    // (b) The full-day recompute, the day still open.
    let mut restate_open = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        restate(&mut client, day, open, f).await.unwrap();
        restate_open.push(t.elapsed());
    }
    eprintln!("  restate (open day): best {}", show(best(&restate_open)));

    // (b2) New events in a few campaigns of the open day: each round stores a fresh batch.
    let mut recount_open = Vec::new();
    let late_batch = |round: u64, first_campaign: i64, received_at: DateTime<Utc>| Batch {
        from: start_of(day),
        events: late_events,
        first_campaign,
        campaigns: late_campaigns,
        received_at: Some(received_at),
        seed: format!("late{round}-{first_campaign}"),
    };
    for round in 0..repeats {
        let received = after(day, 1, 3) + TimeDelta::minutes(round as i64);
        store(&client, shape, &late_batch(round, 0, received)).await;
        let t = Instant::now();
        let report = aggregate(&mut client, after(day, 1, 6), f).await.unwrap();
        recount_open.push(t.elapsed());
        assert_eq!(report.campaign_days, late_campaigns as u64);
    }
    eprintln!("  (b2) open day: best {}", show(best(&recount_open)));
    let counted = "SELECT (SELECT sum(event_count) FROM event_aggregations WHERE day = $1)::bigint
                        - (SELECT sum(event_count) FROM event_counters WHERE day = $1)::bigint";
    assert_eq!(
        scalar(&client, counted, day).await,
        0,
        "every event counted"
    );
    if always_explain
        || best(&restate_open).as_secs_f64() < 20.0 * best(&recount_open).as_secs_f64()
    {
        // One more batch, untimed, aggregated on a connection that reports plans.
        let mut ex = Explaining::connect(cluster, "bench_aggregate").await;
        let received = after(day, 1, 4);
        store(&client, shape, &late_batch(repeats, 0, received)).await;
        aggregate(&mut ex.client, after(day, 1, 6), f)
            .await
            .unwrap();
        let title = "(b2) aggregate, its slowest statement".to_owned();
        plans.push((title, ex.slowest()));
    }

    // The day becomes final; then (b1) late events, counted from the live counters.
    aggregate(&mut client, after(day, 2, 2), f).await.unwrap();
    let open_rows = "SELECT count(*) FROM event_aggregations WHERE day = $1 AND NOT is_final";
    assert_eq!(scalar(&client, open_rows, day).await, 0);
    let mut late_final = Vec::new();
    let first = campaigns / 2;
    for round in 0..repeats {
        let received = after(day, 2, 5) + TimeDelta::minutes(round as i64);
        store(&client, shape, &late_batch(round, first, received)).await;
        let t = Instant::now();
        let report = aggregate(&mut client, after(day, 3, 2), f).await.unwrap();
        late_final.push(t.elapsed());
        assert!(report.late_keys > 0);
    }
    let late = "SELECT coalesce(sum(late_events), 0)::bigint FROM event_late_counts WHERE day = $1";
    assert_eq!(
        scalar(&client, late, day).await,
        late_events * repeats as i64,
        "every late event counted as late"
    );
    eprintln!("  (b1) final day: best {}", show(best(&late_final)));
    let mut restate_final = Vec::new();
    for round in 0..repeats {
        let t = Instant::now();
        restate(&mut client, day, after(day, 3, 3 + round as i64), f)
            .await
            .unwrap();
        restate_final.push(t.elapsed());
    }
    eprintln!("  restate (final day): best {}", show(best(&restate_final)));

    DayFigures {
        raw: best(&raw),
        aggregate: best(&agg),
        restate_open: best(&restate_open),
        recount_open: best(&recount_open),
        restate_final: best(&restate_final),
        late_final: best(&late_final),
        plans,
    }
}

/// 100 campaigns x 7 types x 365 days: figures of a plausible shape, final up to the day
/// before yesterday, live counters for every day (nothing prunes them), late counts on
/// about 1.5% of the final keys.
const DASHBOARD_FILL: &str = "
CREATE UNLOGGED TABLE bench_keys AS
SELECT 1 + c % {orgs} AS organization_id, 1 + c AS campaign_id, t AS event_type, d::date AS day,
       greatest(1, ((CASE t WHEN 'SENT' THEN 12000 WHEN 'OPEN' THEN 5000 WHEN 'CLICK' THEN 1200
                            WHEN 'BOUNCE' THEN 250 WHEN 'UNSUBSCRIBE' THEN 60
                            WHEN 'FORM_VIEW' THEN 800 ELSE 200 END)
                    * (0.2 + (hashtext(c || '/' || t || '/' || d) & 1023) / 640.0))::bigint) AS n,
       hashtext(d || '/' || t || '/' || c) AS h
FROM generate_series(0, {campaigns} - 1) c,
     unnest(enum_range(NULL::event_type)) t,
     generate_series('{first}'::date, '{today}'::date, interval '1 day') d;
INSERT INTO event_aggregations (organization_id, campaign_id, event_type, day, event_count,
                                unique_contacts, is_final, counted_through, computed_at)
SELECT organization_id, campaign_id, event_type, day, n, (n * 0.8)::bigint,
       day <= '{last_final}', CASE WHEN day <= '{last_final}' THEN (day + 2)::timestamp AT TIME ZONE 'UTC' END,
       (day + 1)::timestamp AT TIME ZONE 'UTC' + interval '2 hours'
FROM bench_keys WHERE day < '{today}';
INSERT INTO event_counters (organization_id, campaign_id, event_type, day, shard, event_count, last_counted_at)
SELECT organization_id, campaign_id, event_type, day, s, n / {shards} + (s < n % {shards})::int,
       (day + 1)::timestamp AT TIME ZONE 'UTC'
FROM bench_keys, generate_series(0, {shards} - 1) s;
INSERT INTO event_late_counts (organization_id, campaign_id, event_type, day, late_events, computed_at)
SELECT organization_id, campaign_id, event_type, day, 1 + (h & 15),
       (day + 3)::timestamp AT TIME ZONE 'UTC'
FROM bench_keys WHERE day <= '{last_final}' AND (h & 63) = 0;
DROP TABLE bench_keys";

/// Grafana's per-type time series of one campaign; `{source}` is the view or the table.
const SERIES: &str = "SELECT day::timestamp AT TIME ZONE 'UTC' AS time, event_type::text AS metric, event_count AS value
FROM {source} WHERE campaign_id = {campaign} AND day BETWEEN '{from}' AND '{to}' ORDER BY 1, 2";

const FUNNEL: &str = "SELECT day::timestamp AT TIME ZONE 'UTC' AS time, sent, delivered, opened, clicked, form_submits,
       open_rate, click_rate, click_to_open, unsubscribe_rate
FROM campaign_funnel_daily WHERE campaign_id = {campaign} AND day BETWEEN '{from}' AND '{to}' ORDER BY 1";

/// A few hundred queries of one kind, as `tally_app` in the campaign's organization.
struct Latency {
    name: String,
    p50: Duration,
    p95: Duration,
    max: Duration,
    rows: usize,
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p).div_ceil(100).max(1) - 1]
}

async fn latencies(
    client: &Client,
    name: &str,
    template: &str,
    today: NaiveDate,
    (campaigns, orgs, days): (u64, u64, u64),
) -> Latency {
    let queries = knob("TALLY_BENCH_QUERIES", 300).max(1);
    // xorshift64: the same campaigns and ranges on every run.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut times = Vec::new();
    let mut rows = 0;
    for i in 0..queries + 20 {
        let campaign = 1 + next(campaigns);
        // Half "the last 30 days", half a 30-day window somewhere in the year.
        let back = if i % 2 == 0 {
            0
        } else {
            next(days.saturating_sub(30).max(1))
        };
        let to = today.checked_sub_days(Days::new(back)).unwrap();
        let from = to.checked_sub_days(Days::new(29)).unwrap();
        let org = 1 + (campaign - 1) % orgs;
        client
            .batch_execute(&format!("SET tally.organization_id = '{org}'"))
            .await
            .unwrap();
        let sql = template
            .replace("{campaign}", &campaign.to_string())
            .replace("{from}", &from.to_string())
            .replace("{to}", &to.to_string());
        let t = Instant::now();
        let got = client.simple_query(&sql).await.unwrap();
        let took = t.elapsed();
        let n = got
            .iter()
            .filter(|m| matches!(m, SimpleQueryMessage::Row(_)))
            .count();
        assert!(
            n > 0,
            "{name}: no rows for campaign {campaign}, {from}..{to}"
        );
        // The first 20 warm the cache and the plan cache of the catalog.
        if i >= 20 {
            times.push(took);
            rows += n;
        }
    }
    times.sort();
    Latency {
        name: name.into(),
        p50: percentile(&times, 50),
        p95: percentile(&times, 95),
        max: *times.last().unwrap(),
        rows: rows / times.len(),
    }
}

/// (c): dashboard queries over a year of aggregates.
struct Dashboards {
    /// What the database holds.
    data: String,
    latencies: Vec<Latency>,
}

async fn dashboard_bench(cluster: &Cluster, today: NaiveDate, shape: &Shape) -> Dashboards {
    let campaigns = knob("TALLY_BENCH_DASHBOARD_CAMPAIGNS", 100);
    let days = knob("TALLY_BENCH_DASHBOARD_DAYS", 365).max(30);
    let client = database(cluster, "bench_dashboard").await;
    let first = today.checked_sub_days(Days::new(days)).unwrap();
    let last_final = today.checked_sub_days(Days::new(2)).unwrap();
    eprintln!("filling {campaigns} campaigns x 7 types x {days} days of aggregates...");
    let t = Instant::now();
    let fill = DASHBOARD_FILL
        .replace("{orgs}", &shape.organizations.to_string())
        .replace("{campaigns}", &campaigns.to_string())
        .replace("{shards}", &shape.shards.to_string())
        .replace("{first}", &first.to_string())
        .replace("{today}", &today.to_string())
        .replace("{last_final}", &last_final.to_string());
    client.batch_execute(&fill).await.unwrap();
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
    eprintln!("  filled in {}", show(t.elapsed()));
    let sizes = client
        .query_one(
            "SELECT (SELECT count(*) FROM event_aggregations), (SELECT count(*) FROM event_counters),
                    (SELECT count(*) FROM event_late_counts)",
            &[],
        )
        .await
        .unwrap();
    let data = format!(
        "{} event_aggregations rows ({campaigns} campaigns x 7 types x {days} days, up to {}), \
         {} event_counters rows ({} shards, every day), {} event_late_counts rows",
        sizes.get::<_, i64>(0),
        today.pred_opt().unwrap(),
        sizes.get::<_, i64>(1),
        shape.shards,
        sizes.get::<_, i64>(2)
    );
    let has_views: bool = client
        .query_one(
            "SELECT to_regclass('campaign_daily_stats') IS NOT NULL
                AND to_regclass('campaign_funnel_daily') IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    client.batch_execute("SET ROLE tally_app").await.unwrap();
    let dims = (campaigns, shape.organizations as u64, days);
    let mut out = Vec::new();
    if has_views {
        let view = SERIES.replace("{source}", "campaign_daily_stats");
        out.push(
            latencies(
                &client,
                "campaign_daily_stats, per type",
                &view,
                today,
                dims,
            )
            .await,
        );
    } else {
        eprintln!("  no campaign_daily_stats view (migration 0010): event_aggregations only");
    }
    let table = SERIES.replace("{source}", "event_aggregations");
    out.push(latencies(&client, "event_aggregations, per type", &table, today, dims).await);
    if has_views {
        out.push(latencies(&client, "campaign_funnel_daily", FUNNEL, today, dims).await);
    }
    Dashboards {
        data,
        latencies: out,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let shape = Shape {
        organizations: knob("TALLY_BENCH_ORGANIZATIONS", 4).max(1) as i64,
        audience: 20_000,
        shards: knob("TALLY_BENCH_SHARDS", 8).max(1) as i32,
    };
    let events = knob("TALLY_BENCH_DAY_EVENTS", 5_000_000);
    let campaigns = knob("TALLY_BENCH_CAMPAIGNS", 200);
    let late = knob("TALLY_BENCH_LATE_EVENTS", 1_000);
    let late_campaigns = knob("TALLY_BENCH_LATE_CAMPAIGNS", 10);

    let cluster = tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");
    let d = day_bench(&cluster, day, &shape).await;
    let q = dashboard_bench(
        &cluster,
        day.checked_add_days(Days::new(2)).unwrap(),
        &shape,
    )
    .await;

    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    let row = |label: &str, took: Duration, note: String| {
        let line = format!("  {label:<46} {:>10}  {note}", show(took));
        println!("{}", line.trim_end());
    };
    let missed = |met: bool| if met { "" } else { ", MISSED" };
    println!();
    println!(
        "{events} events on {day}, {campaigns} campaigns in {} organizations, {} shards, best of {}; {} cores; {}",
        shape.organizations,
        shape.shards,
        knob("TALLY_BENCH_REPEATS", 3).max(1),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cluster.binaries().version
    );
    let a = ratio(d.aggregate, d.raw);
    row(
        "(a) raw INSERT ... SELECT ... GROUP BY",
        d.raw,
        String::new(),
    );
    row(
        "    aggregate, every campaign invalidated",
        d.aggregate,
        format!("= {a:.2}x raw (target <= 1.2x{})", missed(a <= 1.2)),
    );
    let b2 = ratio(d.restate_open, d.recount_open);
    row(
        "(b) restate of the day, open",
        d.restate_open,
        String::new(),
    );
    row(
        &format!("    b2: {late} new events, {late_campaigns} campaigns, open"),
        d.recount_open,
        format!(
            "= {b2:.1}x faster than restate (target >= 20x{})",
            missed(b2 >= 20.0)
        ),
    );
    let b1 = ratio(d.restate_final, d.late_final);
    row(
        "    restate of the day, final",
        d.restate_final,
        String::new(),
    );
    row(
        &format!("    b1: {late} late events, {late_campaigns} campaigns, final"),
        d.late_final,
        format!(
            "= {b1:.1}x faster than restate (target >= 20x{}), {:.0}x than (a)",
            missed(b1 >= 20.0),
            ratio(d.aggregate, d.late_final)
        ),
    );
    for (title, lines) in &d.plans {
        println!("    plan of {title} (EXPLAIN ANALYZE, an extra untimed run):");
        for line in lines {
            println!("      {line}");
        }
    }
    println!("(c) {}", q.data);
    println!("    1 campaign, 30 days, literal SQL as tally_app (target p95 <= 20 ms):");
    for l in &q.latencies {
        println!(
            "    {:<34} p50 {:>8}  p95 {:>8}  max {:>8}  ({} rows){}",
            l.name,
            show(l.p50),
            show(l.p95),
            show(l.max),
            l.rows,
            missed(l.p95 <= Duration::from_millis(20))
        );
    }
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
