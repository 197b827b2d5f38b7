//! Anonymization of one day partition: in-place UPDATE against rebuild-and-swap, on
//! identical copies in the same run on one throwaway cluster.
//!
//! One database holds a day partition of `TALLY_BENCH_ANON_ROWS` events (default
//! 1,000,000) with the table's indexes (primary key and the campaign index) and
//! event_data as producers send it: every event has an IP address, sends and bounces
//! carry the recipient's email, opens and clicks the user agent, form submissions the
//! submitted name, email and phone; `TALLY_BENCH_ANON_PII_SHARE` (percent, default 100)
//! of the rows carry personal data at all, the others only keys that are not personal.
//! It is vacuumed and analyzed, as a 90-day-old partition is, and copied with `CREATE
//! DATABASE ... TEMPLATE` once per method and round. On each copy, untimed, a count of
//! the partition warms the cache; then `anonymizer::anonymize_with` runs with the whole-day
//! method forced (`Update` or `Rebuild`), timed from call to return (the job's own
//! count of rows with personal data included). After the UPDATE, the VACUUM that
//! autovacuum would run next is timed as well. The order of the methods alternates by
//! round (`TALLY_BENCH_REPEATS`, default 1); the best time of each is reported, with
//! rows/s, the ratio, and the partition's table and index sizes before and after (what
//! the UPDATE leaves is dead space that VACUUM marks free but does not return, and
//! nothing writes to a day this old again).
//!
//! Run: `cargo bench -p benches --bench anonymize`
//! Setup is never timed. Absolute times drift on shared machines, the ratio much less.

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use anonymizer::{AnonymizeMethod, AnonymizePolicy, anonymize_with};
use benches::{connect, knob, migrated_database};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use localpg::{Cluster, ClusterOptions};
use tokio_postgres::Client;

const DAY: &str = "2026-08-20";
const PARTITION: &str = "events_p20260820";

/// `$2` events spread over day `$1` in time order, ids time-ordered like UUIDv7; `$3`
/// percent of them carry personal data.
const FILL: &str = "
INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                    occurred_at, ip_address, event_data, received_at)
SELECT (lpad(to_hex((extract(epoch FROM s.at) * 1000)::bigint), 12, '0') || '7'
        || substr(md5(s.g::text), 1, 19))::uuid,
       1 + s.c % 4, 1 + s.c, 10000000 + s.h % 200000, s.t, s.at,
       CASE WHEN s.pii THEN '10.0.0.0'::inet + s.h % 16777216 END,
       CASE WHEN NOT s.pii THEN
                CASE s.t WHEN 'CLICK' THEN '{\"url\": \"https://example.com/offer?utm_campaign=autumn\"}'
                         WHEN 'FORM_VIEW' THEN '{\"form_id\": 17}'
                         WHEN 'FORM_SUBMIT' THEN '{\"form_id\": 17, \"fields\": 4}'
                         ELSE '{}' END::jsonb
            WHEN s.t IN ('SENT', 'BOUNCE', 'UNSUBSCRIBE') THEN
                jsonb_build_object('email', 'contact' || s.h % 200000 || '@customer.example',
                                   'template_id', 4, 'message_id', md5(s.g::text))
                || CASE WHEN s.t = 'BOUNCE' THEN '{\"reason\": \"mailbox full\"}'::jsonb ELSE '{}' END
            WHEN s.t IN ('OPEN', 'FORM_VIEW') THEN
                '{\"user_agent\": \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36\", \"form_id\": 17}'
            WHEN s.t = 'CLICK' THEN
                '{\"url\": \"https://example.com/offer?utm_campaign=autumn\", \"user_agent\": \"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)\"}'
            ELSE jsonb_build_object('form_id', 17, 'first_name', 'Ann', 'last_name', 'Lee',
                                    'email', 'contact' || s.h % 200000 || '@customer.example',
                                    'phone', '+33 1 23 45 67 ' || lpad((s.h % 100)::text, 2, '0'),
                                    'company_size', '11-100')
       END,
       s.at + interval '2 seconds'
