//! The dashboard views (migration 0010): final rows, live counters and late events per
//! day, the funnel and its rates, tenant isolation through the views, that they never
//! read `events`, and that every Grafana query in docs/dashboards.md runs.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::app_tx;
use schema::{APP_ROLE, Migrator};
use testkit::TestDb;
use tokio_postgres::{Client, GenericClient, NoTls};

const DOC: &str = include_str!("../../../docs/dashboards.md");

/// Organization 1, campaign 11 ("Acme November"):
/// - 2026-11-17: no aggregation row, only late CLICKs (a type first seen after finality);
/// - 2026-11-18: final, 3 late OPENs; its counters (which count the late ones too) are
///   ignored;
/// - 2026-11-19: aggregated, not final, counters have grown since (SENT, OPEN); CLICK
///   has an aggregation row but no counters;
/// - 2026-11-20: live counters only.
///
/// Organization 1, campaign 12 (not in campaigns): 5 OPENs and nothing sent, today.
/// Organization 2, campaign 21: one day, to be invisible to organization 1.
const SEED: &str = "
INSERT INTO organizations (id, name) VALUES (1, 'Acme'), (2, 'Globex');
INSERT INTO campaigns (organization_id, id, name) VALUES (1, 11, 'Acme November'), (2, 21, 'Globex November');

