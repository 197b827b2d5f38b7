//! Row-level security: connected as the application role with one organization set, no
//! row of another organization is visible or writable, in any tenant table. Tables are
//! enumerated from the catalog, so a new table that the application role can reach
//! without a policy fails here.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::app_tx;
use schema::{APP_ROLE, OrganizationId, begin_tenant};
use testkit::TestDb;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// Tables the application role must not reach at all: the pipeline's own state.
const PIPELINE_TABLES: &[&str] = &[
    "anonymized_partitions",
    "anonymized_tables",
    "archived_partitions",
    "event_invalidations",
    "event_sketch_fragments",
    "gdpr_erased_contacts",
    "gdpr_erasure_steps",
    "gdpr_subjects",
    "ingest_offsets",
    "job_runs",
    "rate_limit_buckets",
    "tally_migrations",
];

/// Global reference data the application role may only read.
const REFERENCE_TABLES: &[&str] = &["permissions"];

const FIXTURE: &str = include_str!("../fixtures/two_tenants.sql");

#[derive(Debug)]
struct Table {
    name: String,
    rls: bool,
    has_policy: bool,
    has_org: bool,
    select: bool,
    insert: bool,
    update: bool,
    delete: bool,
}

async fn tables(client: &Client) -> Vec<Table> {
    client
        .query(
            "SELECT c.relname::text, c.relrowsecurity,
                    EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid),
                    EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                              AND a.attname = 'organization_id' AND NOT a.attisdropped),
                    has_table_privilege($1, c.oid, 'SELECT'),
                    has_table_privilege($1, c.oid, 'INSERT'),
                    has_table_privilege($1, c.oid, 'UPDATE'),
                    has_table_privilege($1, c.oid, 'DELETE')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              ORDER BY 1",
            &[&APP_ROLE],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| Table {
            name: r.get(0),
            rls: r.get(1),
            has_policy: r.get(2),
            has_org: r.get(3),
            select: r.get(4),
            insert: r.get(5),
            update: r.get(6),
            delete: r.get(7),
        })
        .collect()
}

/// Runs `sql` as the application role for `org` in a transaction that is rolled back,
/// returning the affected row count or the error.
async fn as_app(
    client: &mut Client,
    org: Option<i64>,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<u64, tokio_postgres::Error> {
    let tx = app_tx(client, org).await;
    let result = tx.execute(sql, params).await;
    tx.rollback().await.ok();
    result
}

async fn count_as_app(client: &mut Client, org: Option<i64>, sql: &str) -> i64 {
    let tx = app_tx(client, org).await;
    let n = tx
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", schema::describe_pg_error(&e)))
        .get(0);
    tx.rollback().await.ok();
    n
}

fn is_refused(result: Result<u64, tokio_postgres::Error>, what: &str) {
    match result {
        Ok(n) => panic!("{what}: accepted ({n} rows)"),
        Err(e) => assert_eq!(
            e.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{what}: refused for another reason: {}",
            schema::describe_pg_error(&e)
        ),
    }
}

#[tokio::test]
async fn the_application_role_cannot_bypass_row_level_security() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let row = client
        .query_one(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1",
            &[&APP_ROLE],
        )
        .await
        .unwrap();
    assert!(!row.get::<_, bool>(0), "{APP_ROLE} is a superuser");
    assert!(
        !row.get::<_, bool>(1),
        "{APP_ROLE} bypasses row-level security"
    );
}

#[tokio::test]
async fn every_table_is_classified_and_every_reachable_one_has_a_policy() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    for t in tables(&client).await {
        let reachable = t.select || t.insert || t.update || t.delete;
        if PIPELINE_TABLES.contains(&t.name.as_str()) {
            assert!(
                !reachable,
                "{}: pipeline table reachable by {APP_ROLE}",
                t.name
            );
        } else if REFERENCE_TABLES.contains(&t.name.as_str()) {
            assert!(
                !t.has_org,
                "{}: reference table with organization_id",
                t.name
            );
            assert!(
                t.select && !t.insert && !t.update && !t.delete,
                "{}: reference data must be read-only for {APP_ROLE}: {t:?}",
                t.name
            );
        } else {
            assert!(
                t.rls && t.has_policy,
                "{}: neither a pipeline nor a reference table, yet has no row-level \
                 security policy (call tally_enable_tenant_rls in its migration): {t:?}",
                t.name
            );
            assert!(
                t.has_org || t.name == "organizations" || t.name == "users",
                "{}: tenant table without organization_id",
                t.name
            );
        }
    }
}

