//! HTTP load on the API (`tally serve`'s server, in this process) at 1,000 connections,
//! against pgbench of the same statements, all in one run on one throwaway cluster:
//!
//! - data: what `benches::platform::load` loads (as the domains benchmark): organization
//!   1 with `TALLY_BENCH_CONTACTS` contacts, 1,000 campaigns and `TALLY_BENCH_LEADS`
//!   leads, organization 2 a tenth of each, interleaved; then a landing page for
//!   organization 1 (`platform::landing_page`): a form (email required, first_name) on
//!   its first active campaign, slug `spring`. Organization 1's landing-page rate limits
//!   (`landing.address`, `landing.organization`) are raised so that no submission is
//!   refused (the check itself still runs), and a role with every permission gets the
//!   key the load uses (`api::create_key`).
//! - server: `api::bind` on 127.0.0.1:0 with a pool of `TALLY_BENCH_POOL` connections
//!   (as the owner, which `Tenant::begin` turns into `tally_app` per request), served
//!   on this process's multi-threaded runtime (one worker per core).
//! - measured: Debian's `wrk` (`-t2 -c TALLY_BENCH_CONNECTIONS --latency`, Lua scripts
//!   written to a temp dir), `TALLY_BENCH_SECONDS` per scenario after 2 s of warm-up:
//!   (a) `GET /v1/contacts?limit=100&after=<random>` (a page of 100 anywhere in the
//!   contacts); (b) `GET /v1/campaigns/<random live campaign of organization 1>`;
//!   (c) `POST /v1/public/organizations/1/forms/spring` with a new address each time
//!   and no key, skipped with a note when `/openapi.json` does not list the route.
//!   p95 is not printed by wrk: the scripts' `done()` prints it (`latency:percentile`).
//!   wrk's timeout is 30 s, the server's request timeout (wrk counts a longer answer as
//!   a timeout, not a latency). After each wrk run the benchmark waits for the server's
//!   in-flight gauge (/metrics) to drop, so nothing left over competes with the next run.
//! - baselines: `pgbench -M prepared -T TALLY_BENCH_SECONDS -j 2` as the owner (no
//!   row-level security) of the statement the route runs for (a) and (b), its text from
//!   the generated queries (`contacts::list` with LIMIT 101, the route's page and one;
//!   `campaigns::get`), random `after`/id by `\set`, at the server's pool size and at
//!   the wrk connection count (the cluster's `max_connections` is raised for it); and
//!   at the pool size, the route's whole transaction as statements (BEGIN, the tenant
//!   settings, the statement, COMMIT; the key is authenticated once and then found in
//!   the server's memory).
//! - users who think: each scenario again with wrk's `delay()`, every connection
//!   waiting 0.5-1.5x `TALLY_BENCH_THINK_MS` after an answer before its next request
//!   (people and back ends using the API), its p95 against the same target.
//!   Percentiles from pgbench's per-transaction logs (`--log`).
//! - printed: per run requests, requests/s (TPS), p50/p90/p95/p99, errors and non-2xx
//!   (loudly: a run with errors is not a measure of the route), CPU per request of this
//!   process (the server), of the Postgres server (every backend, /proc) and of the
//!   load generator; ratios API requests/s / pgbench TPS and API p95 / pgbench p95;
//!   the targets: p95 < 100 ms at 1,000 connections; reads >= 0.5x pgbench's best TPS.
//!
//! Run: `cargo bench -p benches --bench api`
//! Knobs: `TALLY_BENCH_CONTACTS` (default 1,000,000, a multiple of 10),
//! `TALLY_BENCH_LEADS` (200,000), `TALLY_BENCH_CONNECTIONS` (1,000),
//! `TALLY_BENCH_SECONDS` (15), `TALLY_BENCH_POOL` (8: four per core here, which served
//! more than 32), `TALLY_BENCH_THINK_MS` (1,000), `TALLY_BENCH_STATEMENTS` (0;
//! 1 loads pg_stat_statements and prints, per scenario, the statements that took the
//! most time per request). Everything shares the machine's cores: wrk and pgbench take
//! CPU from the server and Postgres, and the output says how much.

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use api::{RoleRef, ServeConfig};
use benches::platform::{self, ORG};
use benches::{children_ticks, cluster_ticks, connect, knob, migrated_database, process_ticks};
use localpg::{Cluster, ClusterOptions};
use schema::domains::{campaigns, contacts, roles};
use schema::{Actor, OrganizationId, Tenant};
use tokio_postgres::{Client, SimpleQueryMessage};

const DB: &str = "bench_api";
const SLUG: &str = "spring";
/// The page the contacts scenario asks for; the route fetches one more row.
const PAGE: i64 = 100;
const TARGET_P95: Duration = Duration::from_millis(100);
const TARGET_READ_RATIO: f64 = 0.5;
const WARM_UP_SECONDS: u64 = 2;
/// USER_HZ: /proc's CPU times are in hundredths of a second.
const TICKS_PER_SECOND: f64 = 100.0;
/// Rate-limit actions of a landing-page submission (api's `RateLimits`), raised for
/// organization 1 so that the load measures submissions rather than refusals.
const LANDING_ACTIONS: [&str; 2] = ["landing.address", "landing.organization"];

