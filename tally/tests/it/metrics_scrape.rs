//! The metrics the alerts read are real: `tally ingest` (on the in-process Kafka),
//! `tally schedule` and `tally serve` run on loopback ports, each `/metrics` scrape
//! passes `promtool check metrics`, and every `tally_*` series an expression of
//! prometheus/alerts.yml reads is in some scrape, so renaming a metric fails here. Every
//! alert links its own entry of docs/runbook.md.
//!
//! Without promtool on PATH the promtool checks are skipped with a note, unless
//! `TALLY_REQUIRE_PROMTOOL=1` (CI) makes that a failure.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use simulate::{EmbeddedKafka, Record, SimulationPlan, generate, produce, seed_database};
use testkit::TestDb;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::Guard;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// How long the processes get to expose every series before the test gives up and
/// names the missing ones: a guard against hanging, not a measurement.
const PATIENCE: Duration = Duration::from_secs(180);

fn read(relative: &str) -> String {
    let path = Path::new(ROOT).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `expr` of every rule, as alerts.yml writes them: a one-line plain value, or a
/// block scalar (`expr: |`) whose lines are indented deeper than its key.
fn exprs(yaml: &str) -> Vec<String> {
    let indent = |line: &str| line.len() - line.trim_start().len();
    let lines: Vec<&str> = yaml.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let key = line.trim_start().trim_start_matches("- ");
        i += 1;
        let Some(value) = key.strip_prefix("expr:") else {
            continue;
        };
        let value = value.trim();
        if value.starts_with('|') || value.starts_with('>') {
            let mut body = String::new();
            while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > indent(line))
            {
                body.push_str(lines[i].trim());
                body.push('\n');
                i += 1;
            }
            out.push(body);
        } else {
            out.push(value.to_owned());
        }
    }
    out
}

/// The `tally_*` names in a PromQL expression, outside quoted label values.
fn tally_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in expr.chars().chain([' ']) {
        if quoted {
            quoted = c != '"';
        } else if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            if word.starts_with("tally_") {
                names.insert(std::mem::take(&mut word));
            }
            word.clear();
            quoted = c == '"';
        }
    }
    names
}

/// The names of the samples in a text exposition.
fn sample_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

/// promtool, if it is on PATH; otherwise None after saying why, or a failure when
/// `TALLY_REQUIRE_PROMTOOL=1`.
fn promtool() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("promtool"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let reason = "promtool is not on PATH (Debian: apt-get install prometheus)";
        assert!(
            std::env::var("TALLY_REQUIRE_PROMTOOL").as_deref() != Ok("1"),
            "{reason}, and TALLY_REQUIRE_PROMTOOL=1 requires it"
        );
        eprintln!("skipping the promtool checks: {reason}");
    }
    found
}

/// Runs `promtool ARGS`, with `stdin` as its standard input, and fails the test with its
/// output unless it succeeds.
fn run_promtool(promtool: &Path, args: &[&str], stdin: &str, what: &str) {
    let mut child = Command::new(promtool)
        .args(args)
        .current_dir(Path::new(ROOT).join("prometheus"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool {} failed on {what} ({}):\n{}{}\n--- input:\n{stdin}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The status line and body of `GET path`, as a scraper without preferences (curl,
/// promtool) gets it; None while nothing listens.
async fn get(addr: SocketAddr, path: &str) -> Option<(String, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_owned(), body.to_owned()))
}

/// A process under test and where its metrics are.
struct Scraped {
    name: &'static str,
    metrics: SocketAddr,
    _guard: Guard,
}

fn spawn(name: &'static str, command: &mut Command) -> Guard {
    let child = command
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("tally {name} starts: {e}"));
    Guard::terminate_on_drop(child, Duration::from_secs(10))
}

#[test]
fn every_alert_has_a_runbook_entry_and_an_expression() {
    let alerts = read("prometheus/alerts.yml");
    let runbook = read("docs/runbook.md");
    let mut names = Vec::new();
    let mut urls = Vec::new();
    for line in alerts.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("- alert:") {
            names.push(name.trim().to_owned());
        } else if let Some(url) = line.strip_prefix("runbook_url:") {
            urls.push(url.trim().to_owned());
        }
    }
    assert!(!names.is_empty(), "no alerts found in alerts.yml");
    assert_eq!(names.len(), urls.len(), "an alert without runbook_url");
    assert_eq!(names.len(), exprs(&alerts).len(), "an alert without expr");
    for (name, url) in names.iter().zip(&urls) {
        assert_eq!(
            url,
            &format!("docs/runbook.md#{}", name.to_lowercase()),
            "{name}'s runbook_url"
        );
        assert!(
            runbook.lines().any(|l| l == format!("## {name}")),
            "docs/runbook.md has no `## {name}` entry"
        );
    }
}