#[tokio::test]
async fn organization_a_sees_and_writes_nothing_of_organization_b() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    client.batch_execute(FIXTURE).await.unwrap();

    let mut checked = Vec::new();
    for t in tables(&client).await {
        // Every table that is neither pipeline nor reference data is a tenant table,
        // whether or not its migration remembered row-level security.
        let name_str = t.name.as_str();
        if PIPELINE_TABLES.contains(&name_str)
            || REFERENCE_TABLES.contains(&name_str)
            || name_str == "users"
        {
            continue;
        }
        let key = if t.has_org { "organization_id" } else { "id" };
        let name = &t.name;
        let owner_count = |org: i64| {
            let sql = format!("SELECT count(*) FROM {name} WHERE {key} = {org}");
            let client = &client;
            async move { client.query_one(&sql, &[]).await.unwrap().get::<_, i64>(0) }
        };
        let (own, other) = (owner_count(1).await, owner_count(2).await);
        assert!(
            own > 0 && other > 0,
            "{name}: the fixture needs rows for both organizations (has {own} and {other}); \
             add them to schema/tests/fixtures/two_tenants.sql"
        );

        // Reading: exactly our rows, none of theirs; nothing at all without a tenant.
        assert_eq!(
            count_as_app(
                &mut client,
                Some(1),
                &format!("SELECT count(*) FROM {name}")
            )
            .await,
            own,
            "{name}: organization 1 does not see exactly its own rows"
        );
        assert_eq!(
            count_as_app(
                &mut client,
                Some(1),
                &format!("SELECT count(*) FROM {name} WHERE {key} = 2")
            )
            .await,
            0,
            "{name}: organization 2's rows are visible to organization 1"
        );
        assert_eq!(
            count_as_app(&mut client, None, &format!("SELECT count(*) FROM {name}")).await,
            0,
            "{name}: rows are visible with no organization set"
        );

        // Writing: their rows cannot be changed or removed; ours cannot be moved to them,
        // and no row of theirs can be created.
        if t.update {
            let n = as_app(
                &mut client,
                Some(1),
                &format!("UPDATE {name} SET {key} = {key} WHERE {key} = 2"),
                &[],
            )
            .await
            .unwrap();
            assert_eq!(n, 0, "{name}: organization 1 updated organization 2's rows");
            is_refused(
                as_app(
                    &mut client,
                    Some(1),
                    &format!("UPDATE {name} SET {key} = 2 WHERE {key} = 1"),
                    &[],
                )
                .await,
                &format!("{name}: moving a row to organization 2"),
            );
        } else {
            is_refused(
                as_app(
                    &mut client,
                    Some(1),
                    &format!("UPDATE {name} SET {key} = {key}"),
                    &[],
                )
                .await,
                &format!("{name}: UPDATE without the privilege"),
            );
        }
        if t.delete {
            let n = as_app(
                &mut client,
                Some(1),
                &format!("DELETE FROM {name} WHERE {key} = 2"),
                &[],
            )
            .await
            .unwrap();
            assert_eq!(n, 0, "{name}: organization 1 deleted organization 2's rows");
        }
        let theirs: String = client
            .query_one(
                &format!("SELECT to_jsonb(t)::text FROM {name} t WHERE {key} = 2 LIMIT 1"),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        is_refused(
            as_app(
                &mut client,
                Some(1),
                &format!("INSERT INTO {name} SELECT * FROM jsonb_populate_record(NULL::{name}, $1::text::jsonb)"),
                &[&theirs],
            )
            .await,
            &format!("{name}: inserting a row of organization 2"),
        );
        checked.push(t.name);
    }
    assert!(
        checked.len() >= 18,
        "only {} tenant tables checked: {checked:?}",
        checked.len()
    );

    // Everything was rolled back: the owner still sees the fixture intact.
    let orgs: i64 = client
        .query_one(
            "SELECT count(*) FROM campaigns WHERE organization_id = 2",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(orgs, 1);
}

#[tokio::test]
async fn users_are_visible_only_through_a_membership_of_the_organization() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    client.batch_execute(FIXTURE).await.unwrap();
    let tx = app_tx(&mut client, Some(1)).await;
    let ids: Vec<i64> = testkit::column(&tx, "SELECT id FROM users ORDER BY id").await;
    // Alice is in organization 1, Bob only in 2, Carol in both.
    assert_eq!(ids, vec![1, 3]);
    let n = tx
        .execute("UPDATE users SET full_name = 'Mallory' WHERE id = 2", &[])
        .await
        .unwrap();
    assert_eq!(n, 0, "organization 1 renamed a user of organization 2 only");
}