/// CPU ticks so far: this process (the server), the Postgres server, waited-for
/// children (wrk, pgbench).
#[derive(Debug, Clone, Copy)]
struct Cpu {
    server: u64,
    postgres: u64,
    generator: u64,
}

impl Cpu {
    fn now(cluster: &Cluster) -> Cpu {
        Cpu {
            server: process_ticks("self").map_or(0, |(_, t)| t),
            postgres: cluster_ticks(cluster).unwrap_or(0),
            generator: children_ticks().unwrap_or(0),
        }
    }

    /// The CPU spent since `before`, in µs per request for `requests`.
    fn per_request(self, before: Cpu, requests: u64) -> [f64; 3] {
        let per = |a: u64, b: u64| {
            a.saturating_sub(b) as f64 / TICKS_PER_SECOND * 1e6 / requests.max(1) as f64
        };
        [
            per(self.server, before.server),
            per(self.postgres, before.postgres),
            per(self.generator, before.generator),
        ]
    }
}

/// One wrk run's figures.
#[derive(Debug, Default)]
struct Http {
    requests: u64,
    rps: f64,
    p50: Duration,
    p90: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
    /// wrk's socket errors: connect, read, write, timeout.
    socket: [u64; 4],
    non_2xx: u64,
    /// Responses by status class, where the script counts them: 2xx, 429, other 4xx,
    /// 5xx, other.
    statuses: Option<[u64; 5]>,
    /// CPU µs per request: server, Postgres, wrk.
    cpu: [f64; 3],
    /// With `TALLY_BENCH_STATEMENTS`: the statements that took the most time.
    top: Vec<String>,
    /// How long the server took to answer the requests still in flight when wrk
    /// stopped (None where /metrics did not tell).
    drained: Option<Duration>,
}

impl Http {
    fn errors(&self) -> u64 {
        self.socket.iter().sum::<u64>() + self.non_2xx
    }
}

/// One pgbench run's figures.
#[derive(Debug)]
struct Bench {
    label: String,
    clients: u64,
    transactions: u64,
    tps: f64,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    failed: u64,
    /// CPU µs per transaction: Postgres, pgbench.
    cpu: [f64; 2],
}

/// A scenario's outcome: its HTTP figures (or why there are none) and its baselines.
struct Scenario {
    name: &'static str,
    http: Result<Http, String>,
    /// The same requests from users who think between them (wrk's `delay()`).
    users: Option<Result<Http, String>>,
    baselines: Vec<Result<Bench, String>>,
    /// The baselines' label of the route's whole transaction (compared apart).
    route_label: Option<String>,
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn us(v: f64) -> Duration {
    Duration::from_secs_f64(v.max(0.0) / 1e6)
}

/// The value of `key=` in a `key=value ...` line.
fn field(line: &str, key: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))?
        .parse()
        .ok()
}

/// The Lua every scenario shares: a thread id per wrk thread (for seeds and unique
/// addresses), the key (if any), and a `done()` that prints what the parser reads,
/// p95 included. With `count`, a `response()` counts statuses by class (it costs wrk a
/// Lua call per response, so the read scenarios leave it out).
fn lua_common(key: Option<&str>, count: bool) -> String {
    let mut lua = String::from(
        r#"local threads = {}
local next_tid = 1
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 1000 + tid * 7919)
end
"#,
    );
    if let Some(key) = key {
        lua.push_str(&format!(
            "wrk.headers[\"Authorization\"] = \"Bearer {key}\"\n"
        ));
    }
    if count {
        lua.push_str(
            r#"c2xx, c429, c4xx, c5xx, cother = 0, 0, 0, 0, 0
function response(status, headers, body)
  if status >= 200 and status < 300 then c2xx = c2xx + 1
  elseif status == 429 then c429 = c429 + 1
  elseif status >= 400 and status < 500 then c4xx = c4xx + 1
  elseif status >= 500 then c5xx = c5xx + 1
  else cother = cother + 1 end
end
"#,
        );
    }
    lua.push_str(
        r#"function done(summary, latency, requests)
  io.write(string.format(
    "tally-bench: requests=%.0f duration_us=%.0f p50_us=%.0f p90_us=%.0f p95_us=%.0f p99_us=%.0f max_us=%.0f connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
"#,
    );
    if count {
        lua.push_str(
            r#"  local c = {0, 0, 0, 0, 0}
  for _, t in ipairs(threads) do
    c[1] = c[1] + (t:get("c2xx") or 0)
    c[2] = c[2] + (t:get("c429") or 0)
    c[3] = c[3] + (t:get("c4xx") or 0)
    c[4] = c[4] + (t:get("c5xx") or 0)
    c[5] = c[5] + (t:get("cother") or 0)
  end
  io.write(string.format("tally-bench-status: s2xx=%.0f s429=%.0f s4xx=%.0f s5xx=%.0f sother=%.0f\n",
    c[1], c[2], c[3], c[4], c[5]))
"#,
        );
    }
    lua.push_str("end\n");
    lua
}

/// `lua` for users who think: each connection waits `think_ms` on average (uniformly
/// half to one and a half of it) after an answer before it sends its next request.
fn thinking(lua: &str, think_ms: u64) -> String {
    format!(
        "{lua}function delay()\n  return math.random({}, {})\nend\n",
        think_ms / 2,
        think_ms * 3 / 2
    )
}

/// Runs wrk with `script` against `base`; the figures, or why there are none.
async fn wrk(
    cluster: &Cluster,
    base: &str,
    script: &Path,
    connections: u64,
    seconds: u64,
) -> Result<Http, String> {
    let before = Cpu::now(cluster);
    let out = tokio::process::Command::new("wrk")
        .args(["-t2", "-c", &connections.to_string()])
        .args([
            "-d",
            &format!("{seconds}s"),
            "--timeout",
            "30s",
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(base)
        .output()
        .await
        .map_err(|e| format!("cannot run wrk ({e}): install it (Debian: apt-get install wrk)"))?;
    let after = Cpu::now(cluster);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("wrk failed ({}): {stdout}{stderr}", out.status));
    }
    let line = stdout
        .lines()
        .find(|l| l.starts_with("tally-bench: "))
        .ok_or_else(|| format!("wrk printed no summary: {stdout}{stderr}"))?;
    let get = |k: &str| field(line, k).ok_or_else(|| format!("no {k} in {line}"));
    let requests = get("requests")? as u64;
    let rps = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| requests as f64 / (get("duration_us").unwrap_or(1e6) / 1e6));
    let non_2xx = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let statuses = stdout
        .lines()
        .find(|l| l.starts_with("tally-bench-status: "))
        .map(|l| {
            ["s2xx", "s429", "s4xx", "s5xx", "sother"].map(|k| field(l, k).unwrap_or(0.0) as u64)
        });
    Ok(Http {
        requests,
        rps,
        p50: us(get("p50_us")?),
        p90: us(get("p90_us")?),
        p95: us(get("p95_us")?),
        p99: us(get("p99_us")?),
        max: us(get("max_us")?),
        socket: [
            get("connect")? as u64,
            get("read")? as u64,
            get("write")? as u64,
            get("timeout")? as u64,
        ],
        non_2xx,
        statuses,
        cpu: after.per_request(before, requests),
        top: Vec::new(),
        drained: None,
    })
}

