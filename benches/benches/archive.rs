//! Archive benchmark against its baseline, in one run on one throwaway cluster: one UTC
//! day partition of `TALLY_BENCH_ARCHIVE_ROWS` events (default 1,000,000) with
//! realistic event_data, archived by `archiver::archive` (export + upload + read-back
//! verification + manifest + detach + drop) to a local object store (fsynced), against
//! a raw `COPY (SELECT * FROM partition) TO STDOUT (FORMAT csv)` drained by the client.
//! Each round refills the partition from a saved copy (untimed, then `VACUUM (FREEZE,
//! ANALYZE)` so neither side pays for hint bits), runs the raw COPY, then the archive;
//! the best of `TALLY_BENCH_REPEATS` (3) of each is kept, after one warm-up COPY. Also
//! printed: the phases of the best archive (from its progress reports), the Parquet
//! object's size against the partition's heap (`pg_relation_size`) and its total with
//! indexes and TOAST, and one restore of the day.
//!
//! Run: `cargo bench -p benches --bench archive`
//! Knobs: `TALLY_BENCH_ARCHIVE_ROWS` (1,000,000), `TALLY_BENCH_REPEATS` (3).

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use archiver::{ArchivePolicy, Progress, Stage, archive, open_store, restore};
use benches::{knob, migrated_database, process_ticks};
use chrono::{DateTime, NaiveDate, Utc};
use futures::{StreamExt, pin_mut};
use localpg::{Cluster, ClusterOptions};
use tokio_postgres::Client;

/// `$2` events of day `$1` in time order, campaigns interleaved as a live stream
/// interleaves them, UUIDv7-like ids, mostly IPv4 addresses (some IPv6, some unknown),
/// and event_data shaped per event type as producers send it.
const FILL: &str = "
INSERT INTO bench_source (event_id, organization_id, campaign_id, contact_id, event_type,
                          occurred_at, ip_address, event_data, received_at)
SELECT (lpad(to_hex((extract(epoch FROM s.at) * 1000)::bigint), 12, '0') || '7'
        || substr(md5('archive' || s.g), 1, 19))::uuid,
       1 + s.c % 4, 1 + s.c, (1 + s.c % 4) * 10000000 + s.h % 50000,
       (CASE WHEN s.k < 42 THEN 'SENT' WHEN s.k < 72 THEN 'OPEN' WHEN s.k < 84 THEN 'CLICK'
             WHEN s.k < 87 THEN 'BOUNCE' WHEN s.k < 89 THEN 'UNSUBSCRIBE'
             WHEN s.k < 97 THEN 'FORM_VIEW' ELSE 'FORM_SUBMIT' END)::event_type,
       s.at,
       CASE WHEN s.k % 10 = 0 THEN NULL
            WHEN s.k % 10 = 1 THEN ('2001:db8:' || to_hex(s.h % 65536) || '::' || to_hex(s.g % 65536))::inet
            ELSE '10.0.0.0'::inet + s.h % 16777216 END,
       (CASE
          WHEN s.k < 42 THEN jsonb_build_object(
              'message_id', substr(md5(s.g::text), 1, 24) || '@mail.example.com',
              'template_version', 1 + s.c % 5)
          WHEN s.k < 72 THEN jsonb_build_object(
              'user_agent', (ARRAY['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
                                   'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
                                   'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
                                   'Microsoft Outlook 16.0'])[1 + s.h % 4],
              'client', (ARRAY['gmail', 'apple_mail', 'outlook', 'yahoo'])[1 + s.h % 4])
          WHEN s.k < 84 THEN jsonb_build_object(
              'url', 'https://example.com/offer/' || (1 + s.c) || '?utm_source=email&utm_medium=campaign&utm_campaign=c' || (1 + s.c) || '&cid=' || s.h % 50000,
              'user_agent', (ARRAY['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Mozilla/5.0 (iPhone)'])[1 + s.h % 2])
          WHEN s.k < 87 THEN jsonb_build_object(
              'reason', (ARRAY['mailbox full', 'unknown user', 'domain not found'])[1 + s.h % 3],
              'smtp_code', (ARRAY[552, 550, 554])[1 + s.h % 3])
          WHEN s.k < 89 THEN jsonb_build_object('list_id', 1 + s.c % 20, 'via', 'link')
          WHEN s.k < 97 THEN jsonb_build_object(
              'form_id', 1 + s.c % 50, 'referrer', 'https://example.com/landing/' || (1 + s.c))
          ELSE jsonb_build_object(
              'form_id', 1 + s.c % 50,
              'fields', jsonb_build_object('email', 'contact' || s.h % 50000 || '@example.org',
                                           'name', 'Contact ' || s.h % 50000, 'company', 'Company ' || s.h % 997,
                                           'consent', true))
        END),
       s.at + (1 + s.h % 5) * interval '1 second' + (s.h % 1000) * interval '1 millisecond'
