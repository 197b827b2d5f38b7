//! What the database itself refuses: audit log edits, rows without a day partition,
//! malformed emails, duplicate slugs and assignments; and how day partitions are made.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use testkit::TestDb;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

async fn refused(client: &Client, sql: &str, code: &SqlState, what: &str) -> String {
    match client.batch_execute(sql).await {
        Ok(()) => panic!("{what}: accepted"),
        Err(e) => {
            let text = schema::describe_pg_error(&e);
            assert_eq!(
                e.code(),
                Some(code),
                "{what}: refused for another reason: {text}"
            );
            text
        }
    }
}

async fn one_org(client: &Client) {
    client
        .batch_execute(
            "INSERT INTO organizations (id, name, domain) VALUES (1, 'Acme', 'acme.example'),
                                                                 (2, 'Globex', 'globex.example');
             INSERT INTO contact_lists (organization_id, id, name) VALUES (1, 1, 'Main');
             INSERT INTO contacts (organization_id, id, contact_list_id, email)
                  VALUES (1, 1, 1, 'dan@customer.example');
             INSERT INTO campaigns (organization_id, id, name, landing_page_slug)
                  VALUES (1, 1, 'November', 'november-demo');",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn audit_logs_refuse_update_delete_and_truncate_even_for_the_owner() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    one_org(&client).await;
    client
        .batch_execute(
            "INSERT INTO audit_logs (organization_id, action, entity_type, entity_id)
             VALUES (1, 'campaign.create', 'campaign', 1)",
        )
        .await
        .unwrap();
    let code = &SqlState::INSUFFICIENT_PRIVILEGE;
    for sql in [
        "UPDATE audit_logs SET action = 'campaign.delete'",
        "DELETE FROM audit_logs",
        "TRUNCATE audit_logs",
    ] {
        let message = refused(&client, sql, code, sql).await;
        assert!(message.contains("append-only"), "{sql}: {message}");
    }
    // The fixture's own rows are audited too: every entry must survive, unchanged.
    let n: i64 = client
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE action = 'campaign.create'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_day_partition_is_created_idempotently_and_rows_land_in_it() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    // The session's time zone must not shift a UTC day.
    client
        .batch_execute("SET TIME ZONE 'Pacific/Kiritimati'")
        .await
        .unwrap();
    let name: String = client
        .query_one("SELECT tally_create_day_partition('2030-01-01')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(name, "events_p20300101");
    let again: String = client
        .query_one("SELECT tally_create_day_partition('2030-01-01')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(again, name);
    let partitions: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(partitions, 1);

    let landed: Vec<String> = testkit::column(&client, "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at)
             VALUES (gen_random_uuid(), 1, 1, 1, 'SENT', '2030-01-01 00:00:00+00'),
                    (gen_random_uuid(), 1, 1, 1, 'OPEN', '2030-01-01 23:59:59.999999+00')
             RETURNING tableoid::regclass::text").await;
    assert_eq!(landed, vec![name.clone(), name]);

    // No DEFAULT partition: the next instant has nowhere to go.
    let message = refused(
        &client,
        "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at)
         VALUES (gen_random_uuid(), 1, 1, 1, 'SENT', '2030-01-02 00:00:00+00')",
        &SqlState::CHECK_VIOLATION,
        "a row for a day without a partition",
    )
    .await;
    assert!(message.contains("no partition"), "{message}");
    let default_partitions: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_partitioned_table WHERE partdefid <> 0",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(default_partitions, 0);
}

#[tokio::test]
async fn premake_creates_only_the_missing_days() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let premake = |days: i32| {
        let client = &client;
        async move {
            client
                .query_one(
                    "SELECT tally_premake_partitions($1, '2030-02-27'::date)",
                    &[&days],
                )
                .await
                .map(|r| r.get::<_, i32>(0))
        }
    };
    client
        .query_one("SELECT tally_create_day_partition('2030-02-28')", &[])
        .await
        .unwrap();
    assert_eq!(
        premake(3).await.unwrap(),
        2,
        "27 Feb and 1 Mar were missing"
    );
    assert_eq!(premake(3).await.unwrap(), 0);
    assert!(
        premake(-1).await.is_err(),
        "negative day counts are refused"
    );
    let names: Vec<String> = testkit::column(
        &client,
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'events'::regclass ORDER BY 1",
    )
    .await;
    assert_eq!(
        names,
        ["events_p20300227", "events_p20300228", "events_p20300301"]
    );
}

#[tokio::test]
async fn a_duplicate_event_id_is_not_stored_twice() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    client
        .query_one("SELECT tally_create_day_partition('2030-01-01')", &[])
        .await
        .unwrap();
    let insert = "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at)
                  VALUES ('01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40', 1, 1, 1, 'SENT', '2030-01-01 10:00:00+00')";
    client.batch_execute(insert).await.unwrap();
    refused(
        &client,
        insert,
        &SqlState::UNIQUE_VIOLATION,
        "the same event twice",
    )
    .await;
}

#[tokio::test]
async fn malformed_emails_are_refused() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    one_org(&client).await;
    for bad in [
        "no-at-sign",
        "two@@example.com",
        "spaces in@example.com",
        "nodot@example",
        "",
    ] {
        refused(
            &client,
            &format!("INSERT INTO users (email, full_name) VALUES ('{bad}', 'X')"),
            &SqlState::CHECK_VIOLATION,
            &format!("user email {bad:?}"),
        )
        .await;
        refused(
            &client,
            &format!(
                "INSERT INTO contacts (organization_id, contact_list_id, email) VALUES (1, 1, '{bad}')"
            ),
            &SqlState::CHECK_VIOLATION,
            &format!("contact email {bad:?}"),
        )
        .await;
    }
    client
        .batch_execute("INSERT INTO users (email, full_name) VALUES ('ok@example.com', 'Ok')")
        .await
        .unwrap();
    refused(
        &client,
        "INSERT INTO users (email, full_name) VALUES ('OK@Example.com', 'Shouting')",
        &SqlState::UNIQUE_VIOLATION,
        "the same email in another case",
    )
    .await;
}

#[tokio::test]
async fn blank_names_and_negative_counts_are_refused() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    one_org(&client).await;
    refused(
        &client,
        "INSERT INTO organizations (name, domain) VALUES ('   ', 'blank.example')",
        &SqlState::CHECK_VIOLATION,
        "a blank organization name",
    )
    .await;
    refused(
        &client,
        "INSERT INTO event_aggregations (organization_id, campaign_id, event_type, day, event_count, unique_contacts)
         VALUES (1, 1, 'SENT', '2030-01-01', -1, 0)",
        &SqlState::CHECK_VIOLATION,
        "a negative event count",
    )
    .await;
}

