//! End-to-end contact import against its baseline, in one run on one throwaway cluster,
//! into the same `contacts` table (its indexes and audit triggers):
//!
//! - the file: `TALLY_BENCH_CONTACTS` (default 100,000) CSV lines after the header,
//!   generated with a fixed seed: `first.last.<random hex>@domain` over six domains, 1%
//!   at a blocked domain, 3% at a disposable one, ~2% role accounts such as `info@`;
//!   names, phone and four attribute columns (company, job title, country, source); 1%
//!   of the lines repeat an earlier address (half of them in other letter case) and
//!   0.5% are bad, in turn: invalid address, missing address, an extra field, invalid
//!   UTF-8 and an unclosed quote. The organization has three active rules (blocked
//!   and disposable domains, 1,000 disposable domains in all, and role accounts).
//! - baseline: raw text `COPY contacts (organization_id, contact_list_id, email,
//!   first_name, last_name, phone) FROM STDIN (FORMAT csv, HEADER)` as the owner into a
//!   fresh list, of the rows the import keeps (a raw COPY cannot refuse lines or
//!   duplicates), as CSV made beforehand; the audit trigger runs for it as for the import.
//! - measured: `contacts::import` of the whole file into another fresh list: parsing,
//!   refusals, binary COPY to a staging table, validation, insert, audit trigger,
//!   validation logs, commit.
//! - for the profile: the same raw COPY with contacts' `audit_insert` trigger disabled,
//!   into a third list, to show what the audit trail costs.
//!
//! It prints rows/s of each, the ratio of the import to the raw COPY (target >= 0.5x),
//! CPU per row of this process (the importer) and of the PostgreSQL backend, and the
//! ratio of CPU spent, which drifts less than elapsed time on a busy machine. With
//! `TALLY_BENCH_EXPLAIN=1` it also prints the `EXPLAIN ANALYZE` of each statement the
//! import runs (auto_explain, with trigger times), from the server log, after a second
//! import into a fourth list.
//!
//! Run: `cargo bench -p benches --bench import`

// A benchmark that cannot set up should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::time::{Duration, Instant};

use benches::{connect, knob, migrated_database, process_ticks};
use contacts::ImportOptions;
use futures::SinkExt as _;
use localpg::{Cluster, ClusterOptions};
use schema::OrganizationId;
use tokio_postgres::Client;

const ORG: i64 = 1;
const DOMAINS: [&str; 8] = [
    "gmail.example",
    "outlook.example",
    "acme-corp.example",
    "globex.example",
    "initech.example",
    "mail.example",
    "blocked.example",
    "mailinator.example",
];
const COMPANIES: [&str; 5] = ["Acme", "Globex", "Initech", "Umbrella", "Hooli"];
const TITLES: [&str; 4] = ["Engineer", "Manager", "Director", "Analyst"];
const COUNTRIES: [&str; 4] = ["DE", "FR", "US", "JP"];
const FIRST: [&str; 8] = [
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Ken", "Linus", "Margaret",
];
const LAST: [&str; 8] = [
    "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Thompson", "Torvalds", "Hamilton",
];

/// splitmix64: a fixed seed gives the same file every run, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// The import's file, and the baseline's CSV of the rows the import keeps.
struct Files {
    import: Vec<u8>,
    baseline_rows: Vec<(String, String, String, String)>,
    bad: u64,
    duplicates: u64,
}

fn generate(lines: u64) -> Files {
    let mut rng = Rng(42);
    let mut import =
        b"email,first_name,last_name,phone,company,job_title,country,source\n".to_vec();
    let mut kept: Vec<(String, String, String, String)> = Vec::new();
    let (mut bad, mut duplicates) = (0, 0);
    let mut seen = std::collections::HashSet::new();
    for n in 0..lines {
        let roll = rng.next() % 1000;
        let first = rng.pick(&FIRST);
        let last = rng.pick(&LAST);
        let phone = format!("+49 30 {:07}", rng.next() % 10_000_000);
        let attributes = format!(
            "{},{},{},{}",
            rng.pick(&COMPANIES),
            rng.pick(&TITLES),
            rng.pick(&COUNTRIES),
            if n.is_multiple_of(2) { "webinar" } else { "" }
        );
        if roll < 5 {
            bad += 1;
            let line: Vec<u8> = match n % 5 {
                0 => {
                    format!("not-an-address-{n},{first},{last},{phone},{attributes}\n").into_bytes()
                }
                1 => format!(",{first},{last},{phone},{attributes}\n").into_bytes(),
                2 => format!("x{n}@mail.example,{first},{last},{phone},{attributes},extra\n")
                    .into_bytes(),
                3 => {
                    let mut l = format!("y{n}@mail.example,").into_bytes();
                    l.extend_from_slice(b"J\xf6rg");
                    l.extend_from_slice(format!(",{last},{phone},{attributes}\n").as_bytes());
                    l
                }
                _ => format!("\"z{n}@mail.example,{first},{last},{phone},{attributes}\n")
                    .into_bytes(),
            };
            import.extend_from_slice(&line);
            continue;
        }
        if roll < 15 && !kept.is_empty() {
            duplicates += 1;
            let earlier = &kept[(rng.next() % kept.len() as u64) as usize].0;
            let email = if n.is_multiple_of(2) {
                earlier.to_uppercase()
            } else {
                earlier.clone()
            };
            writeln!(import, "{email},{first},{last},{phone},{attributes}").unwrap();
            continue;
        }
        let local = if rng.next().is_multiple_of(50) {
            rng.pick(&["info", "sales", "support", "admin"]).to_owned()
        } else {
            format!(
                "{}.{}.{:08x}",
                first.to_lowercase(),
                last.to_lowercase(),
                rng.next() as u32
            )
        };
        let domain = match rng.next() % 100 {
            0 => "blocked.example",
            1..=3 => "mailinator.example",
            _ => rng.pick(&DOMAINS[..6]),
        };
        let email = format!("{local}@{domain}");
        writeln!(import, "{email},{first},{last},{phone},{attributes}").unwrap();
        // A role account met again on its domain is a repeat like the others.
        if !seen.insert(email.clone()) {
            duplicates += 1;
            continue;
        }
        kept.push((email, first.to_owned(), last.to_owned(), phone));
    }
    Files {
        import,
        baseline_rows: kept,
        bad,
        duplicates,
    }
}