#[test]
fn names_are_read_from_block_and_plain_expressions_outside_quotes() {
    let yaml = "rules:\n  - alert: A\n    expr: |\n      sum(tally_a_total{x=\"tally_no\"})\n\n      and tally_b\n    for: 5m\n  - alert: B\n    expr: max(tally_c) > 0\n";
    let exprs = exprs(yaml);
    assert_eq!(exprs.len(), 2, "{exprs:?}");
    let names: BTreeSet<String> = exprs.iter().flat_map(|e| tally_names(e)).collect();
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["tally_a_total", "tally_b", "tally_c"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_process_serves_metrics_promtool_accepts_with_every_series_the_alerts_read() {
    let promtool = promtool();
    let alerts = read("prometheus/alerts.yml");
    if let Some(promtool) = &promtool {
        run_promtool(
            promtool,
            &["check", "config", "prometheus.yml"],
            "",
            "prometheus.yml",
        );
        run_promtool(
            promtool,
            &["check", "rules", "alerts.yml"],
            "",
            "alerts.yml",
        );
        run_promtool(
            promtool,
            &["test", "rules", "alerts.test.yml"],
            "",
            "alerts.test.yml",
        );
    }
    let wanted: BTreeSet<String> = exprs(&alerts).iter().flat_map(|e| tally_names(e)).collect();
    assert!(
        wanted.len() >= 10,
        "alerts.yml reads too few tally metrics: {wanted:?}"
    );

    let db = TestDb::migrated().await;
    let url = db.connection_string();
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("metrics-{}", uuid::Uuid::new_v4().simple());
    kafka.create_topic(&topic, 2).unwrap();
    // Malformed records too: the dead-letter series appear with the first one.
    let mut plan = SimulationPlan::new((Utc::now() - TimeDelta::days(1)).date_naive(), 2, 600);
    plan.malformed_rate = 0.05;
    seed_database(&db.connect().await, &plan).await.unwrap();
    let records: Vec<Record> = generate(&plan).unwrap().collect();
    produce(
        &kafka.bootstrap_servers(),
        &topic,
        records.into_iter(),
        |_| {},
    )
    .await
    .unwrap();

    let ingest_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let ingest = Scraped {
        name: "ingest",
        metrics: ingest_addr,
        _guard: spawn(
            "ingest",
            Command::new(TALLY)
                .args(["ingest", "--brokers", &kafka.bootstrap_servers()])
                .args(["--topic", &topic, "--group", "metrics"])
                .args(["--batch-age", "50ms"])
                .args(["--metrics-addr", &ingest_addr.to_string()])
                .env("DATABASE_URL", &url)
                .env("TALLY_LOG", "warn")
                .stdout(Stdio::null()),
        ),
    };

    let archive =
        std::env::temp_dir().join(format!("tally-metrics-archive-{}", std::process::id()));
    let schedule_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let schedule = Scraped {
        name: "schedule",
        metrics: schedule_addr,
        _guard: spawn(
            "schedule",
            Command::new(TALLY)
                .args(["schedule", "--metrics-addr", &schedule_addr.to_string()])
                .env("DATABASE_URL", &url)
                .env("TALLY_ARCHIVE_URL", &archive)
                .env("TALLY_LOG", "warn")
                .stdout(Stdio::null()),
        ),
    };

    let mut serve_guard = spawn(
        "serve",
        Command::new(TALLY)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("DATABASE_URL", &url)
            .env("TALLY_LOG", "warn")
            .stdout(Stdio::piped()),
    );
    // Kept open until serve has stopped: it prints a last line then.
    let mut serve_out = BufReader::new(serve_guard.child.stdout.take().unwrap()).lines();
    let first = serve_out.next().unwrap().unwrap();
    let serve_addr: SocketAddr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{first}"))
        .parse()
        .unwrap();
    let serve = Scraped {
        name: "serve",
        metrics: serve_addr,
        _guard: serve_guard,
    };
    // The request series appear with the first request answered.
    let health = get(serve_addr, "/healthz").await;
    assert!(
        health
            .as_ref()
            .is_some_and(|(status, _)| status.ends_with("200 OK")),
        "{health:?}"
    );

    // Scrape until every series the alerts read is there: lag comes with librdkafka's
    // statistics, job gauges once the scheduler's catch-up has run.
    let processes = [&ingest, &schedule, &serve];
    let started = Instant::now();
    let scrapes = loop {
        let mut scrapes = Vec::new();
        for p in processes {
            if let Some((status, body)) = get(p.metrics, "/metrics").await {
                assert!(status.ends_with("200 OK"), "{}: {status}", p.name);
                scrapes.push((p.name, body));
            }
        }
        let exposed: BTreeSet<String> = scrapes.iter().flat_map(|(_, b)| sample_names(b)).collect();
        let missing: Vec<&String> = wanted.difference(&exposed).collect();
        if scrapes.len() == processes.len() && missing.is_empty() {
            break scrapes;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "after {PATIENCE:?}, series read by prometheus/alerts.yml are missing from every scrape: {missing:?}\n{}",
            scrapes
                .iter()
                .map(|(name, body)| format!("--- {name}:\n{body}"))
                .collect::<String>()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    for p in processes {
        let (status, body) = get(p.metrics, "/healthz").await.unwrap();
        assert!(
            status.ends_with("200 OK"),
            "{} /healthz: {status} {body}",
            p.name
        );
    }
    let Some(promtool) = promtool else {
        return;
    };
    for (name, body) in &scrapes {
        run_promtool(
            &promtool,
            &["check", "metrics"],
            body,
            &format!("the /metrics of tally {name}"),
        );
    }
    drop((ingest, schedule, serve));
    let _ = std::fs::remove_dir_all(&archive);
}