/// Waits until the server has answered the requests a wrk run left in flight (wrk has
/// closed their connections; the server still works them off) by polling /metrics'
/// in-flight gauge, which counts its own request; how long that took, at most 300 s.
/// None where /metrics does not tell.
async fn drain(http: &reqwest::Client, base: &str) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(300) {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let in_flight: f64 = text.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?;
            if name.ends_with("http_requests_in_flight") {
                words.next()?.parse().ok()
            } else {
                None
            }
        })?;
        if in_flight <= 1.0 {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(start.elapsed())
}

/// A scenario's load: where, with what, for how long.
struct Load<'a> {
    cluster: &'a Cluster,
    base: &'a str,
    connections: u64,
    seconds: u64,
    /// With `TALLY_BENCH_STATEMENTS`: the owner's connection, to read
    /// pg_stat_statements around the measured run.
    statements: Option<&'a Client>,
    /// A client of the server, for /metrics.
    http: &'a reqwest::Client,
}

/// One scenario over HTTP: a probe request (its status and body shown when it fails),
/// a warm-up with `warm`, then the measured run with `script`, each followed by the
/// server's working off what was left in flight, so that nothing measured next competes
/// with it.
async fn http_scenario(
    load: &Load<'_>,
    probe: reqwest::RequestBuilder,
    warm: &Path,
    script: &Path,
) -> Result<Http, String> {
    let response = probe.send().await.map_err(|e| format!("probe: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(format!("the probe request was answered {status}: {body}"));
    }
    let (cluster, base, connections) = (load.cluster, load.base, load.connections);
    if let Err(e) = wrk(cluster, base, warm, connections, WARM_UP_SECONDS).await {
        eprintln!("warm-up: {e}");
    }
    drain(load.http, base).await;
    if let Some(owner) = load.statements {
        owner
            .batch_execute("SELECT pg_stat_statements_reset()")
            .await
            .map_err(|e| e.to_string())?;
    }
    let measured = wrk(cluster, base, script, connections, load.seconds).await;
    let drained = drain(load.http, base).await;
    let mut http = measured?;
    http.drained = drained;
    if let Some(owner) = load.statements {
        http.top = top_statements(owner, http.requests).await;
    }
    Ok(http)
}

/// The statements that took the most time in Postgres since the last reset, per
/// request: time (execution, lock waits included), calls, the text's start.
async fn top_statements(owner: &Client, requests: u64) -> Vec<String> {
    let rows = owner
        .query(
            "SELECT total_exec_time, calls, rows,
                    left(regexp_replace(query, '\\s+', ' ', 'g'), 100)
               FROM pg_stat_statements
              WHERE query NOT LIKE '%pg_stat_statements%'
              ORDER BY total_exec_time DESC LIMIT 12",
            &[],
        )
        .await
        .unwrap();
    let per = requests.max(1) as f64;
    rows.iter()
        .map(|r| {
            let (total, calls, rows): (f64, i64, i64) = (r.get(0), r.get(1), r.get(2));
            format!(
                "{:>8.0} µs/request {:>6.2} calls/request {:>7.1} rows/call  {}",
                total * 1e3 / per,
                calls as f64 / per,
                rows as f64 / (calls.max(1) as f64),
                r.get::<_, String>(3)
            )
        })
        .collect()
}

/// The one statement prepared on this connection but tokio-postgres's own catalog
/// look-ups, as the server keeps its text (a simple query, so that looking does not
/// prepare one more).
async fn statement_text(owner: &Client) -> String {
    let rows = owner
        .simple_query(
            "SELECT statement FROM pg_prepared_statements
              WHERE NOT from_sql AND statement NOT LIKE '%pg_catalog.%'",
        )
        .await
        .unwrap();
    let texts: Vec<String> = rows
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 1, "one prepared statement: {texts:?}");
    texts[0].clone()
}