FROM (
    SELECT g,
           (hashint8extended(g, 1) & 9223372036854775807) % 200 AS c,
           (hashint8extended(g, 2) & 9223372036854775807) % 100 AS k,
           hashint8extended(g, 3) & 9223372036854775807 AS h,
           $1::timestamptz + (g * 86400000.0 / $2) * interval '1 millisecond' AS at
    FROM generate_series(0::bigint, $2::bigint - 1) g
) s";

const DAY: &str = "2024-06-15";
const TABLE: &str = "events_p20240615";

fn show(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Puts the saved rows back into the day's partition, frozen and analyzed, and forgets
/// any earlier archive of the day.
async fn refill(client: &Client, store_dir: &std::path::Path) {
    let _ = std::fs::remove_dir_all(store_dir);
    client
        .batch_execute(&format!(
            "DELETE FROM archived_partitions;
             SELECT tally_create_day_partition('{DAY}');
             TRUNCATE {TABLE};
             INSERT INTO {TABLE} SELECT * FROM bench_source;"
        ))
        .await
        .unwrap();
    // One statement each: VACUUM refuses to run in the implicit transaction of a batch.
    for sql in [
        format!("VACUUM (FREEZE, ANALYZE) {TABLE}"),
        "CHECKPOINT".into(),
    ] {
        client.batch_execute(&sql).await.unwrap();
    }
}

/// The raw baseline: the whole partition as CSV, drained by the client; its bytes.
async fn raw_csv(client: &Client) -> (Duration, u64) {
    let t = Instant::now();
    let stream = client
        .copy_out(&format!(
            "COPY (SELECT * FROM {TABLE}) TO STDOUT (FORMAT csv)"
        ))
        .await
        .unwrap();
    pin_mut!(stream);
    let mut bytes = 0;
    while let Some(chunk) = stream.next().await {
        bytes += chunk.unwrap().len() as u64;
    }
    (t.elapsed(), bytes)
}

/// The export's own COPY (binary, the archive's columns) drained without decoding: the
/// part of an archive that is PostgreSQL's.
async fn raw_binary(client: &Client) -> Duration {
    let t = Instant::now();
    let stream = client
        .copy_out(&format!(
            "COPY {TABLE} (event_id, organization_id, campaign_id, contact_id, event_type, \
             occurred_at, ip_address, event_data, received_at) TO STDOUT (FORMAT binary)"
        ))
        .await
        .unwrap();
    pin_mut!(stream);
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
    }
    t.elapsed()
}

/// CPU time this process has used (user + system); zero where /proc cannot tell.
fn cpu_time() -> Duration {
    Duration::from_millis(process_ticks("self").map_or(0, |(_, ticks)| ticks * 10))
}

