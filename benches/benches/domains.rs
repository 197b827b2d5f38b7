//! Page latency of the CRUD domains' list queries, run as the application runs them,
//! against the same statements run by the owner, all in one run on one throwaway cluster:
//!
//! - data: organization 1 with `TALLY_BENCH_CONTACTS` contacts (20 lists; validation
//!   status 80% valid, 10% risky, 5% invalid, 5% pending; created over a year, ids in
//!   creation order; 1% soft-deleted), 1,000 campaigns (30% draft, 10% scheduled, 20%
//!   active, 40% completed) and `TALLY_BENCH_LEADS` leads (90% in a campaign; 40% new,
//!   25% qualified, 15% disqualified, 12% contacted, 8% converted); organization 2 with
//!   a tenth of each, every 11th id, so the two tenants share ids' ranges and heap pages
//!   and every plan has to keep them apart. Loaded by `INSERT ... SELECT
//!   generate_series` as the owner, with the `audit_insert` triggers of contacts,
//!   campaigns and leads disabled during the load only; then `VACUUM ANALYZE`
//!   (`benches::platform::load`, shared with the HTTP benchmark).
//! - measured: pages of 100 through the generated `contacts::list`, `campaigns::list`
//!   and `leads::list` (contacts unfiltered from the start and after 90% of them, by
//!   list, by a rare, a common and an absent validation status, by a month of
//!   created_at, by list and status; campaigns by status; leads by status and by
//!   campaign), each page its own `Tenant::begin` transaction (`tally_app`,
//!   row-level security, `plan_cache_mode=force_custom_plan`) committed after the page,
//!   the statements prepared once on the connection (clorinde's `.prepare()`); 20 pages
//!   of warm-up, then `TALLY_BENCH_QUERIES` timed pages, each followed by the baseline:
//!   the same prepared statement on an owner connection (the superuser: no row-level
//!   security) outside any transaction, with the same settings for the session.
//! - printed: p50, p95 and p99 of the tenant's page (begin to commit), the p95 of its
//!   query alone, the owner's p50 and p95 and the ratio of the p95s; CPU per page of this process and
//!   of each backend (/proc schedstat); the `EXPLAIN (ANALYZE, BUFFERS)` of each page as
//!   the tenant runs it (`EXECUTE` of the connection's prepared statement inside a
//!   tenant transaction); and `pgbench -M prepared` of one page as the owner, the same
//!   statement text, against the owner's mean.
//!
//! Run: `cargo bench -p benches --bench domains`
//! Knobs: `TALLY_BENCH_CONTACTS` (default 1,000,000, a multiple of 10),
//! `TALLY_BENCH_LEADS` (200,000, a multiple of 10), `TALLY_BENCH_QUERIES` (300),
//! `TALLY_BENCH_PGBENCH_SECONDS` (5; 0 leaves pgbench out). The target is a p95 under
//! 10 ms per page; absolute times drift on shared machines, the ratios much less.

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use benches::platform::{ORG, load};
use benches::{connect, knob, migrated_database};
use chrono::{DateTime, TimeZone, Utc};
use localpg::{Cluster, ClusterOptions};
use schema::domains::{campaigns, contacts, leads};
use schema::{
    Actor, CampaignStatus, GenericClient, LeadStatus, OrganizationId, PgEnum, Tenant,
    ValidationStatus,
};
use tokio_postgres::{Client, SimpleQueryMessage};

const DB: &str = "bench_domains";
const PAGE: i64 = 100;
const TARGET: Duration = Duration::from_millis(10);
const WARM_UP: usize = 20;
/// The case pgbench runs too: contacts, status invalid.
const PGBENCH_CASE: usize = 3;

/// One list page, with its filters.
#[derive(Debug, Clone, Copy)]
enum Page {
    Contacts {
        after: i64,
        list: Option<i64>,
        status: Option<ValidationStatus>,
        created: Option<(DateTime<Utc>, DateTime<Utc>)>,
    },
    Campaigns {
        status: Option<CampaignStatus>,
    },
    Leads {
        status: Option<LeadStatus>,
        campaign: Option<i64>,
    },
}

fn literal(v: Option<impl std::fmt::Display>) -> String {
    v.map_or_else(|| "NULL".to_owned(), |v| v.to_string())
}

fn quoted(v: Option<impl std::fmt::Display>) -> String {
    v.map_or_else(|| "NULL".to_owned(), |v| format!("'{v}'"))
}