/// `text` with `$n` replaced by `values[n - 1]`, from the last (so `$1` does not
/// rewrite the start of `$10`).
fn bind_text(text: &str, values: &[&str]) -> String {
    let mut text = text.to_owned();
    for (n, value) in values.iter().enumerate().rev() {
        text = text.replace(&format!("${}", n + 1), value);
    }
    text
}

/// Runs `pgbench -M prepared` of `script` as the owner with `clients`; the figures
/// from its summary and per-transaction logs.
async fn pgbench(
    cluster: &Cluster,
    dir: &Path,
    label: &str,
    script: &str,
    clients: u64,
    seconds: u64,
) -> Result<Bench, String> {
    let slug: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let file = dir.join(format!("{slug}-{clients}.sql"));
    std::fs::write(&file, script).map_err(|e| format!("writing {}: {e}", file.display()))?;
    let logs = dir.join(format!("log-{slug}-{clients}"));
    std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let tool = cluster.binaries().tool("pgbench");
    let before = Cpu::now(cluster);
    let out = tokio::process::Command::new(if tool.is_file() {
        tool
    } else {
        "pgbench".into()
    })
    .args(["-n", "-M", "prepared", "-c", &clients.to_string()])
    .args(["-j", &clients.clamp(1, 2).to_string()])
    .args(["-T", &seconds.to_string(), "--log", "--log-prefix"])
    .arg(logs.join("tx"))
    .arg("-f")
    .arg(&file)
    .arg("-h")
    .arg(cluster.dir())
    .args([
        "-p",
        &cluster.port().to_string(),
        "-U",
        cluster.superuser(),
        DB,
    ])
    .env(
        "PGOPTIONS",
        format!("-c tally.organization_id={ORG} -c plan_cache_mode=force_custom_plan"),
    )
    .output()
    .await
    .map_err(|e| format!("cannot run pgbench: {e}"))?;
    let after = Cpu::now(cluster);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(format!(
            "pgbench with {clients} clients failed ({}): {}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    let tps = stdout
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no tps in pgbench's output: {stdout}"))?;
    // client_id transaction_no time script_no time_epoch time_us: time is the latency
    // in µs, or a word for a failed transaction.
    let mut times = Vec::new();
    let mut failed = 0;
    for entry in std::fs::read_dir(&logs)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).map_err(|e| e.to_string())?;
        for line in text.lines() {
            match line.split_whitespace().nth(2).map(str::parse::<u64>) {
                Some(Ok(t)) => times.push(t),
                _ => failed += 1,
            }
        }
    }
    let _ = std::fs::remove_dir_all(&logs);
    if times.is_empty() {
        return Err(format!("pgbench logged no transaction: {stdout}{stderr}"));
    }
    times.sort_unstable();
    let p = |p: usize| Duration::from_micros(times[(times.len() * p).div_ceil(100).max(1) - 1]);
    let transactions = times.len() as u64;
    let cpu = after.per_request(before, transactions);
    Ok(Bench {
        label: label.to_owned(),
        clients,
        transactions,
        tps,
        p50: p(50),
        p95: p(95),
        p99: p(99),
        failed,
        cpu: [cpu[1], cpu[2]],
    })
}

/// Raises this process's open-files limit (and so its children's) to what
/// `connections` need, up to the hard limit; returns the soft limit in force.
fn raise_open_files(needed: u64) -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return 0;
    };
    if soft >= needed {
        return soft;
    }
    let want = needed.min(hard);
    match setrlimit(Resource::RLIMIT_NOFILE, want, hard) {
        Ok(()) => want,
        Err(e) => {
            eprintln!("cannot raise the open-files limit from {soft} to {want}: {e}");
            soft
        }
    }
}