FROM (
    SELECT g, c, h, at, k < $3::bigint AS pii,
           (CASE WHEN k2 < 42 THEN 'SENT' WHEN k2 < 72 THEN 'OPEN' WHEN k2 < 84 THEN 'CLICK'
                 WHEN k2 < 87 THEN 'BOUNCE' WHEN k2 < 89 THEN 'UNSUBSCRIBE'
                 WHEN k2 < 97 THEN 'FORM_VIEW' ELSE 'FORM_SUBMIT' END)::event_type AS t
    FROM (
        SELECT g,
               (hashint8extended(g, 1) & 9223372036854775807) % 200 AS c,
               hashint8extended(g, 3) & 9223372036854775807 AS h,
               (hashint8extended(g, 4) & 9223372036854775807) % 100 AS k,
               (hashint8extended(g, 2) & 9223372036854775807) % 100 AS k2,
               $1::date::timestamp AT TIME ZONE 'UTC' + (g * 86400000.0 / $2::bigint) * interval '1 millisecond' AS at
        FROM generate_series(0::bigint, $2::bigint - 1) g
    ) r
) s";

/// The partition's table (heap and TOAST) and index sizes in bytes.
const SIZES: &str = "
SELECT pg_table_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c WHERE c.relname = $1";

#[derive(Debug, Clone, Copy)]
struct Sizes {
    table: i64,
    indexes: i64,
}

impl Sizes {
    fn total(self) -> i64 {
        self.table + self.indexes
    }
}

async fn sizes(client: &Client) -> Sizes {
    let row = client.query_one(SIZES, &[&PARTITION]).await.unwrap();
    Sizes {
        table: row.get(0),
        indexes: row.get(1),
    }
}

