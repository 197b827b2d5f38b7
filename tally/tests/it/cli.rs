//! The real `tally` binary: migrate against a fresh database, and the demo's lifecycle.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use nix::sys::signal::Signal;
use testkit::TestDb;

use crate::common;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

fn tally(args: &[&str], database_url: Option<&str>) -> (bool, String, String) {
    let mut cmd = Command::new(TALLY);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("TALLY_LOG", "warn");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().expect("tally runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn migrate_applies_reports_and_rolls_back() {
    let db = TestDb::empty().await;
    let url = db.connection_string();
    let count = schema::MIGRATIONS.len();

    let (ok, out, err) = tally(&["migrate"], Some(&url));
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("applied {count} migration(s)")),
        "{out}"
    );

    let (ok, out, err) = tally(&["migrate", "up"], Some(&url));
    assert!(ok, "{err}");
    assert!(out.contains("up to date"), "{out}");

    let (ok, out, _) = tally(&["migrate", "status"], Some(&url));
    assert!(ok);
    assert_eq!(
        out.lines().filter(|l| l.ends_with("applied")).count(),
        count,
        "{out}"
    );

    // The flag works after the sub-action too, and wins over the environment.
    let (ok, out, err) = tally(
        &["migrate", "down", "--to", "0", "--database-url", &url],
        Some("host=/nonexistent dbname=nowhere"),
    );
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("rolled back {count} migration(s)")),
        "{out}"
    );

    let (ok, out, _) = tally(&["migrate", "status"], Some(&url));
    assert!(ok);
    assert_eq!(
        out.lines().filter(|l| l.ends_with("pending")).count(),
        count,
        "{out}"
    );
}

#[test]
fn migrate_without_a_database_says_how_to_give_one() {
    let (ok, _, err) = tally(&["migrate"], None);
    assert!(!ok);
    assert!(
        err.contains("DATABASE_URL") && err.contains("--database-url"),
        "{err}"
    );
}

#[test]
fn demo_with_a_wrong_bindir_names_it_and_the_fix() {
    let (ok, _, err) = tally(&["demo", "--pg-bindir", "/nonexistent-pg"], None);
    assert!(!ok);
    assert!(
        err.contains("/nonexistent-pg") && err.contains("initdb"),
        "{err}"
    );
}

/// Reads lines from the demo's stdout until `pred` matches one, or times out.
fn read_until(
    lines: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    pred: impl Fn(&str) -> bool,
) -> bool {
    loop {
        match lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                let hit = pred(&line);
                seen.push(line);
                if hit {
                    return true;
                }
            }
            Err(_) => return false,
        }
    }
}

#[test]
fn demo_runs_the_pipeline_and_accounts_for_every_record() {
    // At the default log level, as a person runs it.
    let out = Command::new(TALLY)
        .args(["demo", "--events", "20000"])
        .env_remove("TALLY_LOG")
        .output()
        .expect("tally demo runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figure = |label: &str| -> u64 {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {label:?} line in:\n{text}"))
    };
    let (stored, duplicates, dead) = (
        figure("stored"),
        figure("duplicates dropped"),
        figure("dead letters"),
    );
    assert_eq!(stored + duplicates + dead, 20_000, "{text}");
    assert!(duplicates > 0 && dead > 0, "{text}");
    assert!(text.contains("records/s"), "{text}");
    assert!(
        text.contains("platform: 3 organizations, 12 users") && text.contains("15 campaigns"),
        "the demo seeds the default platform:\n{text}"
    );
    for kind in ["SENT", "OPEN", "CLICK", "FORM_SUBMIT", "out_of_window"] {
        assert!(text.contains(kind), "{kind} missing:\n{text}");
    }
    assert!(text.contains("stopped; removed"), "{text}");
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(
        !logs.contains("NOTICE") && !logs.contains("INFO"),
        "the demo's summary is its output; logs only when asked:\n{logs}"
    );
}

