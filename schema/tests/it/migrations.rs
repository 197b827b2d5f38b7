//! The migration runner against a real Postgres: apply, re-run, roll back, refuse edits.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use schema::{
    AssignmentStatus, CampaignStatus, EventType, GdprRequestStatus, GdprRequestType, JobStatus,
    LeadStatus, MIGRATIONS, MigrateError, Migration, MigrationState, Migrator, PgEnum,
    ValidationStatus,
};
use testkit::TestDb;
use tokio_postgres::Client;

fn all_versions() -> Vec<u32> {
    MIGRATIONS.iter().map(|m| m.version).collect()
}

/// Our objects in the public schema: tables, types, domains, functions.
async fn our_objects(client: &Client) -> Vec<String> {
    let rows = client
        .query(
            "SELECT 'table ' || relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND relkind IN ('r','p','v','m','S') AND relname <> 'tally_migrations'
             UNION ALL
             SELECT 'type ' || typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE n.nspname = 'public' AND t.typtype IN ('e','d')
             UNION ALL
             SELECT 'function ' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public'
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn applies_to_an_empty_database_and_a_second_run_is_a_no_op() {
    let db = TestDb::empty().await;
    let mut client = db.connect().await;
    assert!(our_objects(&client).await.is_empty());

    let applied = Migrator::default().up(&mut client).await.unwrap();
    assert_eq!(applied, all_versions());
    let objects = our_objects(&client).await;
    for expected in [
        "table events",
        "table organizations",
        "table audit_logs",
        "type event_type",
    ] {
        assert!(
            objects.iter().any(|o| o == expected),
            "{expected} missing: {objects:?}"
        );
    }

    let again = Migrator::default().up(&mut client).await.unwrap();
    assert!(again.is_empty(), "second run applied {again:?}");
    assert_eq!(our_objects(&client).await, objects);
    let status = Migrator::default().status(&mut client).await.unwrap();
    assert_eq!(status.len(), MIGRATIONS.len());
    assert!(
        status.iter().all(|s| s.state == MigrationState::Applied),
        "{status:?}"
    );
}

#[tokio::test]
async fn down_to_zero_leaves_nothing_and_up_again_works() {
    let db = TestDb::empty().await;
    let mut client = db.connect().await;
    let migrator = Migrator::default();
    migrator.up(&mut client).await.unwrap();
    let full = our_objects(&client).await;

    let mut reversed = all_versions();
    reversed.reverse();
    assert_eq!(migrator.down_to(&mut client, 0).await.unwrap(), reversed);
    assert_eq!(our_objects(&client).await, Vec::<String>::new());
    let status = migrator.status(&mut client).await.unwrap();
    assert!(
        status.iter().all(|s| s.state == MigrationState::Pending),
        "{status:?}"
    );

    assert_eq!(migrator.up(&mut client).await.unwrap(), all_versions());
    assert_eq!(our_objects(&client).await, full);

    // Part of the way down and back up, twice, to catch down files that leave leftovers.
    let middle = (MIGRATIONS.len() / 2) as u32;
    for _ in 0..2 {
        let rolled = migrator.down_to(&mut client, middle).await.unwrap();
        assert_eq!(rolled.len(), MIGRATIONS.len() - middle as usize);
        let status = migrator.status(&mut client).await.unwrap();
        for s in status {
            let expected = if s.version <= middle {
                MigrationState::Applied
            } else {
                MigrationState::Pending
            };
            assert_eq!(s.state, expected, "migration {}", s.version);
        }
        migrator.up(&mut client).await.unwrap();
        assert_eq!(our_objects(&client).await, full);
    }
    assert!(migrator.down_to(&mut client, 999).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_changed_applied_migration_is_refused_naming_the_file() {
    let db = TestDb::empty().await;
    let mut client = db.connect().await;
    Migrator::default().up(&mut client).await.unwrap();

    let mut edited: Vec<Migration> = MIGRATIONS.to_vec();
    edited[2].up = "-- edited after it was applied\nSELECT 1;";
    edited.push(Migration {
        version: MIGRATIONS.len() as u32 + 1,
        name: "would_be_next",
        up: "CREATE TABLE should_not_exist (id int);",
        down: "DROP TABLE should_not_exist;",
    });
    let migrator = Migrator::new(&edited);

    let err = migrator.up(&mut client).await.unwrap_err();
    let file = MIGRATIONS[2].up_file();
    assert!(
        matches!(&err, MigrateError::Changed { file: f, .. } if *f == file),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(&file), "{message}");
    assert!(message.contains("new migration"), "{message}");
    // Nothing was applied after the refusal, and the lock was released.
    let next = client
        .query_opt(
            "SELECT 1 FROM pg_class WHERE relname = 'should_not_exist'",
            &[],
        )
        .await
        .unwrap();
    assert!(next.is_none());
    assert!(migrator.verify(&mut client).await.is_err());
    assert!(migrator.down_to(&mut client, 0).await.is_err());
    let status = migrator.status(&mut client).await.unwrap();
    assert_eq!(status[2].state, MigrationState::Changed);
    assert_eq!(status.last().unwrap().state, MigrationState::Pending);
    Migrator::default().verify(&mut client).await.unwrap();
}

#[tokio::test]
async fn a_database_newer_than_the_build_is_refused() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    let older = Migrator::new(&MIGRATIONS[..2]);
    let err = older.up(&mut client).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::Unknown { version: 3, .. }),
        "{err:?}"
    );
    let status = older.status(&mut client).await.unwrap();
    assert_eq!(status.len(), MIGRATIONS.len());
    assert_eq!(status[2].state, MigrationState::Unknown);
}

#[tokio::test]
async fn a_failing_migration_is_rolled_back_whole_and_named() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    let mut list: Vec<Migration> = MIGRATIONS.to_vec();
    list.push(Migration {
        version: MIGRATIONS.len() as u32 + 1,
        name: "broken",
        up: "CREATE TABLE half_done (id int); SELECT 1/0;",
        down: "DROP TABLE half_done;",
    });
    let err = Migrator::new(&list).up(&mut client).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("_broken.up.sql"), "{message}");
    assert!(message.contains("division by zero"), "{message}");
    let leftover = client
        .query_opt("SELECT 1 FROM pg_class WHERE relname = 'half_done'", &[])
        .await
        .unwrap();
    assert!(leftover.is_none(), "the failed migration's table survived");
    let recorded: i64 = client
        .query_one("SELECT count(*) FROM tally_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(recorded as usize, MIGRATIONS.len());
}

