//! The provisioned Grafana dashboards (`grafana/`): every SQL query of every dashboard,
//! its variables' included, expanded as Grafana expands it, runs as a login in
//! `tally_dashboards` against a database that ingested simulated traffic through Kafka
//! and was aggregated, restated and premade by `tally run`, and returns rows; the
//! Prometheus panels name only metrics ingest registers; every target uses a
//! provisioned datasource.

mod grafana;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, SubsecRound, Utc};
use ingest::{Ingest, IngestConfig};
use simulate::{
    CAMPAIGN_STRIDE, CONTACT_STRIDE, EmbeddedKafka, Expect, Record, SimulationPlan, generate,
    produce, seed_database,
};
use testkit::TestDb;
use tokio_postgres::{Client, SimpleQueryMessage};
use uuid::Uuid;

use grafana::{Dashboard, POSTGRES_UID, PROMETHEUS_UID, TimeRange};

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

/// The role migration 0022 creates for Grafana.
const DASHBOARD_ROLE: &str = "tally_dashboards";

/// Late events stored after their day became final.
const LATE_EVENTS: u64 = 25;

/// Runs `tally <args>` against the database; whether it succeeded, and its stderr.
fn tally(url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(TALLY)
        .args(args)
        .env("DATABASE_URL", url)
        .env("TALLY_LOG", "warn")
        .output()
        .expect("tally runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Events of the plan's first campaign on `day`, which is final by the time they are
/// produced: ingest stores them, the next aggregation counts them as late.
fn late_records(plan: &SimulationPlan, day: NaiveDate, n: u64) -> Vec<Record> {
    let org = plan.first_organization_id;
    let campaign = org * CAMPAIGN_STRIDE + 1;
    let noon = day
        .and_hms_opt(12, 0, 0)
        .expect("noon exists")
        .and_utc()
        .timestamp_millis();
    (0..n as i64)
        .map(|i| {
            let event_id = Uuid::now_v7();
            let contact = org * CONTACT_STRIDE + 1 + i;
            let at = DateTime::<Utc>::from_timestamp_millis(noon + i * 1_000)
                .expect("a valid instant")
                .to_rfc3339();
            Record {
                key: contact.to_string().into_bytes(),
                payload: format!(
                    r#"{{"event_id":"{event_id}","organization_id":{org},"campaign_id":{campaign},"contact_id":{contact},"event_type":"OPEN","occurred_at":"{at}"}}"#
                )
                .into_bytes(),
                expect: Expect::Stored {
                    event_id,
                    organization_id: org,
                    campaign_id: campaign,
                    event_type: schema::EventType::Open,
                    day,
                },
            }
        })
        .collect()
}

/// Ingests whatever is on the topic until `total` records are committed.
async fn ingest_until(db: &TestDb, kafka: &EmbeddedKafka, topic: &str, total: u64) {
    let mut config = IngestConfig::new(
        &kafka.bootstrap_servers(),
        topic,
        "dashboards",
        db.config().clone(),
    );
    config.batch_age = Duration::from_millis(50);
    let ingest = Ingest::start(config).await.unwrap();
    db.wait_committed(total as i64, Duration::from_secs(120))
        .await;
    ingest.stop().await;
}

/// A database as a week of production leaves it: two organizations' simulated traffic
/// ingested through Kafka and aggregated; late events of a final day, counted by the
/// next aggregation; a restated day; a failed run (a restatement of a day the database
/// does not hold); a premake run.
async fn seeded() -> TestDb {
    let db = TestDb::migrated().await;
    let url = db.connection_string();
    let today = Utc::now().date_naive();
    let mut plan = SimulationPlan::new(today.checked_sub_days(Days::new(6)).unwrap(), 7, 6_000);
    plan.organizations = 2;
    plan.campaigns_per_organization = 3;
    plan.contacts_per_organization = 400;
    seed_database(&db.connect().await, &plan).await.unwrap();

    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("events-{}", Uuid::new_v4().simple());
    kafka.create_topic(&topic, 2).unwrap();
    let records: Vec<Record> = generate(&plan).unwrap().collect();
    let stream = records.len() as u64;
    let sent = produce(
        &kafka.bootstrap_servers(),
        &topic,
        records.into_iter(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(sent, stream);
    ingest_until(&db, &kafka, &topic, stream).await;
    let (ok, err) = tally(&url, &["run", "aggregate"]);
    assert!(ok, "{err}");

    let final_day = today.checked_sub_days(Days::new(3)).unwrap();
    let late = late_records(&plan, final_day, LATE_EVENTS);
    produce(&kafka.bootstrap_servers(), &topic, late.into_iter(), |_| {})
        .await
        .unwrap();
    ingest_until(&db, &kafka, &topic, stream + LATE_EVENTS).await;
    let (ok, err) = tally(&url, &["run", "aggregate"]);
    assert!(ok, "{err}");

    let restated = today.checked_sub_days(Days::new(5)).unwrap().to_string();
    let (ok, err) = tally(&url, &["run", "aggregate", "--restate", &restated]);
    assert!(ok, "{err}");
    let (ok, _) = tally(&url, &["run", "aggregate", "--restate", "2000-01-01"]);
    assert!(!ok, "a restatement of a day without a partition fails");
    let (ok, err) = tally(&url, &["run", "premake"]);
    assert!(ok, "{err}");

    let late_counted: i64 = db
        .connect()
        .await
        .query_one(
            "SELECT coalesce(sum(late_events), 0)::bigint FROM event_late_counts",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(late_counted, LATE_EVENTS as i64);
    db
}

/// The rows of `sql`, as text (the simple query protocol, with no parameters, as
/// Grafana's queries have none).
async fn rows(client: &Client, sql: &str) -> Result<Vec<BTreeMap<String, Option<String>>>, String> {
    let messages = client
        .simple_query(sql)
        .await
        .map_err(|e| schema::describe_pg_error(&e))?;
    Ok(messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                row.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name().to_owned(), row.get(i).map(str::to_owned)))
                    .collect(),
            ),
            _ => None,
        })
        .collect())
}