fn mb(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

fn show(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// One method on one fresh copy of the template.
struct Run {
    took: Duration,
    rows: u64,
    after: Sizes,
    /// The VACUUM after an UPDATE, and the sizes after it.
    vacuum: Option<(Duration, Sizes)>,
}

async fn one_run(cluster: &Cluster, template: &str, method: AnonymizeMethod, round: u64) -> Run {
    let name = format!(
        "bench_anon_{}_{round}",
        format!("{method:?}").to_lowercase()
    );
    let admin = connect(cluster, "postgres").await;
    admin
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .await
        .unwrap();
    let mut client = connect(cluster, &name).await;
    client
        .batch_execute(&format!("SELECT count(*) FROM {PARTITION}; CHECKPOINT"))
        .await
        .unwrap();
    let day = NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap();
    // Three months and a day on, the whole day is past the line.
    let now: DateTime<Utc> = day.and_hms_opt(3, 0, 0).unwrap().and_utc() + TimeDelta::days(91);
    let t = Instant::now();
    let report = anonymize_with(&mut client, now, &AnonymizePolicy::default(), method)
        .await
        .unwrap();
    let took = t.elapsed();
    assert_eq!(report.partitions, 1, "{report:?}");
    let left: i64 = client
        .query_one(
            &format!(
                "SELECT count(*) FROM {PARTITION} WHERE ip_address IS NOT NULL OR event_data ?| $1"
            ),
            &[&AnonymizePolicy::default().pii_keys],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "personal data left after {method:?}");
    let after = sizes(&client).await;
    let vacuum = if method == AnonymizeMethod::Update {
        let t = Instant::now();
        client
            .batch_execute(&format!("VACUUM {PARTITION}"))
            .await
            .unwrap();
        Some((t.elapsed(), sizes(&client).await))
    } else {
        None
    };
    drop(client);
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    eprintln!(
        "  round {round}, {method:?}: {} for {} rows, {} after",
        show(took),
        report.event_rows,
        mb(after.total())
    );
    Run {
        took,
        rows: report.event_rows,
        after,
        vacuum,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows = knob("TALLY_BENCH_ANON_ROWS", 1_000_000) as i64;
    let share = knob("TALLY_BENCH_ANON_PII_SHARE", 100).min(100) as i64;
    let repeats = knob("TALLY_BENCH_REPEATS", 1).max(1);
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");

    let template = "bench_anon_template";
    eprintln!("storing {rows} events of {DAY}, {share}% with personal data...");
    let t = Instant::now();
    {
        let client = migrated_database(&cluster, template).await;
        client
            .execute("SELECT tally_create_day_partition($1::text::date)", &[&DAY])
            .await
            .unwrap();
        let day = NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap();
        client.execute(FILL, &[&day, &rows, &share]).await.unwrap();
        client.batch_execute("VACUUM ANALYZE").await.unwrap();
    }
    let before = sizes(&connect(&cluster, template).await).await;
    eprintln!("  stored and vacuumed in {}", show(t.elapsed()));

    let (mut update, mut rebuild): (Vec<Run>, Vec<Run>) = (Vec::new(), Vec::new());
    for round in 0..repeats {
        let order = if round % 2 == 0 {
            [AnonymizeMethod::Update, AnonymizeMethod::Rebuild]
        } else {
            [AnonymizeMethod::Rebuild, AnonymizeMethod::Update]
        };
        for method in order {
            let run = one_run(&cluster, template, method, round).await;
            match method {
                AnonymizeMethod::Update => update.push(run),
                _ => rebuild.push(run),
            }
        }
    }
    let best = |runs: &[Run]| -> usize { (0..runs.len()).min_by_key(|i| runs[*i].took).unwrap() };
    let (u, r) = (&update[best(&update)], &rebuild[best(&rebuild)]);
    assert_eq!(u.rows, r.rows, "the methods anonymized different rows");
    let per_s = |d: Duration| rows as f64 / d.as_secs_f64();
    let growth = |s: Sizes| 100.0 * (s.total() as f64 / before.total() as f64 - 1.0);

    println!();
    println!(
        "{rows} events on {DAY} ({} with personal data), best of {repeats}; {} cores; {}",
        u.rows,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cluster.binaries().version
    );
    println!(
        "  before                    table {:>10}  indexes {:>10}  total {:>10}",
        mb(before.table),
        mb(before.indexes),
        mb(before.total())
    );
    println!(
        "  UPDATE in place   {:>8}  {:>9.0} rows/s  table {:>10}  indexes {:>10}  total {:>10} ({:+.0}%)",
        show(u.took),
        per_s(u.took),
        mb(u.after.table),
        mb(u.after.indexes),
        mb(u.after.total()),
        growth(u.after)
    );
    if let Some((took, s)) = u.vacuum {
        println!(
            "    then VACUUM     {:>8}                        table {:>10}  indexes {:>10}  total {:>10} ({:+.0}%)",
            show(took),
            mb(s.table),
            mb(s.indexes),
            mb(s.total()),
            growth(s)
        );
    }
    println!(
        "  rebuild and swap  {:>8}  {:>9.0} rows/s  table {:>10}  indexes {:>10}  total {:>10} ({:+.0}%)",
        show(r.took),
        per_s(r.took),
        mb(r.after.table),
        mb(r.after.indexes),
        mb(r.after.total()),
        growth(r.after)
    );
    let vacuum = u.vacuum.map(|v| v.0).unwrap_or_default();
    println!(
        "  rebuild is {:.2}x faster than UPDATE ({:.2}x counting the VACUUM after it); \
         UPDATE leaves {:.0}% more than the rebuild",
        u.took.as_secs_f64() / r.took.as_secs_f64(),
        (u.took + vacuum).as_secs_f64() / r.took.as_secs_f64(),
        100.0 * (u.after.total() as f64 / r.after.total() as f64 - 1.0)
    );
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