#[tokio::test]
async fn a_landing_page_slug_is_unique_within_its_organization() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    one_org(&client).await;
    refused(
        &client,
        "INSERT INTO campaigns (organization_id, name, landing_page_slug) VALUES (1, 'Again', 'november-demo')",
        &SqlState::UNIQUE_VIOLATION,
        "a second campaign with the same slug",
    )
    .await;
    refused(
        &client,
        "INSERT INTO campaigns (organization_id, name, landing_page_slug) VALUES (1, 'Bad', 'Not A Slug')",
        &SqlState::CHECK_VIOLATION,
        "a malformed slug",
    )
    .await;
    // Every key carries the tenant: another organization may use the same slug.
    client
        .batch_execute(
            "INSERT INTO campaigns (organization_id, name, landing_page_slug) VALUES (2, 'Theirs', 'november-demo')",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_contact_is_assigned_to_a_campaign_once() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    one_org(&client).await;
    let assign =
        "INSERT INTO campaign_contact_assignments (organization_id, campaign_id, contact_id)
                  VALUES (1, 1, 1)";
    client.batch_execute(assign).await.unwrap();
    refused(
        &client,
        assign,
        &SqlState::UNIQUE_VIOLATION,
        "a duplicate assignment",
    )
    .await;
    // A cross-tenant reference is impossible: organization 2 has no campaign 1.
    refused(
        &client,
        "INSERT INTO campaign_contact_assignments (organization_id, campaign_id, contact_id) VALUES (2, 1, 1)",
        &SqlState::FOREIGN_KEY_VIOLATION,
        "an assignment pointing at another organization's campaign",
    )
    .await;
}

#[tokio::test]
async fn the_database_names_and_bounds_day_partitions_as_the_schema_crate_does() {
    use chrono::NaiveDate;
    use schema::DayPartition;

    let db = TestDb::migrated().await;
    let client = db.connect().await;
    client.batch_execute("SET TimeZone = 'UTC'").await.unwrap();
    let day = NaiveDate::from_ymd_opt(2030, 3, 5).unwrap();
    assert!(!schema::partition_exists(&client, day).await.unwrap());
    assert!(schema::ensure_day_partition(&client, day).await.unwrap());
    assert!(!schema::ensure_day_partition(&client, day).await.unwrap());
    assert!(schema::partition_exists(&client, day).await.unwrap());

    let partition = DayPartition::of(day);
    let row = client
        .query_one(
            "SELECT tally_create_day_partition($1), pg_get_expr(c.relpartbound, c.oid)
               FROM pg_class c WHERE c.relname = $2",
            &[&day, &partition.name()],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), partition.name());
    let (from, to) = partition.bounds();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S+00").to_string();
    assert_eq!(
        row.get::<_, String>(1),
        format!("FOR VALUES FROM ('{}') TO ('{}')", fmt(from), fmt(to))
    );

    let later = NaiveDate::from_ymd_opt(2030, 3, 10).unwrap();
    assert_eq!(
        schema::premake_partitions(&client, later, 3).await.unwrap(),
        3
    );
    let days: Vec<NaiveDate> = schema::day_partitions(&client)
        .await
        .unwrap()
        .into_iter()
        .map(DayPartition::day)
        .filter(|d| d.format("%Y").to_string() == "2030")
        .collect();
    assert_eq!(
        days,
        [
            day,
            later,
            later.succ_opt().unwrap(),
            later + chrono::Days::new(2)
        ]
    );

    // A partition tally did not name is reported, not skipped.
    client
        .batch_execute(
            "CREATE TABLE events_stray (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
             ALTER TABLE events ATTACH PARTITION events_stray
               FOR VALUES FROM ('2031-01-01 00:00:00+00') TO ('2031-01-02 00:00:00+00');",
        )
        .await
        .unwrap();
    let err = schema::day_partitions(&client).await.unwrap_err();
    assert!(err.to_string().contains("events_stray"), "{err}");
}