/// One archive of the day; its duration and the moments its stages began.
async fn archive_once(
    client: &mut Client,
    url: &str,
    now: DateTime<Utc>,
) -> (Duration, Vec<(Stage, Duration)>, archiver::ArchiveReport) {
    let store = open_store(url).unwrap();
    let stages = Mutex::new(Vec::<(Stage, Duration)>::new());
    let cpu = cpu_time();
    let t = Instant::now();
    let report = archive(
        client,
        &store,
        now,
        &ArchivePolicy::default(),
        &|p: Progress| {
            let mut s = stages.lock().unwrap();
            if s.last().map(|(stage, _)| *stage) != Some(p.stage) {
                s.push((p.stage, t.elapsed()));
            }
        },
    )
    .await
    .unwrap();
    let took = t.elapsed();
    eprintln!(
        "    archive: {} wall, {} of CPU in this process",
        show(took),
        show(cpu_time() - cpu)
    );
    assert_eq!(report.days_dropped, 1);
    (took, stages.into_inner().unwrap(), report)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows = knob("TALLY_BENCH_ARCHIVE_ROWS", 1_000_000);
    let repeats = knob("TALLY_BENCH_REPEATS", 3).max(1);
    let day = NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap();
    let now = DateTime::parse_from_rfc3339("2026-11-21T04:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let store_dir =
        std::env::temp_dir().join(format!("tally-bench-archive-{}", std::process::id()));
    let url = format!("file://{}", store_dir.display());

    let cluster = tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");
    let mut client = migrated_database(&cluster, "bench_archive").await;
    eprintln!("storing {rows} events of {DAY}...");
    let t = Instant::now();
    client
        .batch_execute("CREATE TABLE bench_source (LIKE events INCLUDING DEFAULTS)")
        .await
        .unwrap();
    let from = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
    client
        .execute(FILL, &[&from, &(rows as i64)])
        .await
        .unwrap();
    refill(&client, &store_dir).await;
    eprintln!("  stored in {}", show(t.elapsed()));
    let sizes = client
        .query_one(
            &format!("SELECT pg_relation_size('{TABLE}'), pg_total_relation_size('{TABLE}')"),
            &[],
        )
        .await
        .unwrap();
    let (heap, total): (i64, i64) = (sizes.get(0), sizes.get(1));
    let (heap, total) = (heap as u64, total as u64);

    let (warm, csv_bytes) = raw_csv(&client).await;
    eprintln!("  warm-up raw COPY: {}", show(warm));
    let (mut raw, mut binary, mut arch) = (Vec::new(), Vec::new(), Vec::new());
    let mut best_stages = Vec::new();
    let mut parquet = 0;
    for i in 0..repeats {
        if i > 0 {
            refill(&client, &store_dir).await;
        }
        let cpu = cpu_time();
        let (took, _) = raw_csv(&client).await;
        raw.push(took);
        let raw_cpu = cpu_time() - cpu;
        let cpu = cpu_time();
        binary.push(raw_binary(&client).await);
        eprintln!(
            "    CPU in this process: {} draining the raw COPY, {} draining the export's binary COPY",
            show(raw_cpu),
            show(cpu_time() - cpu)
        );
        let (took, stages, report) = archive_once(&mut client, &url, now).await;
        assert_eq!(report.rows_dropped, rows);
        parquet = report.bytes_written;
        eprintln!(
            "  round {}: raw COPY csv {}, archive {}",
            i + 1,
            show(raw[i as usize]),
            show(took)
        );
        if arch.iter().all(|a| took < *a) {
            best_stages = stages;
        }
        arch.push(took);
    }
    // One restore, for the record (its figure is not a target).
    let store = open_store(&url).unwrap();
    let t = Instant::now();
    let restored = restore(&mut client, &store, day, day, &|_| {})
        .await
        .unwrap();
    let restore_took = t.elapsed();
    assert_eq!(restored.rows_restored, rows);

    let raw_best = raw.iter().copied().min().unwrap();
    let arch_best = arch.iter().copied().min().unwrap();
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    println!();
    println!(
        "{rows} events on {DAY}, best of {repeats}; {} cores; {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cluster.binaries().version
    );
    println!(
        "  raw COPY (SELECT *) TO STDOUT csv  {:>8}  {:>9.0} rows/s  {:>6.1} MB/s of heap  ({:.1} MB of CSV)",
        show(raw_best),
        rate(raw_best),
        mb(heap) / raw_best.as_secs_f64(),
        mb(csv_bytes)
    );
    let binary_best = binary.iter().copied().min().unwrap();
    println!(
        "  the export's binary COPY, drained    {:>8}  {:>9.0} rows/s  (PostgreSQL's share of an export)",
        show(binary_best),
        rate(binary_best)
    );
    let ratio = raw_best.as_secs_f64() / arch_best.as_secs_f64();
    println!(
        "  archive (export+upload+verify+drop) {:>8}  {:>9.0} rows/s  {:>6.1} MB/s of heap  = {ratio:.2}x raw COPY speed (target >= 1.0x{})",
        show(arch_best),
        rate(arch_best),
        mb(heap) / arch_best.as_secs_f64(),
        if ratio >= 1.0 { "" } else { ", MISSED" }
    );
    let phases: Vec<String> = best_stages
        .iter()
        .enumerate()
        .map(|(i, (stage, start))| {
            let end = best_stages.get(i + 1).map_or(arch_best, |next| next.1);
            format!("{stage:?} {}", show(end - *start))
        })
        .collect();
    println!("    phases of the best archive: {}", phases.join(", "));
    let smaller = heap as f64 / parquet as f64;
    println!(
        "  Parquet object {:.1} MB; heap {:.1} MB = {smaller:.1}x the object (target >= 4x{}); heap + indexes + TOAST {:.1} MB = {:.1}x; CSV {:.1}x",
        mb(parquet),
        mb(heap),
        if smaller >= 4.0 { "" } else { ", MISSED" },
        mb(total),
        total as f64 / parquet as f64,
        csv_bytes as f64 / parquet as f64
    );
    println!(
        "  restore of the day: {} ({:.0} rows/s)",
        show(restore_took),
        rate(restore_took)
    );
    let _ = std::fs::remove_dir_all(&store_dir);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