/// A role of organization 1 with every permission and a key of it; the key's secret
/// and id.
async fn admin_key(client: &mut Client) -> (String, i64) {
    let tx = Tenant::new(OrganizationId(ORG), Actor::Process("bench"))
        .begin(client)
        .await
        .unwrap();
    let role = roles::create()
        .bind(&tx, &"bench admin", &None::<&str>)
        .one()
        .await
        .unwrap()
        .id;
    for permission in api::Permission::ALL {
        roles::grant()
            .bind(&tx, &role, &permission.key())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let key = api::create_key(client, ORG, &RoleRef::Id(role), Some("bench"))
        .await
        .unwrap();
    (key.secret, key.key.id)
}

#[tokio::main]
async fn main() {
    let contacts = knob("TALLY_BENCH_CONTACTS", 1_000_000) / 10 * 10;
    let leads = knob("TALLY_BENCH_LEADS", 200_000) / 10 * 10;
    let connections = knob("TALLY_BENCH_CONNECTIONS", 1000).max(2);
    let seconds = knob("TALLY_BENCH_SECONDS", 15).max(1);
    let pool = knob("TALLY_BENCH_POOL", 8).max(1);
    let statements = knob("TALLY_BENCH_STATEMENTS", 0) > 0;
    let think_ms = knob("TALLY_BENCH_THINK_MS", 1000).max(2);
    let open_files = raise_open_files(connections + pool + 256);

    // Room for pgbench at the wrk connection count beside the server's pool.
    let max_connections = (connections + pool + 20).max(100);
    let mut settings = vec![("max_connections".into(), max_connections.to_string())];
    if statements {
        settings.push((
            "shared_preload_libraries".into(),
            "pg_stat_statements".into(),
        ));
        settings.push(("pg_stat_statements.track".into(), "all".into()));
    }
    let options = ClusterOptions {
        settings,
        ..ClusterOptions::default()
    };
    let cluster = tokio::task::spawn_blocking(move || Cluster::start(&options))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");
    let mut owner = migrated_database(&cluster, DB).await;
    eprintln!(
        "loading {contacts} contacts, 1,000 campaigns, {leads} leads (and a tenth of each in organization 2)..."
    );
    let loaded = platform::load(&owner, contacts, leads).await;
    if statements {
        owner
            .batch_execute("CREATE EXTENSION pg_stat_statements")
            .await
            .unwrap();
    }
    let landing = platform::landing_page(&owner, ORG, SLUG).await;
    for action in LANDING_ACTIONS {
        owner
            .execute(
                "INSERT INTO rate_limit_settings (organization_id, action, refill_ms, burst)
                 VALUES ($1, $2, 1, 2000000000)",
                &[&ORG, &action],
            )
            .await
            .unwrap();
    }
    let (key, key_id) = admin_key(&mut owner).await;
    // Pages start anywhere but in the last 1,000 ids, so each is full.
    let last_after: i64 = owner
        .query_one(
            "SELECT greatest(max(id) - 1000, 0) FROM contacts WHERE organization_id = $1",
            &[&ORG],
        )
        .await
        .unwrap()
        .get(0);
    let campaign_ids: Vec<i64> = owner
        .query(
            "SELECT id FROM campaigns WHERE organization_id = $1 AND deleted_at IS NULL ORDER BY id",
            &[&ORG],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let campaign_max: i64 = owner
        .query_one("SELECT max(id) FROM campaigns", &[])
        .await
        .unwrap()
        .get(0);
    owner
        .batch_execute("VACUUM ANALYZE forms, form_fields, campaigns, api_keys, roles")
        .await
        .unwrap();

    // The statements' texts as the generated code sends them, each prepared on a fresh
    // connection of its own.
    let text_of = async |which: u8| {
        let client = connect(&cluster, DB).await;
        // Kept until read: a statement dropped is closed on the server.
        match which {
            0 => {
                let _kept = contacts::list().prepare(&client).await.unwrap();
                statement_text(&client).await
            }
            _ => {
                let _kept = campaigns::get().prepare(&client).await.unwrap();
                statement_text(&client).await
            }
        }
    };
    let contacts_sql = bind_text(
        &text_of(0).await,
        &[":after", "NULL", "NULL", &(PAGE + 1).to_string()],
    );
    let campaign_sql = bind_text(&text_of(1).await, &[":id"]);
    // pgbench reads `:name` as a variable even inside a literal: the actor's colon is
    // chr(58).
    let tenant_sql = format!(
        "SELECT set_config('role', 'tally_app', true), set_config('tally.organization_id', '{ORG}', true), set_config('tally.actor', 'api_key' || chr(58) || '{key_id}', true), set_config('plan_cache_mode', 'force_custom_plan', true)"
    );
    // Campaign ids skip every 11th (organization 2's): the x-th of organization 1's is
    // x + (x - 1) / 10. The 1% soft-deleted return no row, at the cost of a lookup.
    let org1_campaigns = campaign_max - campaign_max / 11;
    let contacts_set = format!("\\set after random(0, {last_after})\n");
    let campaign_set =
        format!("\\set x random(1, {org1_campaigns})\n\\set id :x + (:x - 1) / 10\n");
    // The key is authenticated once and then found in the server's memory, so the
    // route's transaction is what every request sends.
    let route = |set: &str, sql: &str| format!("{set}BEGIN;\n{tenant_sql};\n{sql};\nCOMMIT;\n");

    // The server.
    let mut config = ServeConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        cluster.connection_string(DB).parse().unwrap(),
    );
    config.pool_size = pool as usize;
    let server = api::bind(config).await.expect("the server binds");
    let addr = server.local_addr();
    let base = format!("http://{addr}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let document: serde_json::Value = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("an OpenAPI document");
    let landing_route = document["paths"].as_object().is_some_and(|paths| {
        paths.iter().any(|(path, item)| {
            path.starts_with("/v1/public/organizations/{")
                && path.contains("}/forms/{")
                && item.get("post").is_some()
        })
    });

    let dir = std::env::temp_dir().join(format!("tally-bench-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, lua: String| -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, lua).unwrap();
        path
    };
    let nonce = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );

    let contacts_text = format!(
        "{}request = function()\n  return wrk.format(\"GET\", \"/v1/contacts?limit={PAGE}&after=\" .. math.random(0, {last_after}))\nend\n",
        lua_common(Some(&key), false)
    );
    let contacts_users_lua = write("contacts-users.lua", thinking(&contacts_text, think_ms));
    let contacts_lua = write("contacts.lua", contacts_text);
    let ids: Vec<String> = campaign_ids.iter().map(i64::to_string).collect();
    let campaign_text = format!(
        "{}local ids = {{{}}}\nrequest = function()\n  return wrk.format(\"GET\", \"/v1/campaigns/\" .. ids[math.random(#ids)])\nend\n",
        lua_common(Some(&key), false),
        ids.join(",")
    );
    let campaign_users_lua = write("campaigns-users.lua", thinking(&campaign_text, think_ms));
    let campaign_lua = write("campaigns.lua", campaign_text);
    let landing_path = format!("/v1/public/organizations/{ORG}/forms/{SLUG}");
    let landing_lua = |run: &str| {
        let lua = format!(
            "{}wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nlocal n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(\"POST\", \"{landing_path}\", nil, string.format('{{\"email\": \"bench-{nonce}-{run}-%d-%d-%d@example.com\", \"first_name\": \"Ada\"}}', tid, n, math.random(1000000)))\nend\n",
            lua_common(None, true)
        );
        let lua = if run.starts_with("users") {
            thinking(&lua, think_ms)
        } else {
            lua
        };
        write(&format!("landing-{run}.lua"), lua)
    };

    let mut scenarios = Vec::new();
    let load = Load {
        cluster: &cluster,
        base: &base,
        connections,
        seconds,
        statements: statements.then_some(&owner),
        http: &http,
    };
    let probe = |path: String| http.get(format!("{base}{path}")).bearer_auth(&key);
    let clients = if connections == pool {
        vec![pool]
    } else {
        vec![pool, connections]
    };

    for (name, script, users_script, probe_path, set, sql) in [
        (
            "(a) GET /v1/contacts?limit=100&after=<random>",
            &contacts_lua,
            &contacts_users_lua,
            format!("/v1/contacts?limit={PAGE}&after={}", last_after / 2),
            &contacts_set,
            &contacts_sql,
        ),
        (
            "(b) GET /v1/campaigns/<random>",
            &campaign_lua,
            &campaign_users_lua,
            format!("/v1/campaigns/{}", campaign_ids[campaign_ids.len() / 2]),
            &campaign_set,
            &campaign_sql,
        ),
    ] {
        eprintln!("{name}: wrk, {connections} connections, {seconds} s...");
        let result = http_scenario(&load, probe(probe_path.clone()), script, script).await;
        eprintln!("{name}: wrk, {connections} users thinking ~{think_ms} ms, {seconds} s...");
        let users = http_scenario(&load, probe(probe_path), users_script, users_script).await;
        let mut baselines = Vec::new();
        for &c in &clients {
            eprintln!("{name}: pgbench, the statement, {c} clients, {seconds} s...");
            baselines.push(
                pgbench(
                    &cluster,
                    &dir,
                    "the statement",
                    &format!("{set}{sql};\n"),
                    c,
                    seconds,
                )
                .await,
            );
        }
        let route_label = "the route's transaction".to_owned();
        eprintln!("{name}: pgbench, {route_label}, {pool} clients, {seconds} s...");
        baselines.push(
            pgbench(
                &cluster,
                &dir,
                &route_label,
                &route(set, sql),
                pool,
                seconds,
            )
            .await,
        );
        scenarios.push(Scenario {
            name,
            http: result,
            users: Some(users),
            baselines,
            route_label: Some(route_label),
        });
    }

    let name = "(c) POST /v1/public/organizations/1/forms/spring";
    let landing_result = if landing_route {
        eprintln!("{name}: wrk, {connections} connections, {seconds} s...");
        let body = serde_json::json!({
            "email": format!("bench-{nonce}-probe@example.com"),
            "first_name": "Ada",
        });
        let probe = http.post(format!("{base}{landing_path}")).json(&body);
        let closed = http_scenario(&load, probe, &landing_lua("warm"), &landing_lua("run")).await;
        eprintln!("{name}: wrk, {connections} users thinking ~{think_ms} ms, {seconds} s...");
        let body = serde_json::json!({
            "email": format!("bench-{nonce}-users-probe@example.com"),
            "first_name": "Ada",
        });
        let probe = http.post(format!("{base}{landing_path}")).json(&body);
        let users = http_scenario(
            &load,
            probe,
            &landing_lua("users-warm"),
            &landing_lua("users-run"),
        )
        .await;
        (closed, Some(users))
    } else {
        (
            Err(format!(
                "SKIPPED: /openapi.json lists no POST /v1/public/organizations/{{..}}/forms/{{..}}: the landing-page route is not in this build (the scenario's script is ready: {})",
                landing_lua("run").display()
            )),
            None,
        )
    };
    let (landing_result, landing_users) = landing_result;
    scenarios.push(Scenario {
        name,
        http: landing_result,
        users: landing_users,
        baselines: Vec::new(),
        route_label: None,
    });

    let _ = stop.send(());
    match serving.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("the server stopped with an error: {e}"),
        Err(e) => eprintln!("the server task failed: {e}"),
    }
    let submitted: i64 = owner
        .query_one(
            "SELECT count(*) FROM contacts WHERE organization_id = $1 AND email LIKE 'bench-%'",
            &[&ORG],
        )
        .await
        .unwrap()
        .get(0);
    let _ = std::fs::remove_dir_all(&dir);

    report(&Report {
        contacts,
        leads,
        loaded,
        landing,
        connections,
        seconds,
        pool,
        think_ms,
        open_files,
        max_connections,
        version: cluster.binaries().version.clone(),
        scenarios: &scenarios,
        submitted,
    });
    drop(owner);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}

/// Everything the report prints.
struct Report<'a> {
    contacts: u64,
    leads: u64,
    loaded: Duration,
    landing: i64,
    connections: u64,
    seconds: u64,
    pool: u64,
    think_ms: u64,
    open_files: u64,
    max_connections: u64,
    version: String,
    scenarios: &'a [Scenario],
    submitted: i64,
}

