//! The dashboard reader (migration 0022): a login in `tally_dashboards`, as Grafana
//! connects, reads the dashboard views of every organization and exactly the tables
//! under them, no personal data, no events, and writes nothing.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use schema::{APP_ROLE, Migrator};
use testkit::{TestDb, TestLogin};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// The role migration 0022 creates.
const DASHBOARD_ROLE: &str = "tally_dashboards";

/// Two organizations, each with a campaign, aggregates, live counters, late counts,
/// unique-contact estimates; one job run.
const SEED: &str = "
INSERT INTO organizations (id, name, domain) VALUES (1, 'Acme', 'acme.example'), (2, 'Globex', 'globex.example');
INSERT INTO campaigns (organization_id, id, name) VALUES (1, 11, 'Acme November'), (2, 21, 'Globex November');
INSERT INTO event_aggregations (organization_id, campaign_id, event_type, day, event_count, unique_contacts,
                                is_final, counted_through, computed_at) VALUES
    (1, 11, 'SENT', '2026-11-18', 100, 100, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00'),
    (2, 21, 'SENT', '2026-11-18', 300, 290, true, '2026-11-20 00:00+00', '2026-11-20 02:00+00');
INSERT INTO event_late_counts (organization_id, campaign_id, event_type, day, late_events, computed_at) VALUES
    (1, 11, 'SENT', '2026-11-18', 2, '2026-11-21 02:00+00'),
    (2, 21, 'SENT', '2026-11-18', 5, '2026-11-21 02:00+00');
INSERT INTO event_counters (organization_id, campaign_id, event_type, day, shard, event_count) VALUES
    (1, 11, 'OPEN', '2026-11-20', 0, 7),
    (2, 21, 'OPEN', '2026-11-20', 0, 9);
INSERT INTO event_unique_contacts (organization_id, campaign_id, event_type, period, period_start,
                                   unique_contacts, events, first_day, last_day, sketch) VALUES
    (1, 11, 'SENT', 'lifetime', '1970-01-01', 100, 102, '2026-11-18', '2026-11-18', '\\x0100'),
    (2, 21, 'SENT', 'lifetime', '1970-01-01', 290, 305, '2026-11-18', '2026-11-18', '\\x0100');
INSERT INTO job_runs (job, started_at, finished_at, status, rows_affected)
VALUES ('aggregate', '2026-11-21 02:00+00', '2026-11-21 02:01+00', 'succeeded', 12);
SELECT tally_create_day_partition('2026-11-18');
";

/// What the role may read: the views and, under them, the aggregates, live counters,
/// late counts and estimates; campaign and organization labels; job runs.
const READABLE: [&str; 11] = [
    "campaign_daily_stats",
    "campaign_funnel",
    "campaign_funnel_daily",
    "campaign_unique_contacts",
    "campaigns",
    "event_aggregations",
    "event_counters",
    "event_late_counts",
    "event_unique_contacts",
    "job_runs",
    "organizations",
];

/// A seeded database, a login in `tally_dashboards` as an operator makes Grafana's, and
/// a connection as it.
async fn seeded() -> (TestDb, TestLogin, Client) {
    let db = TestDb::migrated().await;
    db.connect().await.batch_execute(SEED).await.unwrap();
    let grafana = db.login_in(DASHBOARD_ROLE).await;
    let client = grafana.connect().await;
    (db, grafana, client)
}

/// The first column of every row, as text.
async fn texts(client: &Client, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", schema::describe_pg_error(&e)))
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Asserts that `sql` is refused for lack of privilege.
async fn refused(client: &Client, sql: &str) {
    match client.batch_execute(sql).await {
        Ok(()) => panic!("{sql}: allowed to the dashboard role"),
        Err(e) => assert_eq!(
            e.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: {}",
            schema::describe_pg_error(&e)
        ),
    }
}

#[tokio::test]
async fn the_role_reads_every_organization_through_the_views_with_no_tenant_set() {
    let (_db, _grafana, client) = seeded().await;
    assert_eq!(
        texts(
            &client,
            "SELECT coalesce(current_setting('tally.organization_id', true), '')"
        )
        .await,
        [""]
    );
    for (sql, expected) in [
        (
            "SELECT organization_id || ' ' || campaign_id || ' ' || total_events
               FROM campaign_daily_stats WHERE day = '2026-11-18' ORDER BY 1",
            vec!["1 11 102", "2 21 305"],
        ),
        (
            "SELECT organization_id || ' ' || campaign_name || ' ' || sent
               FROM campaign_funnel ORDER BY 1",
            vec!["1 Acme November 102", "2 Globex November 305"],
        ),
        (
            "SELECT organization_id || ' ' || opened FROM campaign_funnel_daily
              WHERE day = '2026-11-20' ORDER BY 1",
            vec!["1 7", "2 9"],
        ),
        (
            "SELECT organization_id || ' ' || unique_contacts FROM campaign_unique_contacts ORDER BY 1",
            vec!["1 100", "2 290"],
        ),
        (
            "SELECT id || ' ' || name FROM organizations WHERE deleted_at IS NULL ORDER BY id",
            vec!["1 Acme", "2 Globex"],
        ),
        (
            "SELECT organization_id || ' ' || id || ' ' || name FROM campaigns ORDER BY 1",
            vec!["1 11 Acme November", "2 21 Globex November"],
        ),
        (
            "SELECT job || ' ' || status FROM job_runs",
            vec!["aggregate succeeded"],
        ),
    ] {
        assert_eq!(texts(&client, sql).await, expected, "{sql}");
    }
    // A panel's organization variable selects one.
    assert_eq!(
        texts(
            &client,
            "SELECT campaign_id::text FROM campaign_daily_stats WHERE organization_id = 2"
        )
        .await,
        ["21", "21"]
    );
}

#[tokio::test]
async fn the_role_can_select_from_exactly_the_dashboard_relations() {
    let (db, grafana, _client) = seeded().await;
    let admin = db.connect().await;
    let readable = texts(
        &admin,
        &format!(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                AND has_any_column_privilege('{}', c.oid, 'SELECT')
              ORDER BY 1",
            grafana.name()
        ),
    )
    .await;
    assert_eq!(readable, READABLE);
    // Not even the identity sequences.
    assert_eq!(
        texts(
            &admin,
            &format!(
                // OFFSET 0 keeps the check from running on relations that are no sequence.
                "SELECT relname::text FROM (
                     SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = 'public' AND c.relkind = 'S' OFFSET 0) s
                  WHERE has_sequence_privilege('{}', s.oid, 'USAGE, SELECT, UPDATE')",
                grafana.name()
            )
        )
        .await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn the_role_cannot_read_events_or_personal_data() {
    let (_db, _grafana, client) = seeded().await;
    for sql in [
        "SELECT 1 FROM events LIMIT 1",
        "SELECT 1 FROM events_p20261118 LIMIT 1",
        "SELECT 1 FROM contacts LIMIT 1",
        "SELECT 1 FROM contact_lists LIMIT 1",
        "SELECT 1 FROM leads LIMIT 1",
        "SELECT 1 FROM form_responses LIMIT 1",
        "SELECT 1 FROM users LIMIT 1",
        "SELECT 1 FROM memberships LIMIT 1",
        "SELECT 1 FROM audit_logs LIMIT 1",
        "SELECT 1 FROM api_keys LIMIT 1",
        "SELECT 1 FROM gdpr_requests LIMIT 1",
        "SELECT 1 FROM gdpr_subjects LIMIT 1",
        "SELECT 1 FROM gdpr_erased_contacts LIMIT 1",
        "SELECT 1 FROM data_deletions LIMIT 1",
        "SELECT 1 FROM dead_letters LIMIT 1",
        "SELECT 1 FROM validation_logs LIMIT 1",
        "SELECT 1 FROM email_send_simulations LIMIT 1",
        "SELECT 1 FROM event_sketch_fragments LIMIT 1",
        // Only the labels of the tables it reads.
        "SELECT * FROM campaigns",
        "SELECT landing_page_slug FROM campaigns",
        "SELECT domain FROM organizations",
        "SELECT sketch FROM event_unique_contacts",
        // The owner's lookups are the application's only.
        "SELECT * FROM tally_contact_by_email(1, 'a@example.com')",
        "SELECT * FROM tally_authenticate('\\x00')",
    ] {
        refused(&client, sql).await;
    }
}

#[tokio::test]
async fn the_role_cannot_write_anything() {
    let (db, grafana, client) = seeded().await;
    // The tables, each with a column it can read; the views are checked below (a write
    // to one fails as not updatable before any privilege is looked at).
    for (table, column) in [
        ("campaigns", "name"),
        ("event_aggregations", "event_count"),
        ("event_counters", "event_count"),
        ("event_late_counts", "late_events"),
        ("event_unique_contacts", "unique_contacts"),
        ("job_runs", "status"),
        ("organizations", "name"),
    ] {
        for sql in [
            format!("INSERT INTO {table} DEFAULT VALUES"),
            format!("UPDATE {table} SET {column} = {column}"),
            format!("DELETE FROM {table}"),
            format!("TRUNCATE {table}"),
        ] {
            refused(&client, &sql).await;
        }
    }
    refused(&client, "CREATE TABLE mine (x int)").await;
    refused(&client, &format!("SET ROLE {APP_ROLE}")).await;
    refused(&client, "SELECT tally_take_token(1, 'b', 'a', 1000, 10)").await;
    refused(&client, "SELECT tally_create_day_partition('2026-11-19')").await;

    let admin = db.connect().await;
    // No write privilege on any relation, column or schema of ours.
    assert_eq!(
        texts(
            &admin,
            &format!(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                    AND (has_table_privilege('{r}', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                         OR has_any_column_privilege('{r}', c.oid, 'INSERT, UPDATE, REFERENCES'))",
                r = grafana.name()
            )
        )
        .await,
        Vec::<String>::new()
    );
    // The functions that run as their owner and that it may call only read (a
    // non-volatile function cannot write).
    assert_eq!(
        texts(
            &admin,
            &format!(
                "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'public' AND p.prosecdef AND p.provolatile = 'v'
                    AND has_function_privilege('{}', p.oid, 'EXECUTE')",
                grafana.name()
            )
        )
        .await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn rolling_back_0022_removes_the_policies_and_grants_and_up_restores_them() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    let state = format!(
        "SELECT (SELECT count(*) FROM pg_policy WHERE polname = 'dashboards_read')::text || ' ' ||
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')
                    AND has_any_column_privilege('{DASHBOARD_ROLE}', c.oid, 'SELECT'))::text"
    );
    assert_eq!(texts(&client, &state).await, ["6 11"]);
    Migrator::default().down_to(&mut client, 21).await.unwrap();
    // The role itself stays while other databases of the cluster (the tests' template)
    // still grant it something.
    assert_eq!(texts(&client, &state).await, ["0 0"]);
    Migrator::default().up(&mut client).await.unwrap();
    assert_eq!(texts(&client, &state).await, ["6 11"]);
}