#[tokio::test]
async fn no_two_advisory_locks_share_a_key_and_the_job_keys_have_not_moved() {
    use chrono::NaiveDate;
    use schema::AdvisoryLock;

    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let locks = [
        AdvisoryLock::Migrations,
        AdvisoryLock::TestTemplate,
        AdvisoryLock::Job("aggregate"),
        AdvisoryLock::Job("premake"),
        AdvisoryLock::Job("anonymize"),
        AdvisoryLock::Job("archive"),
        AdvisoryLock::Archive,
        AdvisoryLock::AnonymizeDay(day(1969, 12, 31)),
        AdvisoryLock::AnonymizeDay(day(1970, 1, 1)),
        AdvisoryLock::AnonymizeDay(day(2026, 12, 4)),
        AdvisoryLock::AnonymizeAuditLogs,
    ];
    for lock in locks {
        assert!(
            schema::advisory::try_lock(&client, lock).await.unwrap(),
            "{lock:?} was taken already: it shares a key with a lock before it"
        );
    }
    let held: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(held as usize, locks.len());
    // Replicas of an older build must keep excluding this one's job runs.
    let old_form: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
                AND classid = 1952541804 AND objid = hashtext('aggregate')::oid AND objsubid = 2)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(old_form, "the aggregate job's key moved");
    for lock in locks {
        assert!(schema::advisory::unlock(&client, lock).await.unwrap());
    }
}

#[tokio::test]
async fn the_events_column_lists_are_the_tables_columns_in_order() {
    let db = TestDb::migrated().await;
    let columns: String = db
        .connect()
        .await
        .query_one(
            "SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
              WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(columns, schema::STORED_EVENT_COLUMNS);
    assert!(
        columns.starts_with(schema::EVENT_COLUMNS),
        "{columns} does not start with {}",
        schema::EVENT_COLUMNS
    );
}

/// A status filter pages through a partial index per status (sql/0014: enum comparisons
/// are not leakproof, so under row-level security a (status, id) index is not used); a
/// label added to one of the enums needs its index too.
#[tokio::test]
async fn every_status_a_list_filters_on_has_its_page_index() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    for (table, column, pg_type) in [
        ("contacts", "validation_status", "validation_status"),
        ("campaigns", "status", "campaign_status"),
        ("leads", "status", "lead_status"),
    ] {
        let missing: Vec<String> = testkit::column(
            &client,
            &format!(
                "SELECT label::text FROM unnest(enum_range(NULL::{pg_type})) AS label
                  WHERE NOT EXISTS (
                        SELECT 1 FROM pg_indexes
                         WHERE tablename = '{table}'
                           AND indexname = '{table}_' || label || '_page_idx'
                           AND indexdef LIKE '%(organization_id, id)%'
                           AND indexdef LIKE '%{column} = ' || quote_literal(label) || '%')"
            ),
        )
        .await;
        assert!(
            missing.is_empty(),
            "{table}: no partial page index for {pg_type} {missing:?}"
        );
    }
}

#[tokio::test]
async fn sessions_that_create_the_same_day_partition_at_once_all_succeed() {
    use std::sync::Arc;

    use chrono::NaiveDate;

    let db = TestDb::migrated().await;
    let mut clients = Vec::new();
    for _ in 0..6 {
        clients.push(Arc::new(db.connect().await));
    }
    // Each round a fresh day, so every session finds it missing and races to create it.
    for round in 0..100u32 {
        let day = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap() + chrono::Days::new(round.into());
        let barrier = Arc::new(tokio::sync::Barrier::new(clients.len()));
        let mut sessions = tokio::task::JoinSet::new();
        for client in &clients {
            let (client, barrier) = (client.clone(), barrier.clone());
            sessions.spawn(async move {
                barrier.wait().await;
                schema::ensure_day_partition(&*client, day).await
            });
        }
        let mut created = 0;
        while let Some(result) = sessions.join_next().await {
            match result.unwrap() {
                Ok(true) => created += 1,
                Ok(false) => {}
                Err(e) => panic!("day {day}: {}", schema::describe_pg_error(&e)),
            }
        }
        assert_eq!(created, 1, "day {day}: exactly one session creates it");
        assert!(schema::partition_exists(&*clients[0], day).await.unwrap());
    }
}