#[test]
fn demo_keep_stays_up_for_psql_and_stops_cleanly_on_ctrl_c() {
    // A kept demo waits for a signal: if the test fails first, SIGTERM lets it remove
    // its cluster.
    let mut demo = common::Guard::terminate_on_drop(
        Command::new(TALLY)
            .args(["demo", "--events", "2000", "--keep", "--premake-days", "3"])
            .env("TALLY_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tally demo starts"),
        Duration::from_secs(30),
    );
    let stdout = demo.child.stdout.take().expect("piped");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let mut seen = Vec::new();
    let ready = read_until(&lines, &mut seen, |l| l.contains("press Ctrl-C"));
    assert!(ready, "the demo never became ready:\n{}", seen.join("\n"));
    let text = seen.join("\n");
    assert!(text.contains("3 day partitions premade"), "{text}");
    for table in ["events", "organizations", "audit_logs", "dead_letters"] {
        assert!(
            seen.iter()
                .any(|l| l.trim_start().starts_with(&format!("{table} "))),
            "table {table} not listed:\n{text}"
        );
    }
    assert!(
        seen.iter()
            .filter(|l| l.trim_start().starts_with("events_p"))
            .count()
            >= 3,
        "{text}"
    );
    let psql = seen
        .iter()
        .find(|l| l.starts_with("connect with:"))
        .expect("a psql command is printed");
    let dir = PathBuf::from(
        psql.split_whitespace()
            .skip_while(|w| *w != "-h")
            .nth(1)
            .expect("psql -h <dir>"),
    );
    assert!(dir.exists(), "{} missing while running", dir.display());

    // The API is served: the three printed requests answer as a person would run them.
    let export = seen
        .iter()
        .find(|l| l.trim_start().starts_with("export KEY="))
        .unwrap_or_else(|| panic!("no key printed:\n{text}"));
    let curls: Vec<&String> = seen
        .iter()
        .filter(|l| l.trim_start().starts_with("curl "))
        .collect();
    assert_eq!(curls.len(), 3, "three curl lines:\n{text}");
    let statuses: Vec<String> = curls
        .iter()
        .map(|curl| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "{}; {} -o /dev/null -w '%{{http_code}}'",
                    export.trim(),
                    curl.trim()
                ))
                .output()
                .expect("sh runs curl");
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    assert_eq!(statuses, ["200", "200", "201"], "{curls:?}");

    // Sent right after the prompt is read: the demo must not lose a signal that arrives
    // before it starts waiting for one.
    demo.signal(Signal::SIGINT);
    let stopped = read_until(&lines, &mut seen, |l| l.starts_with("stopped;"));
    let status = common::exit_within(&mut demo.child, Duration::from_secs(60));
    let status = status.unwrap_or_else(|| {
        panic!(
            "the demo did not exit within 60 s of SIGINT:\n{}",
            seen.join("\n")
        )
    });
    assert!(status.success(), "{status}:\n{}", seen.join("\n"));
    assert!(stopped, "{}", seen.join("\n"));
    assert!(!dir.exists(), "{} left behind", dir.display());
}

#[test]
fn simulate_to_stdout_is_deterministic_ndjson() {
    let run = || {
        let out = Command::new(TALLY)
            .args([
                "simulate",
                "--stdout",
                "--no-seed",
                "--events",
                "500",
                "--seed",
                "9",
            ])
            .env_remove("DATABASE_URL")
            .output()
            .expect("tally simulate runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let first = run();
    assert_eq!(first.lines().count(), 500);
    assert!(
        first.lines().next().unwrap().contains("\"event_type\""),
        "{first}"
    );
    assert_eq!(first, run(), "the same seed gives the same records");
    let (ok, _, err) = tally(&["simulate", "--events", "10"], None);
    assert!(!ok);
    assert!(
        err.contains("--no-seed") && err.contains("DATABASE_URL"),
        "{err}"
    );
}

#[tokio::test]
async fn run_aggregates_now_and_records_the_run_and_its_arguments() {
    let db = TestDb::migrated().await;
    let url = db.connection_string();
    let client = db.connect().await;
    let occurred = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    schema::premake_partitions(&client, occurred.date_naive(), 1)
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at)
             SELECT gen_random_uuid(), 1, 7, g % 5, 'SENT', $1
             FROM generate_series(1, 12) g",
            &[&occurred],
        )
        .await
        .unwrap();
    // Counted and marked through the statements ingest runs.
    let day = occurred.date_naive();
    schema::live_counts::LiveCounts::from_counts([((1, 7, schema::EventType::Sent, day), 12)])
        .write(&client, 0)
        .await
        .unwrap();

    let (ok, out, err) = tally(&["run", "aggregate"], Some(&url));
    assert!(ok, "{err}");
    assert!(out.contains("aggregate succeeded: 1 rows"), "{out}");
    let row = client
        .query_one(
            "SELECT event_count, unique_contacts FROM event_aggregations WHERE campaign_id = 7",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (12, 5));

    // A restatement of a day the database does not hold is refused, and recorded.
    let (ok, _, err) = tally(&["run", "aggregate", "--restate", "2020-02-29"], Some(&url));
    assert!(!ok);
    assert!(
        err.contains("cannot restate 2020-02-29") && err.contains("restore"),
        "{err}"
    );
    let (ok, _, err) = tally(&["run", "premake", "--restate", "2020-02-29"], Some(&url));
    assert!(!ok);
    assert!(err.contains("aggregate job only"), "{err}");
    let (ok, _, err) = tally(&["run", "aggregate", "--restate", "yesterday"], Some(&url));
    assert!(!ok);
    assert!(err.contains("yesterday"), "{err}");

    let (ok, out, err) = tally(&["run", "premake"], Some(&url));
    assert!(ok, "{err}");
    assert!(out.contains("premake succeeded"), "{out}");

    let runs: Vec<(String, Option<String>, String, serde_json::Value)> = client
        .query(
            "SELECT job, scheduled_for::text, status::text, arguments FROM job_runs ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        runs,
        vec![
            (
                "aggregate".into(),
                None,
                "succeeded".into(),
                serde_json::json!({})
            ),
            (
                "aggregate".into(),
                None,
                "failed".into(),
                serde_json::json!({"restate": "2020-02-29"})
            ),
            (
                "premake".into(),
                None,
                "succeeded".into(),
                serde_json::json!({})
            ),
        ]
    );
}