impl Page {
    fn table(&self) -> &'static str {
        match self {
            Page::Contacts { .. } => "contacts",
            Page::Campaigns { .. } => "campaigns",
            Page::Leads { .. } => "leads",
        }
    }

    /// What tells the page's statement from the table's other list statements.
    fn marker(&self) -> &'static str {
        match self {
            Page::Contacts {
                created: Some(_), ..
            } => "(created_at, id) >",
            _ => "AND id > $1",
        }
    }

    /// The statement's parameters as SQL literals, in its order: `($1, $2, ...)`.
    fn literals(&self) -> Vec<String> {
        match *self {
            Page::Contacts {
                after,
                list,
                status,
                created,
            } => match created {
                Some((from, before)) => vec![
                    quoted(Some(from.to_rfc3339())),
                    after.to_string(),
                    quoted(Some(before.to_rfc3339())),
                    PAGE.to_string(),
                ],
                None => vec![
                    after.to_string(),
                    literal(list),
                    quoted(status.map(PgEnum::as_str)),
                    PAGE.to_string(),
                ],
            },
            Page::Campaigns { status } => vec![
                "0".to_owned(),
                quoted(status.map(PgEnum::as_str)),
                PAGE.to_string(),
            ],
            Page::Leads { status, campaign } => vec![
                "0".to_owned(),
                quoted(status.map(PgEnum::as_str)),
                literal(campaign),
                PAGE.to_string(),
            ],
        }
    }
}

/// The three list statements, prepared once on a connection.
struct Statements {
    contacts: contacts::ListStmt,
    contacts_created: contacts::ListCreatedStmt,
    campaigns: campaigns::ListStmt,
    leads: leads::ListStmt,
}

impl Statements {
    async fn prepare(client: &Client) -> Statements {
        Statements {
            contacts: contacts::list().prepare(client).await.unwrap(),
            contacts_created: contacts::list_created().prepare(client).await.unwrap(),
            campaigns: campaigns::list().prepare(client).await.unwrap(),
            leads: leads::list().prepare(client).await.unwrap(),
        }
    }

    /// The page's rows as (organization, id); the rows are read in full, as the
    /// application reads them.
    async fn page<C: GenericClient>(&self, client: &C, page: &Page) -> Vec<(i64, i64)> {
        match *page {
            Page::Contacts {
                after,
                created: Some((from, before)),
                ..
            } => self
                .contacts_created
                .bind(client, &from, &after, &Some(before), &PAGE)
                .all()
                .await
                .unwrap()
                .iter()
                .map(|c| (c.organization_id, c.id))
                .collect(),
            Page::Contacts {
                after,
                list,
                status,
                created: None,
            } => self
                .contacts
                .bind(client, &after, &list, &status, &PAGE)
                .all()
                .await
                .unwrap()
                .iter()
                .map(|c| (c.organization_id, c.id))
                .collect(),
            Page::Campaigns { status } => self
                .campaigns
                .bind(client, &0, &status, &PAGE)
                .all()
                .await
                .unwrap()
                .iter()
                .map(|c| (c.organization_id, c.id))
                .collect(),
            Page::Leads { status, campaign } => self
                .leads
                .bind(client, &0, &status, &campaign, &PAGE)
                .all()
                .await
                .unwrap()
                .iter()
                .map(|l| (l.organization_id, l.id))
                .collect(),
        }
    }
}