/// The baseline's CSV for list `list`.
fn baseline_csv(rows: &[(String, String, String, String)], list: i64) -> Vec<u8> {
    let mut csv = b"organization_id,contact_list_id,email,first_name,last_name,phone\n".to_vec();
    for (email, first, last, phone) in rows {
        writeln!(csv, "{ORG},{list},{email},{first},{last},{phone}").unwrap();
    }
    csv
}

async fn raw_copy(client: &Client, csv: &[u8]) {
    let sink = client
        .copy_in::<_, std::io::Cursor<Vec<u8>>>(
            "COPY contacts (organization_id, contact_list_id, email, first_name, last_name, phone) \
             FROM STDIN (FORMAT csv, HEADER)",
        )
        .await
        .unwrap();
    futures::pin_mut!(sink);
    for chunk in csv.chunks(1 << 20) {
        sink.send(std::io::Cursor::new(chunk.to_vec()))
            .await
            .unwrap();
    }
    sink.finish().await.unwrap();
}

/// CPU ticks (USER_HZ) of this process and of the server backend `backend` (the one
/// doing the work: other postgres processes on the machine may be other clusters').
fn cpu(backend: u32) -> (u64, u64) {
    let ticks = |pid: &str| process_ticks(pid).map_or(0, |(_, t)| t);
    (ticks("self"), ticks(&backend.to_string()))
}

async fn backend_pid(client: &Client) -> u32 {
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    pid as u32
}