#[test]
fn schedule_refuses_a_bad_cron_expression_naming_it() {
    let (ok, _, err) = tally(
        &["schedule", "--aggregate-schedule", "0 2 * * *"],
        Some("host=/nonexistent dbname=x"),
    );
    assert!(!ok);
    assert!(
        err.contains("\"0 2 * * *\"") && err.contains("seconds first"),
        "{err}"
    );
}

#[tokio::test]
async fn lifecycle_jobs_run_and_an_archived_day_lists_and_restores() {
    let db = TestDb::migrated().await;
    let url = db.connection_string();
    let client = db.connect().await;
    client
        .batch_execute(
            "SELECT tally_create_day_partition('2023-01-10');
             INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                                 occurred_at, ip_address, event_data)
             SELECT gen_random_uuid(), 1, 7, g, 'OPEN', '2023-01-10 12:00+00', '203.0.113.7',
                    '{\"email\": \"a@example.com\", \"url\": \"https://example.com\"}'
             FROM generate_series(1, 50) g;",
        )
        .await
        .unwrap();
    let store = std::env::temp_dir().join(format!("tally-cli-archive-{}", std::process::id()));
    let store_arg = store.to_str().unwrap();

    let (ok, out, err) = tally(&["run", "anonymize"], Some(&url));
    assert!(ok, "{err}");
    assert!(out.contains("anonymize succeeded: 50 rows"), "{out}");
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE ip_address IS NOT NULL OR event_data ? 'email'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);

    let (ok, out, err) = tally(&["run", "archive", "--archive-url", store_arg], Some(&url));
    assert!(ok, "{err}");
    assert!(out.contains("archive succeeded: 50 rows"), "{out}");
    let gone: bool = client
        .query_one("SELECT to_regclass('events_p20230110') IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(gone, "the archived partition is dropped");
    assert!(
        store
            .join("events/year=2023/month=01/day=10/events_p20230110.parquet")
            .is_file()
    );

    let (ok, out, err) = tally(&["archive", "list"], Some(&url));
    assert!(ok, "{err}");
    assert!(
        out.contains("2023-01-10") && out.contains("1 day(s), 50 rows"),
        "{out}"
    );

    let (ok, out, err) = tally(
        &["restore", "--day", "2023-01-10", "--archive-url", store_arg],
        Some(&url),
    );
    assert!(ok, "{err}");
    assert!(out.contains("restored 1 day(s), 50 rows"), "{out}");
    let back: i64 = client
        .query_one("SELECT count(*) FROM events_p20230110", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(back, 50);

    let (ok, _, err) = tally(&["restore", "--from", "2023-01-10"], Some(&url));
    assert!(!ok);
    assert!(err.contains("--to"), "{err}");
    let _ = std::fs::remove_dir_all(&store);
}

#[tokio::test]
async fn seed_fills_a_migrated_database_once_and_refuses_an_unmigrated_one() {
    let db = TestDb::migrated().await;
    let url = db.connection_string();
    let (ok, out, err) = tally(
        &[
            "seed",
            "--database-url",
            &url,
            "--organizations",
            "2",
            "--contacts-per-organization",
            "30",
            "--seed",
            "7",
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.starts_with("seeded 2 organizations (seed 7"), "{out}");
    for line in [
        "northwind.example",
        "bluebird-analytics.example",
        "contacts                    60",
        "campaigns                   10  (draft, scheduled, active, completed)",
        "GDPR requests                4",
    ] {
        assert!(out.contains(line), "{line:?} missing:\n{out}");
    }
    let client = db.connect().await;
    let actors: Vec<String> =
        testkit::column(&client, "SELECT DISTINCT actor FROM audit_logs").await;
    assert_eq!(actors, ["seed"]);

    // Again (DATABASE_URL this time): the organizations exist, nothing changes.
    let (ok, out, err) = tally(&["seed", "--organizations", "2"], Some(&url));
    assert!(ok, "{err}");
    assert!(
        out.starts_with("already seeded: all 2 organizations exist, nothing changed"),
        "{out}"
    );
    let contacts: Vec<i64> = testkit::column(&client, "SELECT count(*) FROM contacts").await;
    assert_eq!(contacts, [60]);

    let (ok, _, err) = tally(&["seed", "--contacts-per-organization", "3"], Some(&url));
    assert!(!ok);
    assert!(err.contains("--contacts-per-organization"), "{err}");

    let empty = TestDb::empty().await;
    let (ok, _, err) = tally(&["seed"], Some(&empty.connection_string()));
    assert!(!ok);
    assert!(err.contains("tally migrate"), "{err}");
}