INSERT INTO event_aggregations (organization_id, campaign_id, event_type, day, event_count, unique_contacts,
                                is_final, counted_through, computed_at) VALUES
    (1, 11, 'SENT',        '2026-11-18', 100, 100, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00'),
    (1, 11, 'OPEN',        '2026-11-18',  40,  30, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00'),
    (1, 11, 'CLICK',       '2026-11-18',  10,   8, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00'),
    (1, 11, 'BOUNCE',      '2026-11-18',   5,   5, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00'),
    (1, 11, 'UNSUBSCRIBE', '2026-11-18',   1,   1, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00'),
    (1, 11, 'FORM_VIEW',   '2026-11-18',   8,   6, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00'),
    (1, 11, 'FORM_SUBMIT', '2026-11-18',   2,   2, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00'),
    (1, 11, 'SENT',        '2026-11-19',  50,  50, false, NULL, '2026-11-20 02:00+00'),
    (1, 11, 'OPEN',        '2026-11-19',  10,   9, false, NULL, '2026-11-20 02:00+00'),
    (1, 11, 'CLICK',       '2026-11-19',   4,   4, false, NULL, '2026-11-20 02:00+00'),
    (2, 21, 'SENT',        '2026-11-19', 999, 999, false, NULL, '2026-11-20 02:00+00');

INSERT INTO event_late_counts (organization_id, campaign_id, event_type, day, late_events, computed_at) VALUES
    (1, 11, 'CLICK', '2026-11-17', 2, '2026-11-20 02:00+00'),
    (1, 11, 'OPEN',  '2026-11-18', 3, '2026-11-21 02:00+00'),
    (2, 21, 'OPEN',  '2026-11-17', 7, '2026-11-20 02:00+00');

INSERT INTO event_counters (organization_id, campaign_id, event_type, day, shard, event_count, last_counted_at) VALUES
    (1, 11, 'CLICK', '2026-11-17', 0,  2, '2026-11-19 10:00+00'),
    (1, 11, 'SENT',  '2026-11-18', 0, 60, '2026-11-18 20:00+00'),
    (1, 11, 'SENT',  '2026-11-18', 1, 40, '2026-11-18 20:00+00'),
    (1, 11, 'OPEN',  '2026-11-18', 0, 43, '2026-11-20 12:00+00'),
    (1, 11, 'SENT',  '2026-11-19', 0, 30, '2026-11-20 09:00+00'),
    (1, 11, 'SENT',  '2026-11-19', 1, 25, '2026-11-20 09:05+00'),
    (1, 11, 'OPEN',  '2026-11-19', 3, 12, '2026-11-20 09:00+00'),
    (1, 11, 'SENT',  '2026-11-20', 0,  3, '2026-11-20 10:00+00'),
    (1, 11, 'SENT',  '2026-11-20', 1,  4, '2026-11-20 09:30+00'),
    (1, 11, 'OPEN',  '2026-11-20', 2,  2, '2026-11-20 10:00+00'),
    (1, 12, 'OPEN',  '2026-11-20', 0,  5, '2026-11-20 10:00+00'),
    (2, 21, 'SENT',  '2026-11-19', 0, 1000, '2026-11-20 09:00+00'),
    (2, 21, 'SENT',  '2026-11-20', 0,  9, '2026-11-20 10:00+00');

INSERT INTO event_unique_contacts (organization_id, campaign_id, event_type, period, period_start,
                                   unique_contacts, events, first_day, last_day, sketch, computed_at) VALUES
    (1, 11, 'SENT', 'week',     '2026-11-16', 140, 150, '2026-11-18', '2026-11-20', '\\x0100', '2026-11-21 02:00+00'),
    (1, 11, 'SENT', 'month',    '2026-11-01', 140, 150, '2026-11-18', '2026-11-20', '\\x0100', '2026-11-21 02:00+00'),
    (1, 11, 'SENT', 'lifetime', '1970-01-01', 150, 160, '2026-10-30', '2026-11-20', '\\x0100', '2026-11-21 02:00+00'),
    (2, 21, 'SENT', 'lifetime', '1970-01-01', 990, 1009, '2026-11-19', '2026-11-20', '\\x0100', '2026-11-21 02:00+00');
";

async fn seeded() -> (TestDb, Client) {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    client.batch_execute(SEED).await.unwrap();
    (db, client)
}

/// Every row of `sql`, each column cast to text by the query itself, joined with spaces
/// (NULL shown as `-`).
async fn rows(client: &impl GenericClient, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", schema::describe_pg_error(&e)))
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.get::<_, Option<String>>(i)
                        .unwrap_or_else(|| "-".into())
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

const DAILY: &str = "
SELECT campaign_id::text, day::text, event_type::text, event_count::text, unique_contacts::text,
       late_events::text, total_events::text, is_final::text, source,
       to_char(computed_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI')
  FROM campaign_daily_stats s ORDER BY s.campaign_id, s.day, s.event_type";

#[tokio::test]
async fn daily_stats_show_final_rows_live_counters_and_late_events_beside() {
    let (_db, mut client) = seeded().await;
    let tx = app_tx(&mut client, Some(1)).await;
    assert_eq!(
        rows(&tx, DAILY).await,
        [
            // Late events make a day final even without a final row.
            "11 2026-11-17 CLICK 0 - 2 2 true final 11-20 02:00",
            // Final: the final row; the counters (43 OPENs, late ones included) are not used.
            "11 2026-11-18 SENT 100 100 0 100 true final 11-20 02:00",
            "11 2026-11-18 OPEN 40 30 3 43 true final 11-21 02:00",
            "11 2026-11-18 CLICK 10 8 0 10 true final 11-20 02:00",
            "11 2026-11-18 BOUNCE 5 5 0 5 true final 11-20 02:00",
            "11 2026-11-18 UNSUBSCRIBE 1 1 0 1 true final 11-20 02:00",
            "11 2026-11-18 FORM_VIEW 8 6 0 8 true final 11-20 02:00",
            "11 2026-11-18 FORM_SUBMIT 2 2 0 2 true final 11-20 02:00",
            // Aggregated, not final: the counters have grown past the aggregation.
            "11 2026-11-19 SENT 55 50 0 55 false live 11-20 09:05",
            "11 2026-11-19 OPEN 12 9 0 12 false live 11-20 09:00",
            // No counters: the aggregation row.
            "11 2026-11-19 CLICK 4 4 0 4 false aggregated 11-20 02:00",
            // Not aggregated yet: live counters, no distinct contacts.
            "11 2026-11-20 SENT 7 - 0 7 false live 11-20 10:00",
            "11 2026-11-20 OPEN 2 - 0 2 false live 11-20 10:00",
            "12 2026-11-20 OPEN 5 - 0 5 false live 11-20 10:00",
        ]
    );
}

#[tokio::test]
async fn the_funnel_counts_late_events_and_rounds_rates_to_four_places() {
    let (_db, mut client) = seeded().await;
    let tx = app_tx(&mut client, Some(1)).await;
    let columns = "sent::text, opened::text, clicked::text, form_views::text, form_submits::text,
                   bounced::text, unsubscribed::text, delivered::text, open_rate::text,
                   click_rate::text, click_to_open::text, form_submit_rate::text,
                   bounce_rate::text, unsubscribe_rate::text";
    // 43 opens (40 final + 3 late) of 95 delivered; 10 clicks of 43 opens.
    assert_eq!(
        rows(
            &tx,
            &format!(
                "SELECT {columns} FROM campaign_funnel_daily
                  WHERE campaign_id = 11 AND day = '2026-11-18'"
            )
        )
        .await,
        ["100 43 10 8 2 5 1 95 0.4526 0.1053 0.2326 0.2500 0.0500 0.0105"]
    );
    // All days, summed first: 162 sent, 57 opened, 16 clicked (2 of them late-only).
    assert_eq!(
        rows(
            &tx,
            &format!(
                "SELECT campaign_name, first_day::text, last_day::text, {columns}
                   FROM campaign_funnel WHERE campaign_id = 11"
            )
        )
        .await,
        ["Acme November 2026-11-17 2026-11-20 \
             162 57 16 8 2 5 1 157 0.3631 0.1019 0.2807 0.2500 0.0309 0.0064"]
    );
}

#[tokio::test]
async fn zero_denominators_give_null_rates() {
    let (_db, mut client) = seeded().await;
    let tx = app_tx(&mut client, Some(1)).await;
    let rates = "open_rate::text, click_rate::text, click_to_open::text, form_submit_rate::text,
                 bounce_rate::text, unsubscribe_rate::text";
    // Only late clicks: nothing sent, opened or viewed.
    assert_eq!(
        rows(
            &tx,
            &format!(
                "SELECT sent::text, delivered::text, clicked::text, {rates} FROM campaign_funnel_daily
                  WHERE campaign_id = 11 AND day = '2026-11-17'"
            )
        )
        .await,
        ["0 0 2 - - - - - -"]
    );
    // Opens but nothing sent; the campaign is gone from campaigns, so no name.
    assert_eq!(
        rows(
            &tx,
            &format!(
                "SELECT coalesce(campaign_name, '(none)'), sent::text, opened::text, {rates}
                   FROM campaign_funnel WHERE campaign_id = 12"
            )
        )
        .await,
        ["(none) 0 5 - - 0.0000 - - -"]
    );
    // More bounces than sends on a day: a negative denominator is no rate either.
    assert_eq!(
        rows(
            &tx,
            "SELECT coalesce(tally_rate(3, -2)::text, '-'), tally_rate(1, 3)::text, \
                    coalesce(tally_rate(1, 0)::text, '-')"
        )
        .await,
        ["- 0.3333 -"]
    );
}

const VIEWS: [&str; 3] = [
    "campaign_daily_stats",
    "campaign_funnel_daily",
    "campaign_funnel",
];

async fn organizations_seen(client: &impl GenericClient) -> Vec<String> {
    let mut seen = Vec::new();
    for view in VIEWS {
        seen.extend(
            rows(
                client,
                &format!(
                    "SELECT '{view} ' || organization_id || ' ' || count(*)
                       FROM {view} GROUP BY organization_id ORDER BY organization_id"
                ),
            )
            .await,
        );
    }
    seen
}

#[tokio::test]
async fn each_organization_sees_only_its_own_rows_through_the_views() {
    let (_db, mut client) = seeded().await;
    for (org, expected) in [
        (
            Some(1),
            vec![
                "campaign_daily_stats 1 14",
                "campaign_funnel_daily 1 5",
                "campaign_funnel 1 2",
            ],
        ),
        (
            Some(2),
            vec![
                "campaign_daily_stats 2 3",
                "campaign_funnel_daily 2 3",
                "campaign_funnel 2 1",
            ],
        ),
        (None, vec![]),
    ] {
        let tx = app_tx(&mut client, org).await;
        assert_eq!(
            organizations_seen(&tx).await,
            expected,
            "organization {org:?}"
        );
        tx.rollback().await.unwrap();
    }
    // Organization 2's live count is its own, not organization 1's.
    let tx = app_tx(&mut client, Some(2)).await;
    assert_eq!(
        rows(&tx, DAILY).await,
        [
            "21 2026-11-17 OPEN 0 - 7 7 true final 11-20 02:00",
            "21 2026-11-19 SENT 1000 999 0 1000 false live 11-20 09:00",
            "21 2026-11-20 SENT 9 - 0 9 false live 11-20 10:00",
        ]
    );
}

/// A login role set up as docs/dashboards.md tells, for Grafana; dropped at the end.
struct LoginRole<'a> {
    name: String,
    admin: &'a Client,
}

impl<'a> LoginRole<'a> {
    async fn create(db: &TestDb, admin: &'a Client, org: Option<i64>) -> LoginRole<'a> {
        let name = format!("{}_grafana", db.name());
        admin
            .batch_execute(&format!(
                "CREATE ROLE {name} LOGIN PASSWORD 'dashboards' IN ROLE {APP_ROLE}"
            ))
            .await
            .unwrap();
        if let Some(org) = org {
            // Scoped to the test's database (the docs set it for every database).
            admin
                .batch_execute(&format!(
                    "ALTER ROLE {name} IN DATABASE {} SET tally.organization_id = '{org}'",
                    db.name()
                ))
                .await
                .unwrap();
        }
        LoginRole { name, admin }
    }

    async fn remove(self) {
        self.admin
            .batch_execute(&format!("DROP ROLE {}", self.name))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_grafana_login_sees_its_organization_by_role_default_or_connection_option() {
    let (db, admin) = seeded().await;
    let role = LoginRole::create(&db, &admin, Some(2)).await;

    // The role's default setting, as for Grafana.
    let grafana = db.connect_as(&role.name, "dashboards").await;
    assert_eq!(
        organizations_seen(&grafana).await,
        [
            "campaign_daily_stats 2 3",
            "campaign_funnel_daily 2 3",
            "campaign_funnel 2 1"
        ]
    );
    drop(grafana);

    // options=-c overrides it per connection.
    let mut config = db.config().clone();
    config
        .user(&role.name)
        .password("dashboards")
        .options("-c tally.organization_id=1");
    let (client, connection) = config.connect(NoTls).await.unwrap();
    let task = tokio::spawn(connection);
    assert_eq!(
        organizations_seen(&client).await,
        [
            "campaign_daily_stats 1 14",
            "campaign_funnel_daily 1 5",
            "campaign_funnel 1 2"
        ]
    );
    drop(client);
    task.await.unwrap().unwrap();
    role.remove().await;
}

#[tokio::test]
async fn a_grafana_login_without_a_tenant_sees_nothing() {
    let (db, admin) = seeded().await;
    let role = LoginRole::create(&db, &admin, None).await;
    let grafana = db.connect_as(&role.name, "dashboards").await;
    assert_eq!(organizations_seen(&grafana).await, Vec::<String>::new());
    drop(grafana);
    role.remove().await;
}

/// Grafana's macros as it expands them for a fixed range and `$campaign` = 11.
fn expand_grafana_macros(sql: &str) -> String {
    sql.replace(
        "$__timeGroupAlias(day, '1d')",
        "floor(extract(epoch from day)/86400)*86400 AS \"time\"",
    )
    .replace(
        "$__timeFilter(day)",
        "day BETWEEN '2026-11-17T13:45:00Z' AND '2026-11-20T23:59:59Z'",
    )
    .replace(
        "$__timeFilter(last_day)",
        "last_day BETWEEN '2026-11-17T13:45:00Z' AND '2026-11-20T23:59:59Z'",
    )
    .replace("$campaign", "11")
}

/// The SQL blocks of docs/dashboards.md fenced as `sql grafana`.
fn documented_queries() -> Vec<String> {
    let mut queries = Vec::new();
    let mut current: Option<String> = None;
    for line in DOC.lines() {
        match (&mut current, line.trim()) {
            (None, "```sql grafana") => current = Some(String::new()),
            (Some(sql), "```") => {
                queries.push(std::mem::take(sql));
                current = None;
            }
            (Some(sql), _) => {
                sql.push_str(line);
                sql.push('\n');
            }
            (None, _) => {}
        }
    }
    queries
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

#[tokio::test]
async fn every_documented_grafana_query_runs_as_the_tenant_and_reads_no_events() {
    let (_db, mut client) = seeded().await;
    // Events that a view reading `events` would find, and live counters for today.
    client
        .batch_execute(
            "SELECT tally_create_day_partition('2026-11-20');
             INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at)
             VALUES ('01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40', 1, 11, 1, 'SENT', '2026-11-20 09:00+00');
             INSERT INTO event_counters (organization_id, campaign_id, event_type, day, shard, event_count)
             VALUES (1, 11, 'SENT', (now() AT TIME ZONE 'UTC')::date, 9, 42);
             ANALYZE",
        )
        .await
        .unwrap();

    let queries = documented_queries();
    assert_eq!(queries.len(), 8, "docs/dashboards.md: {queries:#?}");
    let tx = app_tx(&mut client, Some(1)).await;
    for query in queries {
        let sql = expand_grafana_macros(&query);
        assert!(!sql.contains('$'), "unexpanded macro in {sql}");
        let found = tx
            .query(&sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {}", schema::describe_pg_error(&e)));
        assert!(!found.is_empty(), "no rows from {sql}");

        let plan: serde_json::Value = tx
            .query_one(&format!("EXPLAIN (FORMAT JSON) {sql}"), &[])
            .await
            .unwrap()
            .get(0);
        let mut read = Vec::new();
        relations(&plan, &mut read);
        read.sort();
        read.dedup();
        assert!(!read.is_empty(), "{sql}: no relation found in {plan}");
        let allowed = [
            "campaigns",
            "event_aggregations",
            "event_counters",
            "event_late_counts",
            "event_unique_contacts",
        ];
        assert!(
            read.iter().all(|r| allowed.contains(&r.as_str())),
            "{sql}\nreads {read:?}"
        );
    }

    // The time series: campaign 11's final, aggregated and live counts of days 17 to 20.
    let series = queries_with("$__timeGroupAlias");
    let points = rows(
        &tx,
        &format!(
            "SELECT to_char(to_timestamp(time) AT TIME ZONE 'UTC', 'MM-DD'), metric, events::text
               FROM ({}) q ORDER BY 1, 2",
            expand_grafana_macros(&series)
        ),
    )
    .await;
    assert_eq!(
        points,
        [
            "11-17 CLICK 0",
            "11-18 BOUNCE 5",
            "11-18 CLICK 10",
            "11-18 FORM_SUBMIT 2",
            "11-18 FORM_VIEW 8",
            "11-18 OPEN 40",
            "11-18 SENT 100",
            "11-18 UNSUBSCRIBE 1",
            "11-19 CLICK 4",
            "11-19 OPEN 12",
            "11-19 SENT 55",
            "11-20 OPEN 2",
            "11-20 SENT 7",
        ]
    );
}

/// The one documented query that contains `marker`.
fn queries_with(marker: &str) -> String {
    let mut found = documented_queries()
        .into_iter()
        .filter(|q| q.contains(marker));
    let query = found.next().unwrap();
    assert!(found.next().is_none(), "more than one query with {marker}");
    query
}

#[tokio::test]
async fn an_organizations_time_range_across_campaigns_uses_the_org_day_index() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    // Three organizations x 100 campaigns x 60 days x 7 types, like a season of dashboards.
    client
        .batch_execute(
            "INSERT INTO event_aggregations (organization_id, campaign_id, event_type, day,
                                             event_count, unique_contacts, is_final, counted_through)
             SELECT o, c, t, d, 10, 5, true, d + 2
               FROM generate_series(1, 3) o, generate_series(1, 100) c,
                    unnest(enum_range(NULL::event_type)) t,
                    (SELECT (DATE '2026-09-01' + i) AS d FROM generate_series(0, 59) i) days;
             ANALYZE event_aggregations",
        )
        .await
        .unwrap();
    let tx = app_tx(&mut client, Some(1)).await;
    let plan = rows(
        &tx,
        "EXPLAIN SELECT day, event_type, sum(event_count) FROM campaign_daily_stats
          WHERE day BETWEEN '2026-10-20' AND '2026-10-26' GROUP BY 1, 2",
    )
    .await
    .join("\n");
    assert!(plan.contains("event_aggregations_org_day_idx"), "{plan}");
    assert!(!plan.contains("Seq Scan on event_aggregations"), "{plan}");
}

#[tokio::test]
async fn rolling_back_0010_makes_event_counters_a_pipeline_table_again() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    let state = "SELECT c.relrowsecurity::text,
                        (SELECT count(*) FROM pg_policy p
                          WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation')::text,
                        has_table_privilege('tally_app', c.oid, 'SELECT')::text,
                        (SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%org_day_idx')::text,
                        (SELECT count(*) FROM pg_views
                          WHERE viewname IN ('campaign_daily_stats', 'campaign_funnel_daily', 'campaign_funnel'))::text
                   FROM pg_class c WHERE c.relname = 'event_counters'";
    assert_eq!(rows(&client, state).await, ["true 1 true 2 3"]);
    Migrator::default().down_to(&mut client, 9).await.unwrap();
    assert_eq!(rows(&client, state).await, ["false 0 false 0 0"]);
    Migrator::default().up(&mut client).await.unwrap();
    assert_eq!(rows(&client, state).await, ["true 1 true 2 3"]);
}

#[tokio::test]
async fn unique_contacts_show_each_period_with_its_bounds_to_its_own_tenant_only() {
    let (_db, mut client) = seeded().await;
    let tx = app_tx(&mut client, Some(1)).await;
    assert_eq!(
        rows(
            &tx,
            "SELECT organization_id::text, period, coalesce(period_start::text, '-'),
                    coalesce(period_end::text, '-'), unique_contacts::text
               FROM campaign_unique_contacts ORDER BY period"
        )
        .await,
        [
            "1 lifetime - - 150",
            "1 month 2026-11-01 2026-12-01 140",
            "1 week 2026-11-16 2026-11-23 140",
        ]
    );
}