/// One line of the results table: the load's latencies, errors and CPU.
fn print_row(name: &str, h: &Http) {
    println!(
        "{:<50} {:>9} {:>9.0} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7.0} {:>7.0} {:>7.0}  {}",
        name,
        h.requests,
        h.rps,
        ms(h.p50),
        ms(h.p90),
        ms(h.p95),
        ms(h.p99),
        ms(h.max),
        h.errors(),
        h.cpu[0],
        h.cpu[1],
        h.cpu[2],
        if h.p95 < TARGET_P95 { "met" } else { "MISSED" }
    );
}

fn report(r: &Report) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "{} contacts (20 lists), 1,000 campaigns, {} leads in organization {ORG}; a tenth of each in organization 2, interleaved; loaded in {:.1} s; landing page `{SLUG}` on campaign {} (form: email required, first_name); {cores} cores; {}",
        r.contacts,
        r.leads,
        r.loaded.as_secs_f64(),
        r.landing,
        r.version,
    );
    println!(
        "server: api::bind in this process, pool {} connections; wrk -t2 -c {} --latency, {} s per scenario after {WARM_UP_SECONDS} s of warm-up; open-files limit {}; Postgres max_connections {}",
        r.pool, r.connections, r.seconds, r.open_files, r.max_connections
    );
    println!(
        "CPU per request (µs, /proc): this process (the server), the Postgres server (all its processes), the load generator (wrk or pgbench); everything shares the {cores} cores."
    );
    println!();
    println!(
        "{:<50} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7}  target p95 < {} ms",
        "HTTP",
        "requests",
        "req/s",
        "p50",
        "p90",
        "p95",
        "p99",
        "max",
        "errors",
        "server",
        "pg",
        "wrk",
        TARGET_P95.as_millis()
    );
    let mut loud = Vec::new();
    for s in r.scenarios {
        match &s.http {
            Ok(h) => {
                print_row(s.name, h);
                if let Some(drained) = h.drained {
                    println!(
                        "{:<50} left in flight when wrk stopped: answered in {:.1} s more",
                        "",
                        drained.as_secs_f64()
                    );
                }
                if let Some([ok, limited, client, server, other]) = h.statuses {
                    println!(
                        "{:<50} responses: {ok} 2xx, {limited} 429, {client} other 4xx, {server} 5xx, {other} other",
                        ""
                    );
                }
                if h.errors() > 0 {
                    let [connect, read, write, timeout] = h.socket;
                    loud.push(format!(
                        "{}: {} ERRORS in {} requests: {} non-2xx responses, socket errors connect {connect}, read {read}, write {write}, timeout {timeout}: its figures do not measure the route alone",
                        s.name,
                        h.errors(),
                        h.requests,
                        h.non_2xx,
                    ));
                }
            }
            Err(e) => {
                println!("{:<50} {e}", s.name);
                if !e.starts_with("SKIPPED") {
                    loud.push(format!("{}: FAILED: {e}", s.name));
                }
            }
        }
    }
    // wrk is a closed loop: every connection sends its next request when the last is
    // answered, so the mean latency is the connections over the rate (Little's law).
    let needed = r.connections as f64 / TARGET_P95.as_secs_f64();
    println!(
        "closed loop (wrk): mean latency = connections / rate, so p95 < {} ms at {} connections needs more than {needed:.0} req/s, {:.0} µs of CPU per request at most on {cores} cores for everything (server, Postgres, wrk)",
        TARGET_P95.as_millis(),
        r.connections,
        cores as f64 * 1e6 / needed,
    );
    for s in r.scenarios {
        if let Ok(h) = &s.http {
            let wait = r.connections as f64 / h.rps.max(1e-9);
            println!(
                "  {}: {} connections / {:.0} req/s = {} mean; CPU {:.0} µs per request",
                &s.name[..3],
                r.connections,
                h.rps,
                ms(Duration::from_secs_f64(wait)),
                h.cpu.iter().sum::<f64>(),
            );
            if wait > r.seconds as f64 / 2.0 {
                let line = format!(
                    "{}: a request waits {wait:.1} s on average, against a run of {} s: the latencies are of the requests that finished in time, and understate the wait",
                    s.name, r.seconds
                );
                println!("  !!! {line}");
                loud.push(line);
            }
        }
    }
    println!();
    println!(
        "users who think (wrk's delay()): each of the {} connections waits {} ms on average (uniformly {}-{} ms) after an answer before its next request, so about {:.0} req/s are offered while answers are quick",
        r.connections,
        r.think_ms,
        r.think_ms / 2,
        r.think_ms * 3 / 2,
        r.connections as f64 * 1000.0 / r.think_ms as f64,
    );
    for s in r.scenarios {
        match &s.users {
            Some(Ok(h)) => {
                print_row(&format!("{} users", &s.name[..3]), h);
                if h.errors() > 0 {
                    loud.push(format!(
                        "{} users: {} ERRORS in {} requests",
                        s.name,
                        h.errors(),
                        h.requests
                    ));
                }
            }
            Some(Err(e)) => {
                println!("{:<50} {e}", format!("{} users", &s.name[..3]));
                loud.push(format!("{} users: FAILED: {e}", s.name));
            }
            None => {}
        }
    }
    println!();
    println!(
        "baselines: pgbench -M prepared -j 2 -T {} as the owner (superuser, no row-level security); `the statement` is the route's generated SQL alone (contacts::list LIMIT {}, campaigns::get) with a random after/id; `the route's transaction` adds what the route sends around it: BEGIN, the tenant settings, COMMIT (the key is authenticated once, then found in the server's memory). At {} clients, as many backends (max_connections {}): pgbench's TPS leaves out connecting but not each new backend's first statements (catalog caches, planning)",
        r.seconds,
        PAGE + 1,
        r.connections,
        r.max_connections,
    );
    println!(
        "{:<50} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>8}",
        "pgbench", "clients", "txns", "TPS", "p50", "p95", "p99", "failed", "pg", "pgbench"
    );
    for s in r.scenarios {
        for b in &s.baselines {
            match b {
                Ok(b) => println!(
                    "{:<50} {:>8} {:>9} {:>9.0} {:>9} {:>9} {:>9} {:>7} {:>7.0} {:>8.0}",
                    format!("{} {}", &s.name[..3], b.label),
                    b.clients,
                    b.transactions,
                    b.tps,
                    ms(b.p50),
                    ms(b.p95),
                    ms(b.p99),
                    b.failed,
                    b.cpu[0],
                    b.cpu[1],
                ),
                Err(e) => {
                    println!("{:<50} {e}", format!("{} pgbench", &s.name[..3]));
                    loud.push(format!("{}: baseline {e}", s.name));
                }
            }
        }
    }
    println!();
    println!("ratios (target: reads >= {TARGET_READ_RATIO}x pgbench's best TPS of the statement):");
    for s in r.scenarios {
        let Ok(h) = &s.http else { continue };
        let statement: Vec<&Bench> = s
            .baselines
            .iter()
            .filter_map(|b| b.as_ref().ok())
            .filter(|b| Some(&b.label) != s.route_label.as_ref())
            .collect();
        for b in s.baselines.iter().filter_map(|b| b.as_ref().ok()) {
            println!(
                "  {}: API {:.0} req/s = {:.3}x pgbench {} at {} clients ({:.0} TPS); API p95 {} = {:.1}x its p95 ({})",
                &s.name[..3],
                h.rps,
                h.rps / b.tps,
                b.label,
                b.clients,
                b.tps,
                ms(h.p95),
                h.p95.as_secs_f64() / b.p95.as_secs_f64().max(1e-9),
                ms(b.p95),
            );
        }
        if let Some(best) = statement.iter().max_by(|a, b| a.tps.total_cmp(&b.tps)) {
            let ratio = h.rps / best.tps;
            println!(
                "  {}: reads {:.3}x the best TPS of the statement ({:.0} at {} clients): target {TARGET_READ_RATIO}x {}",
                &s.name[..3],
                ratio,
                best.tps,
                best.clients,
                if ratio >= TARGET_READ_RATIO {
                    "met"
                } else {
                    "MISSED"
                }
            );
        }
    }
    for s in r.scenarios {
        if let Ok(h) = &s.http
            && !h.top.is_empty()
        {
            println!();
            println!(
                "{}: the statements that took the most time in Postgres (pg_stat_statements, track=all: nested statements of functions and triggers counted inside their callers too)",
                s.name
            );
            for line in &h.top {
                println!("  {line}");
            }
        }
    }
    if r.submitted > 0 {
        println!(
            "  (c): {} contacts with a bench address in organization {ORG} after the run (the submissions that made one)",
            r.submitted
        );
    }
    if !loud.is_empty() {
        println!();
        println!("!!!!!!!! THIS RUN HAD ERRORS !!!!!!!!");
        for line in &loud {
            println!("!!! {line}");
        }
    }
}