/// The relations a query's plan reads, from EXPLAIN (FORMAT JSON).
fn relations(plan: &serde_json::Value, out: &mut Vec<String>) {
    match plan {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(name)) = map.get("Relation Name") {
                out.push(name.clone());
            }
            map.values().for_each(|v| relations(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| relations(v, out)),
        _ => {}
    }
}

/// Relations with no organization: a query may read only these without being scoped
/// by `$organization`.
const GLOBAL: [&str; 2] = ["job_runs", "organizations"];

/// Runs one dashboard's variables and SQL targets; what went wrong, if anything.
async fn check_dashboard(client: &Client, dashboard: &Dashboard, range: &TimeRange) -> Vec<String> {
    let mut problems = Vec::new();
    let mut variables = BTreeMap::new();
    let queries = dashboard.variables().into_iter().chain(
        dashboard
            .targets()
            .into_iter()
            .filter(|t| t.datasource == POSTGRES_UID),
    );
    for query in queries {
        let sql = match grafana::expand(&query.text, range, &variables) {
            Ok(sql) => sql,
            Err(e) => {
                problems.push(format!("{}: {e}", query.place));
                continue;
            }
        };
        let found = match rows(client, &sql).await {
            Ok(found) => found,
            Err(e) => {
                problems.push(format!("{}: {e}\n{sql}", query.place));
                continue;
            }
        };
        let Some(first) = found.first() else {
            problems.push(format!("{}: no rows\n{sql}", query.place));
            continue;
        };
        if let Some(name) = &query.variable {
            // Grafana's value is the __value column, or else the first.
            let value = first
                .get("__value")
                .or_else(|| first.values().next())
                .cloned()
                .flatten()
                .unwrap_or_default();
            variables.insert(name.clone(), value);
        }

        let explained = rows(client, &format!("EXPLAIN (FORMAT JSON) {sql}"))
            .await
            .unwrap_or_else(|e| panic!("{}: EXPLAIN: {e}", query.place));
        let plan: serde_json::Value = explained
            .first()
            .and_then(|row| row.values().next().cloned().flatten())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_else(|| panic!("{}: no JSON plan", query.place));
        let mut read = Vec::new();
        relations(&plan, &mut read);
        read.sort();
        read.dedup();
        let tenant: Vec<&String> = read
            .iter()
            .filter(|r| !GLOBAL.contains(&r.as_str()))
            .collect();
        if !tenant.is_empty() && !query.text.contains("$organization") {
            problems.push(format!(
                "{}: reads {tenant:?} without $organization",
                query.place
            ));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_dashboard_query_runs_as_the_dashboard_role_and_returns_rows() {
    let db = seeded().await;
    let role = db.login_in(DASHBOARD_ROLE).await;
    let client = role.connect().await;
    // Grafana's default range of most dashboards, to the millisecond as it sends it.
    let range = TimeRange::last_days(Utc::now().trunc_subsecs(3), 30);

    let dashboards = grafana::load();
    assert!(dashboards.len() >= 7, "{dashboards:#?}");
    let mut problems = Vec::new();
    let mut queries = 0;
    for dashboard in &dashboards {
        queries += dashboard.variables().len()
            + dashboard
                .targets()
                .iter()
                .filter(|t| t.datasource == POSTGRES_UID)
                .count();
        problems.extend(check_dashboard(&client, dashboard, &range).await);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(queries > 30, "only {queries} SQL queries found");
}

/// The Prometheus names of ingest's metrics, read from the registrations in
/// ingest/src/metrics.rs as prometheus-client exposes them: `tally_ingest_` + name (+
/// `_` + unit), then `_total` for a counter and `_bucket`, `_sum`, `_count` for a
/// histogram.
fn ingest_metric_names() -> Vec<String> {
    let source = include_str!("../../../ingest/src/metrics.rs");
    let prefix = source
        .split("Registry::with_prefix(\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("metrics.rs sets a registry prefix");
    let mut names = Vec::new();
    for call in source.split(".register").skip(1) {
        let call = &call[..call.find(");").expect("a registration ends with );")];
        let name = call
            .split('"')
            .nth(1)
            .expect("a registration names its metric");
        let unit = call.split("Unit::").nth(1).map(|u| {
            u.split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
        });
        let field = call
            .split("m.")
            .nth(1)
            .and_then(|f| f.split('.').next())
            .expect("a registration passes a field of m");
        // The field's declared type, e.g. `dead_letters: Family<ReasonLabel, Counter>,`.
        let declared = source
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(&format!("{field}: ")))
            .unwrap_or_else(|| panic!("metrics.rs declares no field {field}"));
        let base = match unit {
            Some(unit) => format!("{prefix}_{name}_{unit}"),
            None => format!("{prefix}_{name}"),
        };
        if declared.contains("Histogram") {
            names.extend(["_bucket", "_sum", "_count"].map(|s| format!("{base}{s}")));
        } else if declared.contains("Counter") {
            names.push(format!("{base}_total"));
        } else {
            names.push(base);
        }
    }
    names
}

#[test]
fn every_prometheus_panel_names_metrics_that_ingest_registers() {
    let known = ingest_metric_names();
    assert!(
        known.contains(&"tally_ingest_records_consumed_total".to_owned())
            && known.contains(&"tally_ingest_copy_seconds_bucket".to_owned())
            && known.contains(&"tally_ingest_consumer_lag".to_owned()),
        "reading metrics.rs went wrong: {known:?}"
    );
    let mut used = 0;
    for dashboard in grafana::load() {
        for target in dashboard.targets() {
            if target.datasource != PROMETHEUS_UID {
                continue;
            }
            let mut rest = target.text.as_str();
            let mut names = Vec::new();
            while let Some(at) = rest.find("tally_") {
                let len = rest[at..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len() - at);
                names.push(&rest[at..at + len]);
                rest = &rest[at + len..];
            }
            assert!(!names.is_empty(), "{}: no tally metric", target.place);
            for name in names {
                assert!(
                    known.iter().any(|k| k == name),
                    "{}: {name} is not a metric of ingest/src/metrics.rs ({known:?})",
                    target.place
                );
                used += 1;
            }
        }
    }
    assert!(
        used > 10,
        "only {used} metric names in the Prometheus panels"
    );
}

#[test]
fn every_target_and_variable_uses_a_provisioned_datasource() {
    let provisioned = std::fs::read_to_string(
        grafana::grafana_dir().join("provisioning/datasources/datasources.yml"),
    )
    .unwrap();
    for uid in [POSTGRES_UID, PROMETHEUS_UID] {
        assert!(
            provisioned.contains(&format!("uid: {uid}\n")),
            "datasources.yml provisions no {uid}"
        );
    }
    let mut uids = Vec::new();
    for dashboard in grafana::load() {
        assert!(
            dashboard.uid().starts_with("tally-"),
            "{}: uid {:?}",
            dashboard.file,
            dashboard.uid()
        );
        uids.push(dashboard.uid().to_owned());
        let queries = dashboard.variables().into_iter().chain(dashboard.targets());
        for query in queries {
            assert!(
                [POSTGRES_UID, PROMETHEUS_UID].contains(&query.datasource.as_str()),
                "{}: datasource {:?}",
                query.place,
                query.datasource
            );
            assert!(!query.text.trim().is_empty(), "{}: no query", query.place);
        }
    }
    let count = uids.len();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), count, "dashboard uids repeat: {uids:?}");
}

#[test]
fn macros_expand_as_grafana_expands_them() {
    let range = TimeRange {
        from: testkit::at("2026-11-17T13:45:00Z"),
        to: testkit::at("2026-11-20T23:59:59.5Z"),
    };
    let variables = BTreeMap::from([("organization".to_owned(), "7".to_owned())]);
    let expand = |sql: &str| grafana::expand(sql, &range, &variables);
    assert_eq!(
        expand(
            "SELECT $__timeGroupAlias(day, '1d'), n FROM t WHERE o = $organization AND $__timeFilter(day)"
        ),
        Ok(
            "SELECT floor(extract(epoch from day)/86400)*86400 AS \"time\", n FROM t WHERE o = 7 \
            AND day BETWEEN '2026-11-17T13:45:00Z' AND '2026-11-20T23:59:59.500Z'"
                .to_owned()
        )
    );
    // The compatibility rule: $__timeGroup followed by a comma is the alias form.
    assert_eq!(
        expand(
            "SELECT $__timeGroup(at, '5m'), x, ${organization:raw} FROM t GROUP BY $__timeGroup(at, '1h')"
        ),
        Ok(
            "SELECT floor(extract(epoch from at)/300)*300 AS \"time\", x, 7 FROM t \
            GROUP BY floor(extract(epoch from at)/3600)*3600"
                .to_owned()
        )
    );
    assert_eq!(
        expand("$__timeFrom() $__timeTo()"),
        Ok("'2026-11-17T13:45:00Z' '2026-11-20T23:59:59.500Z'".to_owned())
    );
    assert!(expand("SELECT $campaign").is_err());
    assert!(expand("SELECT $__unixEpochFilter(t)").is_err());
    assert!(expand("SELECT $__timeGroup(t, '1q')").is_err());
}