#[tokio::test]
async fn partitions_cannot_be_read_directly_by_the_application_role() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    client.batch_execute(FIXTURE).await.unwrap();
    let partition: String = client
        .query_one("SELECT tally_create_day_partition('2026-11-20')", &[])
        .await
        .unwrap()
        .get(0);
    is_refused(
        as_app(
            &mut client,
            Some(1),
            &format!("SELECT * FROM {partition}"),
            &[],
        )
        .await,
        "reading a partition directly, around the parent's policy",
    );
}

#[tokio::test]
async fn begin_tenant_scopes_a_transaction_to_one_organization() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    client.batch_execute(FIXTURE).await.unwrap();
    client
        .batch_execute(&format!("SET ROLE {APP_ROLE}"))
        .await
        .unwrap();
    for (org, expected) in [(1, "Acme November"), (2, "Globex November")] {
        let tx = begin_tenant(&mut client, OrganizationId(org))
            .await
            .unwrap();
        let names: Vec<String> = testkit::column(&tx, "SELECT name FROM campaigns").await;
        assert_eq!(names, vec![expected.to_owned()]);
        tx.commit().await.unwrap();
    }
    // The setting was transaction-local: outside a tenant transaction nothing shows.
    let n: i64 = client
        .query_one("SELECT count(*) FROM campaigns", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

/// The API's one door before it knows the tenant: a live key's hash gives its own
/// organization, key, role and permissions to any role, and nothing for a revoked key,
/// an unknown hash or a soft-deleted organization.
#[tokio::test]
async fn an_api_key_authenticates_as_its_organization_only() {
    use schema::domains::api_keys;
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    client.batch_execute(FIXTURE).await.unwrap();
    let hash = |key: &str| -> Vec<u8> {
        use sha2::Digest;
        sha2::Sha256::digest(key.as_bytes()).to_vec()
    };
    let tx = app_tx(&mut client, None).await;
    let caller = api_keys::authenticate()
        .bind(&tx, &hash("tly_acme_fixture_key"))
        .opt()
        .await
        .unwrap()
        .expect("the fixture's key of organization 1 authenticates");
    assert_eq!(
        (caller.organization_id, caller.key_id, caller.role_id),
        (1, 11, 11)
    );
    assert_eq!(
        caller.permissions,
        ["campaign.read", "campaign.write", "contact.write"]
    );
    for unknown in ["tly_acme_fixture_ke", "", "tly_globex_fixture_key "] {
        assert!(
            api_keys::authenticate()
                .bind(&tx, &hash(unknown))
                .opt()
                .await
                .unwrap()
                .is_none(),
            "{unknown:?} authenticated"
        );
    }
    tx.rollback().await.unwrap();

    client
        .batch_execute(
            "UPDATE api_keys SET revoked_at = now() WHERE id = 11;
             UPDATE organizations SET deleted_at = now() WHERE id = 2;",
        )
        .await
        .unwrap();
    let tx = app_tx(&mut client, None).await;
    for key in ["tly_acme_fixture_key", "tly_globex_fixture_key"] {
        assert!(
            api_keys::authenticate()
                .bind(&tx, &hash(key))
                .opt()
                .await
                .unwrap()
                .is_none(),
            "{key}: a revoked key or a deleted organization's key authenticated"
        );
    }
}