/// Rows of a simple query's first column.
fn lines(messages: Vec<SimpleQueryMessage>) -> Vec<String> {
    messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// The server's name and text of the list statement of `table` prepared on this
/// connection (tokio-postgres keeps the name private; pg_prepared_statements does not).
/// A simple query, so that looking does not prepare one more.
async fn prepared(client: &Client, page: &Page) -> (String, String) {
    let (table, marker) = (page.table(), page.marker());
    let found = client
        .simple_query(&format!(
            "SELECT name || E'\\n' || statement FROM pg_prepared_statements
              WHERE NOT from_sql AND statement LIKE 'SELECT * FROM {table} WHERE %'
                AND strpos(statement, '{marker}') > 0"
        ))
        .await
        .unwrap();
    let found = lines(found);
    assert_eq!(found.len(), 1, "one list statement of {table}: {found:?}");
    let (name, text) = found[0].split_once('\n').unwrap();
    (name.to_owned(), text.to_owned())
}

/// CPU time in ns a thread or process has run, from /proc: `thread-self` (this
/// runtime's one thread, which also drives the connections) or a backend's pid.
fn cpu_ns(task: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{task}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

async fn backend_pid(client: &Client) -> String {
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    pid.to_string()
}

/// Latencies of one way of running a page, sorted, and the CPU it took in total.
#[derive(Default)]
struct Runs {
    times: Vec<Duration>,
    client_ns: u64,
    backend_ns: u64,
}

impl Runs {
    fn p(&self, p: usize) -> Duration {
        self.times[(self.times.len() * p).div_ceil(100).max(1) - 1]
    }

    fn mean(&self) -> Duration {
        self.times.iter().sum::<Duration>() / self.times.len() as u32
    }

    fn cpu_us(&self) -> (f64, f64) {
        let n = self.times.len() as f64;
        (
            self.client_ns as f64 / n / 1e3,
            self.backend_ns as f64 / n / 1e3,
        )
    }
}

struct Figures {
    name: &'static str,
    /// Rows on the page.
    rows: usize,
    /// Tenant's pages, begin to commit.
    tenant: Runs,
    /// The list query alone inside the tenant's transaction.
    query: Vec<Duration>,
    /// The owner's same statement, no transaction.
    owner: Runs,
    /// EXPLAIN (ANALYZE, BUFFERS) as the tenant runs it, and as the owner does.
    plan: Vec<String>,
    owner_plan: Vec<String>,
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// The connections a case runs on: the application's (as a tenant) and the owner's.
struct Connections {
    app: Client,
    app_stmts: Statements,
    app_backend: String,
    owner: Client,
    owner_stmts: Statements,
    owner_backend: String,
}

async fn measure(c: &mut Connections, name: &'static str, page: Page, queries: usize) -> Figures {
    let tenant = Tenant::new(OrganizationId(ORG), Actor::User(1));
    let (mut runs, mut alone, mut owner) = (Runs::default(), Vec::new(), Runs::default());
    let mut returned = 0;
    for i in 0..WARM_UP + queries {
        let cpu = (cpu_ns("thread-self"), cpu_ns(&c.app_backend));
        let t = Instant::now();
        let tx = tenant.begin(&mut c.app).await.unwrap();
        let q = Instant::now();
        let rows = c.app_stmts.page(&tx, &page).await;
        let q = q.elapsed();
        tx.commit().await.unwrap();
        let took = t.elapsed();
        let cpu = (
            cpu_ns("thread-self") - cpu.0,
            cpu_ns(&c.app_backend) - cpu.1,
        );

        let owner_cpu = (cpu_ns("thread-self"), cpu_ns(&c.owner_backend));
        let t = Instant::now();
        let owner_rows = c.owner_stmts.page(&c.owner, &page).await;
        let owner_took = t.elapsed();
        let owner_cpu = (
            cpu_ns("thread-self") - owner_cpu.0,
            cpu_ns(&c.owner_backend) - owner_cpu.1,
        );
        if i == 0 {
            returned = rows.len();
            assert!(
                rows.iter().all(|&(org, _)| org == ORG),
                "{name}: a row of another organization"
            );
            assert_eq!(rows, owner_rows, "{name}: the owner's page is the tenant's");
        }
        if i >= WARM_UP {
            runs.times.push(took);
            runs.client_ns += cpu.0;
            runs.backend_ns += cpu.1;
            alone.push(q);
            owner.times.push(owner_took);
            owner.client_ns += owner_cpu.0;
            owner.backend_ns += owner_cpu.1;
        }
    }
    runs.times.sort();
    owner.times.sort();
    alone.sort();

    // The plans as the pages ran: the same prepared statements, a custom plan for these
    // values, in a tenant transaction and as the owner.
    let explain = |name: &str| {
        format!(
            "EXPLAIN (ANALYZE, BUFFERS) EXECUTE {name}({})",
            page.literals().join(", ")
        )
    };
    let (statement, _) = prepared(&c.app, &page).await;
    let tx = tenant.begin(&mut c.app).await.unwrap();
    let plan = lines(tx.simple_query(&explain(&statement)).await.unwrap());
    tx.commit().await.unwrap();
    let (statement, _) = prepared(&c.owner, &page).await;
    let owner_plan = lines(c.owner.simple_query(&explain(&statement)).await.unwrap());
    Figures {
        name,
        rows: returned,
        tenant: runs,
        query: alone,
        owner,
        plan,
        owner_plan,
    }
}

/// `pgbench -M prepared` of one page's statement as the owner, its parameters given
/// through pgbench variables (NULLs written in); returns its latency average.
fn pgbench(cluster: &Cluster, text: &str, page: &Page, seconds: u64) -> Option<Duration> {
    let mut script = text.to_owned();
    let mut vars = Vec::new();
    // From the last: $1 must not rewrite the start of $10.
    for (n, value) in page.literals().iter().enumerate().rev() {
        let param = format!("${}", n + 1);
        if value == "NULL" {
            script = script.replace(&param, "NULL");
        } else {
            script = script.replace(&param, &format!(":p{}", n + 1));
            vars.push(format!("p{}={}", n + 1, value.trim_matches('\'')));
        }
    }
    let file = std::env::temp_dir().join(format!("tally-bench-domains-{}.sql", std::process::id()));
    std::fs::write(&file, format!("{script};\n")).unwrap();
    // Beside the server binaries if they have it, else the one on PATH.
    let tool = cluster.binaries().tool("pgbench");
    let mut cmd = std::process::Command::new(if tool.is_file() {
        tool
    } else {
        "pgbench".into()
    });
    cmd.args([
        "-n",
        "-M",
        "prepared",
        "-c",
        "1",
        "-T",
        &seconds.to_string(),
        "-f",
    ])
    .arg(&file)
    .arg("-h")
    .arg(cluster.dir())
    .args(["-p", &cluster.port().to_string(), "-U", cluster.superuser()]);
    for v in &vars {
        cmd.args(["-D", v]);
    }
    let out = cmd
        .arg(DB)
        .env(
            "PGOPTIONS",
            format!("-c tally.organization_id={ORG} -c plan_cache_mode=force_custom_plan"),
        )
        .output();
    let _ = std::fs::remove_file(&file);
    let out = out.expect("pgbench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        eprintln!(
            "pgbench failed: {}{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let avg: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("latency average = ")?.strip_suffix(" ms"))?
        .parse()
        .ok()?;
    Some(Duration::from_secs_f64(avg / 1e3))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let contacts = knob("TALLY_BENCH_CONTACTS", 1_000_000) / 10 * 10;
    let leads = knob("TALLY_BENCH_LEADS", 200_000) / 10 * 10;
    let queries = knob("TALLY_BENCH_QUERIES", 300).max(1) as usize;
    let pgbench_seconds = knob("TALLY_BENCH_PGBENCH_SECONDS", 5);

    let cluster = tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");
    let owner = migrated_database(&cluster, DB).await;
    eprintln!(
        "loading {contacts} contacts, 1,000 campaigns, {leads} leads (and a tenth of each in organization 2)..."
    );
    let loaded = load(&owner, contacts, leads).await;
    // A late page: the one after 90% of the tenant's live contacts.
    let late: i64 = owner
        .query_one(
            "SELECT id FROM contacts WHERE organization_id = $1 AND deleted_at IS NULL
              ORDER BY id OFFSET $2 LIMIT 1",
            &[&ORG, &(contacts as i64 * 9 / 10)],
        )
        .await
        .unwrap()
        .get(0);
    owner
        .batch_execute(&format!(
            "SET tally.organization_id = '{ORG}'; SET plan_cache_mode = force_custom_plan"
        ))
        .await
        .unwrap();
    let app = connect(&cluster, DB).await;
    let mut c = Connections {
        app_stmts: Statements::prepare(&app).await,
        app_backend: backend_pid(&app).await,
        app,
        owner_stmts: Statements::prepare(&owner).await,
        owner_backend: backend_pid(&owner).await,
        owner,
    };

    let month = (
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
    );
    let contacts_page = |after, list, status, created| Page::Contacts {
        after,
        list,
        status,
        created,
    };
    let cases = [
        ("contacts, first page", contacts_page(0, None, None, None)),
        (
            "contacts, late page (after 90%)",
            contacts_page(late, None, None, None),
        ),
        (
            "contacts, one list (of 20)",
            contacts_page(0, Some(8), None, None),
        ),
        (
            "contacts, status invalid (5%)",
            contacts_page(0, None, Some(ValidationStatus::invalid), None),
        ),
        (
            "contacts, status valid (80%)",
            contacts_page(0, None, Some(ValidationStatus::valid), None),
        ),
        // No contact has this status: the page ends the list (and shows what a rare
        // status costs).
        (
            "contacts, status unknown (none)",
            contacts_page(0, None, Some(ValidationStatus::unknown), None),
        ),
        (
            "contacts, created in 2026-06",
            contacts_page(0, None, None, Some(month)),
        ),
        (
            "contacts, one list + invalid",
            contacts_page(0, Some(8), Some(ValidationStatus::invalid), None),
        ),
        (
            "campaigns, status active (20%)",
            Page::Campaigns {
                status: Some(CampaignStatus::active),
            },
        ),
        (
            "leads, status qualified (25%)",
            Page::Leads {
                status: Some(LeadStatus::qualified),
                campaign: None,
            },
        ),
        (
            "leads, one campaign (of 1,000)",
            Page::Leads {
                status: None,
                campaign: Some(500),
            },
        ),
    ];
    let mut figures = Vec::new();
    for (name, page) in cases {
        eprintln!("{name}...");
        figures.push(measure(&mut c, name, page, queries).await);
    }

    // pgbench: one page, the owner's statement text.
    let (pgbench_name, pgbench_page) = cases[PGBENCH_CASE];
    let pgbench_avg = if pgbench_seconds > 0 {
        let (_, text) = prepared(&c.owner, &pgbench_page).await;
        eprintln!("pgbench, {pgbench_name}, {pgbench_seconds} s...");
        pgbench(&cluster, &text, &pgbench_page, pgbench_seconds)
    } else {
        None
    };

    println!();
    println!(
        "{contacts} contacts (20 lists), 1,000 campaigns, {leads} leads in organization {ORG}; a tenth of each in organization 2, interleaved; loaded in {:.1} s with the audit_insert triggers of contacts, campaigns and leads disabled (enabled again before measuring); {} cores; {}",
        loaded.as_secs_f64(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cluster.binaries().version
    );
    println!(
        "pages of {PAGE}, {queries} per query after {WARM_UP} of warm-up. page: Tenant::begin + the generated list query + COMMIT, as tally_app; query: the list query alone in that transaction; owner: the same prepared statement as the superuser (no row-level security), no transaction, each right after a tenant page."
    );
    println!();
    println!(
        "{:<34} {:>4} {:>9} {:>9} {:>9} {:>10} {:>10} {:>10} {:>10}  target p95 < 10 ms",
        "query", "rows", "p50", "p95", "p99", "query p95", "owner p50", "owner p95", "p95/owner"
    );
    for f in &figures {
        let p95 = f.tenant.p(95);
        println!(
            "{:<34} {:>4} {:>9} {:>9} {:>9} {:>10} {:>10} {:>10} {:>9.2}x  {}",
            f.name,
            f.rows,
            ms(f.tenant.p(50)),
            ms(p95),
            ms(f.tenant.p(99)),
            ms(f.query[(f.query.len() * 95).div_ceil(100) - 1]),
            ms(f.owner.p(50)),
            ms(f.owner.p(95)),
            p95.as_secs_f64() / f.owner.p(95).as_secs_f64(),
            if p95 < TARGET { "met" } else { "MISSED" }
        );
    }
    println!();
    println!(
        "CPU per page (µs; /proc schedstat): this process (client, with its connection tasks) and the backend"
    );
    println!(
        "{:<34} {:>14} {:>15} {:>13} {:>14}",
        "query", "tenant client", "tenant backend", "owner client", "owner backend"
    );
    for f in &figures {
        let (tc, tb) = f.tenant.cpu_us();
        let (oc, ob) = f.owner.cpu_us();
        println!("{:<34} {tc:>14.0} {tb:>15.0} {oc:>13.0} {ob:>14.0}", f.name);
    }
    if let Some(avg) = pgbench_avg {
        let f = &figures[PGBENCH_CASE];
        println!();
        println!(
            "pgbench -M prepared, {pgbench_name}, as the owner, {pgbench_seconds} s: latency average {}; this benchmark's owner mean {} ({:.2}x pgbench), tenant page mean {} ({:.2}x pgbench)",
            ms(avg),
            ms(f.owner.mean()),
            f.owner.mean().as_secs_f64() / avg.as_secs_f64(),
            ms(f.tenant.mean()),
            f.tenant.mean().as_secs_f64() / avg.as_secs_f64(),
        );
    }
    println!();
    println!(
        "plans (EXPLAIN (ANALYZE, BUFFERS) EXECUTE of the prepared statement) as the tenant runs them, in a tenant transaction, then the owner's plan nodes:"
    );
    for f in &figures {
        println!("  {}:", f.name);
        for line in &f.plan {
            println!("    {line}");
        }
        println!("    owner:");
        for line in f.owner_plan.iter().filter(|l| {
            [
                "Limit",
                "Scan",
                "Sort",
                "Cond:",
                "Filter:",
                "Execution Time",
            ]
            .iter()
            .any(|k| l.contains(k))
        }) {
            println!("    | {line}");
        }
    }
    drop(c);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