#[tokio::test]
async fn concurrent_runners_apply_each_migration_once() {
    let db = TestDb::empty().await;
    let mut a = db.connect().await;
    let mut b = db.connect().await;
    let (ra, rb) = tokio::join!(async { Migrator::default().up(&mut a).await }, async {
        Migrator::default().up(&mut b).await
    });
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let mut both: Vec<u32> = ra.into_iter().chain(rb).collect();
    both.sort();
    assert_eq!(both, all_versions());
}

async fn labels(client: &Client, pg_type: &str) -> Vec<String> {
    client
        .query_one(&format!("SELECT enum_range(NULL::{pg_type})::text[]"), &[])
        .await
        .unwrap_or_else(|e| panic!("enum {pg_type}: {e}"))
        .get(0)
}

async fn assert_mirrors<E: PgEnum + std::fmt::Debug>(client: &Client) {
    let rust: Vec<&str> = E::ALL.iter().map(|v| v.as_str()).collect();
    assert_eq!(labels(client, E::PG_TYPE).await, rust, "{}", E::PG_TYPE);
}

#[tokio::test]
async fn rust_enums_mirror_the_postgres_enums() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    assert_mirrors::<EventType>(&client).await;
    assert_mirrors::<ValidationStatus>(&client).await;
    assert_mirrors::<CampaignStatus>(&client).await;
    assert_mirrors::<AssignmentStatus>(&client).await;
    assert_mirrors::<LeadStatus>(&client).await;
    assert_mirrors::<GdprRequestType>(&client).await;
    assert_mirrors::<GdprRequestStatus>(&client).await;
    assert_mirrors::<JobStatus>(&client).await;

    // Every enum in the database has a mirror.
    let in_db: Vec<String> = testkit::column(
        &client,
        "SELECT typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE n.nspname = 'public' AND t.typtype = 'e' ORDER BY 1",
    )
    .await;
    let mut mirrored = vec![
        EventType::PG_TYPE,
        ValidationStatus::PG_TYPE,
        CampaignStatus::PG_TYPE,
        AssignmentStatus::PG_TYPE,
        LeadStatus::PG_TYPE,
        GdprRequestType::PG_TYPE,
        GdprRequestStatus::PG_TYPE,
        JobStatus::PG_TYPE,
    ];
    mirrored.sort();
    assert_eq!(in_db, mirrored);

    // And they travel through the driver both ways.
    let row = client
        .query_one("SELECT $1::event_type", &[&EventType::FormSubmit])
        .await
        .unwrap();
    assert_eq!(row.get::<_, EventType>(0), EventType::FormSubmit);
}

#[tokio::test]
async fn every_table_with_updated_at_touches_it_on_update() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let missing: Vec<String> = testkit::column(
        &client,
        "SELECT c.relname::text
               FROM pg_attribute a
               JOIN pg_class c ON c.oid = a.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND a.attname = 'updated_at' AND NOT a.attisdropped
                AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                                 WHERE t.tgrelid = c.oid AND t.tgname = 'touch_updated_at')
              ORDER BY 1",
    )
    .await;
    assert!(
        missing.is_empty(),
        "tables with updated_at but no trigger: {missing:?}"
    );

    client
        .batch_execute(
            "INSERT INTO organizations (id, name, domain, updated_at)
             VALUES (42, 'Acme', 'acme.example', now() - interval '1 day')",
        )
        .await
        .unwrap();
    let touched: bool = client
        .query_one(
            "UPDATE organizations SET name = 'Acme Ltd' WHERE id = 42
             RETURNING updated_at > now() - interval '1 minute'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(touched);
}