async fn checkpoint(client: &Client) {
    client.batch_execute("CHECKPOINT").await.unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let lines = knob("TALLY_BENCH_CONTACTS", 100_000);
    let explain = knob("TALLY_BENCH_EXPLAIN", 0) == 1;
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::default()))
        .await
        .unwrap()
        .expect("a local PostgreSQL cluster");
    let owner = migrated_database(&cluster, "bench_import").await;
    let disposable: Vec<String> = std::iter::once("mailinator.example".to_owned())
        .chain((1..1000).map(|i| format!("throwaway{i}.example")))
        .collect();
    owner
        .execute(
            "INSERT INTO organizations (id, name) VALUES (1, 'Bench')",
            &[],
        )
        .await
        .unwrap();
    owner
        .batch_execute(
            "INSERT INTO contact_lists (organization_id, id, name) VALUES
                 (1, 1, 'raw copy'), (1, 2, 'import'), (1, 3, 'raw copy, no audit'), (1, 4, 'explain');
             INSERT INTO validation_rules (organization_id, name, rule_type, definition) VALUES
                 (1, 'blocked', 'blocked_domain', '{\"domains\": [\"blocked.example\"]}'),
                 (1, 'roles', 'role_account', '{}'),
                 (1, 'syntax', 'syntax', '{}');",
        )
        .await
        .unwrap();
    owner
        .execute(
            "INSERT INTO validation_rules (organization_id, name, rule_type, definition)
             VALUES (1, 'disposable', 'disposable_domain', jsonb_build_object('domains', $1::text[]))",
            &[&disposable],
        )
        .await
        .unwrap();

    eprintln!("generating {lines} lines...");
    let files = generate(lines);
    let kept = files.baseline_rows.len() as u64;
    let copy_csv = baseline_csv(&files.baseline_rows, 1);
    let no_audit_csv = baseline_csv(&files.baseline_rows, 3);

    eprintln!("raw COPY of the {kept} rows the import keeps...");
    checkpoint(&owner).await;
    let owner_pid = backend_pid(&owner).await;
    let t = Instant::now();
    let cpu_before = cpu(owner_pid);
    raw_copy(&owner, &copy_csv).await;
    let copy_took = t.elapsed();
    let copy_cpu = cpu(owner_pid);

    eprintln!("contacts::import of the {lines} lines...");
    let mut importer = connect(&cluster, "bench_import").await;
    let importer_pid = backend_pid(&importer).await;
    checkpoint(&owner).await;
    let t = Instant::now();
    let import_before = cpu(importer_pid);
    let report = contacts::import(
        &mut importer,
        OrganizationId(ORG),
        2,
        &files.import[..],
        ImportOptions::default(),
        |_| {},
    )
    .await
    .unwrap();
    let import_took = t.elapsed();
    let import_cpu = cpu(importer_pid);
    assert_eq!(
        report.inserted, kept,
        "the import keeps what the baseline copies"
    );
    assert_eq!(report.refused.len() as u64, files.bad + files.duplicates);

    eprintln!("raw COPY without the audit trigger...");
    checkpoint(&owner).await;
    owner
        .batch_execute("ALTER TABLE contacts DISABLE TRIGGER audit_insert")
        .await
        .unwrap();
    let t = Instant::now();
    raw_copy(&owner, &no_audit_csv).await;
    let no_audit_took = t.elapsed();
    owner
        .batch_execute("ALTER TABLE contacts ENABLE TRIGGER audit_insert")
        .await
        .unwrap();

    let rate = |rows: u64, took: Duration| rows as f64 / took.as_secs_f64();
    let per_row = |ticks: u64| ticks as f64 / 100.0 * 1e6 / kept as f64;
    let (copy_rate, import_rate) = (rate(kept, copy_took), rate(kept, import_took));
    println!();
    println!(
        "{lines} lines ({} bad, {} repeated addresses), {kept} contacts stored; {} cores; {}",
        files.bad,
        files.duplicates,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cluster.binaries().version
    );
    println!(
        "  raw CSV COPY, audited           {copy_rate:>10.0} rows/s  ({:.2} s)",
        copy_took.as_secs_f64()
    );
    println!(
        "  contacts::import                {import_rate:>10.0} rows/s  ({:.2} s, {:.0} lines/s)  = {:.2}x raw COPY (target >= 0.5x)",
        import_took.as_secs_f64(),
        rate(lines, import_took),
        import_rate / copy_rate
    );
    println!(
        "  raw CSV COPY, audit trigger off {:>10.0} rows/s  ({:.2} s): the audit trail is {:.0}% of the audited COPY",
        rate(kept, no_audit_took),
        no_audit_took.as_secs_f64(),
        100.0 * (1.0 - no_audit_took.as_secs_f64() / copy_took.as_secs_f64())
    );
    println!(
        "  CPU per row, raw COPY: benchmark process (client) {:.2} µs, its PostgreSQL backend {:.2} µs",
        per_row(copy_cpu.0 - cpu_before.0),
        per_row(copy_cpu.1.saturating_sub(cpu_before.1))
    );
    println!(
        "  CPU per row, import:   tally (parse, COPY client) {:.2} µs, its PostgreSQL backend {:.2} µs",
        per_row(import_cpu.0 - import_before.0),
        per_row(import_cpu.1.saturating_sub(import_before.1))
    );

    // On a shared machine the elapsed ratio drifts with the neighbours' load; the
    // CPU each side spends per row much less.
    let copy_cost = (copy_cpu.0 - cpu_before.0) + (copy_cpu.1 - cpu_before.1);
    let import_cost = (import_cpu.0 - import_before.0) + (import_cpu.1 - import_before.1);
    if import_cost > 0 {
        println!(
            "  CPU-time ratio (raw COPY's client and backend CPU / the import's): {:.2}x",
            copy_cost as f64 / import_cost as f64
        );
    }

    if explain {
        print_explain(&cluster, &files.import).await;
    }
    drop(importer);
    drop(owner);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}

/// Imports the file again into list 4 with auto_explain on, and prints the plans the
/// server logged.
async fn print_explain(cluster: &Cluster, file: &[u8]) {
    let log = cluster.dir().join("postgres.log");
    let from = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    let mut client = connect(cluster, "bench_import").await;
    client
        .batch_execute(
            "LOAD 'auto_explain';
             SET auto_explain.log_min_duration = 0;
             SET auto_explain.log_analyze = on;
             SET auto_explain.log_timing = on;
             SET auto_explain.log_triggers = on;
             SET auto_explain.log_nested_statements = off;",
        )
        .await
        .unwrap();
    contacts::import(
        &mut client,
        OrganizationId(ORG),
        4,
        file,
        ImportOptions::default(),
        |_| {},
    )
    .await
    .unwrap();
    drop(client);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let text = std::fs::read(&log).unwrap();
    println!("\nEXPLAIN ANALYZE of the import's statements (auto_explain):");
    println!("{}", String::from_utf8_lossy(&text[from as usize..]));
}
