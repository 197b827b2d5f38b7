//! Erasure of a subject: nothing of them left in any table, partition, archived object
//! or export file; the receipt; crashes at every step; a second erasure; users.

use gdpr::{EraseStep, GdprConfig, GdprError, Outcome, SubjectKind};
use schema::GdprRequestType;

use crate::common::{
    self, ADA, ADA_CONTACTS, archived_subject_rows, file, process, receipts, scan_database,
    scan_store, state, world,
};

pub const PII_KEYS: [&str; 7] = [
    "email",
    "phone",
    "name",
    "first_name",
    "last_name",
    "ip",
    "user_agent",
];

/// Event counts per organization, campaign, type and day, in the database and in the
/// manifest: what the aggregates are made from.
async fn counts(
    client: &tokio_postgres::Client,
) -> (Vec<(i64, i64, String, String, i64)>, Vec<i64>) {
    let events = client
        .query(
            "SELECT organization_id, campaign_id, event_type::text, (occurred_at AT TIME ZONE 'UTC')::date::text, count(*)
             FROM events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let archived = testkit::column(
        client,
        "SELECT row_count FROM archived_partitions ORDER BY day",
    )
    .await;
    (events, archived)
}

/// Files an export of Ada (its files are in the store) and carries it out, then files
/// her erasure; returns the erasure's id.
async fn export_then_file_erasure(w: &mut common::World) -> i64 {
    let export = file(
        &w.client,
        1,
        GdprRequestType::export,
        SubjectKind::Contact,
        ADA,
    )
    .await;
    process(&mut w.client, &w.config, 1, export).await.unwrap();
    assert!(
        !scan_store(&w.dir.0).is_empty(),
        "the export holds Ada's data"
    );
    file(
        &w.client,
        1,
        GdprRequestType::deletion,
        SubjectKind::Contact,
        ADA,
    )
    .await
}

#[tokio::test]
async fn an_erasure_leaves_nothing_of_the_subject_anywhere_and_its_receipt_says_where() {
    let mut w = world().await;
    let before = counts(&w.client).await;
    assert!(
        !scan_database(&w.client).await.is_empty(),
        "the scan finds the fixture's data"
    );
    let id = export_then_file_erasure(&mut w).await;

    let Outcome::Erased(erased) = process(&mut w.client, &w.config, 1, id).await.unwrap() else {
        panic!("not an erasure")
    };
    assert_eq!(common::status(&w.client, 1, id).await.0, "completed");

    assert_eq!(scan_database(&w.client).await, Vec::<String>::new());
    assert_eq!(scan_store(&w.dir.0), Vec::<String>::new());
    let left: i64 = w
        .client
        .query_one(
            "SELECT count(*) FROM events WHERE organization_id = 1 AND contact_id = ANY($1)
               AND (ip_address IS NOT NULL OR event_data ?| $2::text[])",
            &[&ADA_CONTACTS.to_vec(), &PII_KEYS.map(String::from).to_vec()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        left, 0,
        "Ada's events in the database keep no IP address nor PII key"
    );
    let archived = archived_subject_rows(&w.dir.0);
    assert_eq!(
        archived.len(),
        60,
        "Ada's archived events are kept, without personal data"
    );
    for (contact, ip, data) in &archived {
        assert_eq!(ip, &None, "contact {contact}");
        assert!(PII_KEYS.iter().all(|k| data.get(k).is_none()), "{data}");
        assert!(
            data.get("url").is_some(),
            "what is not personal stays: {data}"
        );
    }
    assert_eq!(
        counts(&w.client).await,
        before,
        "every event is still counted"
    );

    // Bob and organization 2 are as they were.
    let bob: (String, Option<String>, Option<String>) = {
        let r = w
            .client
            .query_one(
                "SELECT c.email::text, l.notes, abbrev(r.ip_address)
                 FROM contacts c JOIN leads l ON l.organization_id = 1 AND l.contact_id = c.id
                 JOIN form_responses r ON r.organization_id = 1 AND r.contact_id = c.id
                 WHERE c.organization_id = 1 AND c.id = 102",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!(
        bob,
        (
            "bob@example.com".to_owned(),
            Some("Bob wants a demo".to_owned()),
            Some("198.51.100.88".to_owned())
        )
    );
    let other: i64 = w
        .client
        .query_one(
            "SELECT count(*) FROM events WHERE organization_id = 2 AND ip_address IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(other, 20, "organization 2's hot events keep their data");

    // The contacts: marker address, soft deleted; the marker recognises the address.
    let marker = common::key().marker(1, ADA);
    let rows = w
        .client
        .query(
            "SELECT email::text, deleted_at IS NOT NULL FROM contacts
             WHERE organization_id = 1 AND id = ANY($1) ORDER BY id",
            &[&ADA_CONTACTS.to_vec()],
        )
        .await
        .unwrap();
    for r in &rows {
        assert_eq!(
            (r.get::<_, String>(0), r.get::<_, bool>(1)),
            (marker.clone(), true)
        );
    }
    assert!(
        gdpr::is_erased(&w.client, &common::key(), 1, "ada.lovelace@EXAMPLE.com")
            .await
            .unwrap()
    );
    assert!(
        !gdpr::is_erased(&w.client, &common::key(), 2, ADA)
            .await
            .unwrap()
    );
    assert!(
        !gdpr::is_erased(&w.client, &common::key(), 1, "bob@example.com")
            .await
            .unwrap()
    );

    // The receipt: each place personal data was removed from, with how many rows.
    let receipt = receipts(&w.client, 1, id).await;
    let rows_of = |t: &str| {
        receipt
            .iter()
            .filter(|(n, _)| n == t)
            .map(|(_, r)| *r)
            .sum::<i64>()
    };
    assert_eq!(rows_of("contacts"), 2);
    assert_eq!(rows_of("leads"), 1);
    assert_eq!(rows_of("form_responses"), 1);
    assert_eq!(rows_of("validation_logs"), 1);
    assert_eq!(rows_of("dead_letters"), 1);
    assert_eq!(rows_of("events_p20261120"), 30);
    assert_eq!(rows_of("events_p20260801"), 30);
    assert_eq!(
        rows_of("archive events/year=2024/month=11/day=18/events_p20241118.parquet"),
        30
    );
    assert_eq!(
        rows_of("archive events/year=2024/month=11/day=20/events_p20241120.parquet"),
        30
    );
    assert!(rows_of("audit_logs") >= 4, "{receipt:?}");
    assert!(rows_of("gdpr_requests") >= 2, "{receipt:?}");
    assert!(
        receipt
            .iter()
            .any(|(t, n)| t.starts_with("export gdpr/exports/organization=1/") && *n > 0),
        "{receipt:?}"
    );
    let mut names: Vec<&String> = receipt
        .iter()
        .map(|(t, _)| t)
        .filter(|t| *t != "audit_logs")
        .collect();
    let all = names.len();
    names.dedup();
    assert_eq!(names.len(), all, "one receipt per table: {receipt:?}");
    assert_eq!(
        erased.receipts.values().sum::<u64>() as i64,
        receipt.iter().map(|(_, n)| n).sum::<i64>()
    );
    // The archive's manifest names the rewritten objects, which are verified.
    let keys: Vec<String> = testkit::column(
        &w.client,
        "SELECT object_key FROM archived_partitions ORDER BY day",
    )
    .await;
    assert!(
        keys.iter()
            .all(|k| k.ends_with(&format!(".gdpr-1-{id}.parquet"))),
        "{keys:?}"
    );
    let restored = archiver::restore(
        &mut w.client,
        &w.store,
        testkit::day("2024-01-01"),
        testkit::day("2024-12-31"),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        restored.rows_restored, 120,
        "the rewritten objects restore whole"
    );
    assert_eq!(
        scan_database(&w.client).await,
        Vec::<String>::new(),
        "a restore brings nothing back"
    );
}

#[tokio::test]
async fn a_second_erasure_changes_nothing_but_its_own_bookkeeping() {
    let mut w = world().await;
    let first = export_then_file_erasure(&mut w).await;
    process(&mut w.client, &w.config, 1, first).await.unwrap();
    let before = state(&w.client, &w.dir.0).await;

    let second = file(
        &w.client,
        1,
        GdprRequestType::deletion,
        SubjectKind::Contact,
        ADA,
    )
    .await;
    assert_ne!(second, first);
    process(&mut w.client, &w.config, 1, second).await.unwrap();
    assert_eq!(common::status(&w.client, 1, second).await.0, "completed");
    assert_eq!(state(&w.client, &w.dir.0).await, before);
    let receipt = receipts(&w.client, 1, second).await;
    let changed: Vec<_> = receipt
        .iter()
        .filter(|(t, n)| *n > 0 && !(t == "gdpr_requests" || t == "audit_logs"))
        .collect();
    assert_eq!(changed, Vec::<&(String, i64)>::new(), "{receipt:?}");
    // Only the second request's own address and its trail changed.
    assert!(
        receipt.contains(&("gdpr_requests".to_owned(), 1)),
        "{receipt:?}"
    );
}

/// The steps an erasure of Ada goes through, each of which has a unit in the fixture.
fn contact_steps() -> Vec<EraseStep> {
    EraseStep::ALL
        .into_iter()
        .filter(|s| *s != EraseStep::UserAccount)
        .collect()
}

#[tokio::test]
async fn a_crash_after_any_step_then_a_rerun_ends_as_an_uninterrupted_erasure() {
    // The reference: an erasure that ran straight through.
    let mut reference = world().await;
    let id = export_then_file_erasure(&mut reference).await;
    process(&mut reference.client, &reference.config, 1, id)
        .await
        .unwrap();
    let expected = state(&reference.client, &reference.dir.0).await;
    let expected_receipt = receipts(&reference.client, 1, id).await;
    drop(reference);

    for step in contact_steps() {
        let mut w = world().await;
        let id = export_then_file_erasure(&mut w).await;
        let crash = GdprConfig {
            stop_after: Some(step),
            ..w.config.clone()
        };
        match process(&mut w.client, &crash, 1, id).await {
            Err(GdprError::Stopped { step: s }) => assert_eq!(s, step),
            other => panic!("{step:?}: the run was not stopped there: {other:?}"),
        }
        let (status, _, error) = common::status(&w.client, 1, id).await;
        if step == EraseStep::Completed {
            assert_eq!(status, "completed", "{step:?}");
        } else {
            assert_eq!(
                status, "processing",
                "{step:?}: a stopped request is resumed"
            );
            assert!(error.is_some_and(|e| e.contains("stopped")), "{step:?}");
        }
        let rerun = process(&mut w.client, &w.config, 1, id).await.unwrap();
        if step == EraseStep::Completed {
            assert_eq!(rerun, Outcome::AlreadyFinished);
        }
        assert_eq!(
            common::status(&w.client, 1, id).await.0,
            "completed",
            "{step:?}"
        );
        assert_eq!(state(&w.client, &w.dir.0).await, expected, "{step:?}");
        let mut got = receipts(&w.client, 1, id).await;
        let mut want = expected_receipt.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{step:?}: every receipt once");
        assert_eq!(
            scan_database(&w.client).await,
            Vec::<String>::new(),
            "{step:?}"
        );
        assert_eq!(scan_store(&w.dir.0), Vec::<String>::new(), "{step:?}");
    }
}

#[tokio::test]
async fn an_erasure_without_a_key_fails_and_names_the_setting() {
    let mut w = world().await;
    let id = file(
        &w.client,
        1,
        GdprRequestType::deletion,
        SubjectKind::Contact,
        ADA,
    )
    .await;
    let keyless = GdprConfig::new(w.store.clone(), None);
    let e = process(&mut w.client, &keyless, 1, id).await.unwrap_err();
    assert!(e.to_string().contains("TALLY_GDPR_KEY"), "{e}");
    let (status, _, error) = common::status(&w.client, 1, id).await;
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("TALLY_GDPR_KEY"));
    assert!(
        !scan_database(&w.client).await.is_empty(),
        "nothing was erased"
    );
    // An operator's rerun with the key carries it out.
    gdpr::process_request(&mut w.client, &w.config, 1, id, true, &|_| {})
        .await
        .unwrap();
    assert_eq!(common::status(&w.client, 1, id).await.0, "completed");
}

#[tokio::test]
async fn the_audit_trail_accepts_a_redaction_and_nothing_else() {
    let w = world().await;
    let id: i64 = w
        .client
        .query_one(
            "SELECT min(id) FROM audit_logs WHERE organization_id = 1 AND entity_type = 'contacts' AND entity_id = 100",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    // Each attempt in a transaction of its own, rolled back whatever happens.
    let attempt = async |sql: String| {
        let tried = w
            .client
            .batch_execute(&format!(
                "BEGIN; SELECT set_config('tally.gdpr_erasing', 'on', true); {sql}; ROLLBACK;"
            ))
            .await
            .map_err(|e| schema::describe_pg_error(&e));
        if tried.is_err() {
            w.client.batch_execute("ROLLBACK").await.unwrap();
        }
        tried
    };
    let redact = format!(
        "UPDATE audit_logs SET changes = jsonb_set(changes, '{{new,email}}', '\"[erased]\"') WHERE id = {id}"
    );
    attempt(redact.clone()).await.unwrap();
    for refused in [
        "UPDATE audit_logs SET changes = jsonb_set(changes, '{new,email}', '\"someone@else.test\"') WHERE id = ",
        "UPDATE audit_logs SET changes = changes || '{\"added\": 1}' WHERE id = ",
        "UPDATE audit_logs SET action = 'forged' WHERE id = ",
        "DELETE FROM audit_logs WHERE id = ",
    ] {
        let sql = format!("{refused}{id}");
        let e = attempt(sql.clone()).await.unwrap_err();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    // Without the setting, not even a redaction.
    let e = w.client.batch_execute(&redact).await.unwrap_err();
    assert!(schema::describe_pg_error(&e).contains("append-only"));
}

#[tokio::test]
async fn a_user_is_exported_and_erased_in_their_organization_and_refused_when_shared() {
    let mut w = world().await;
    w.client
        .batch_execute(
            "INSERT INTO users (id, email, full_name, password_hash) VALUES
                 (1, 'grace.hopper@example.com', 'Adaqz Grace', 'hash'),
                 (2, 'shared@example.com', 'Shared Person', NULL);
             INSERT INTO roles (organization_id, id, name) VALUES (1, 1, 'admin'), (2, 2, 'admin');
             INSERT INTO memberships (organization_id, id, user_id, role_id) VALUES
                 (1, 1, 1, 1), (1, 2, 2, 1), (2, 3, 2, 2);",
        )
        .await
        .unwrap();
    let export = file(
        &w.client,
        1,
        GdprRequestType::export,
        SubjectKind::User,
        "Grace.Hopper@example.com",
    )
    .await;
    process(&mut w.client, &w.config, 1, export).await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(
        &gdpr::read_export(&w.store, 1, export, gdpr::DOCUMENT)
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc["tables"]["users"][0]["full_name"], "Adaqz Grace");
    assert!(doc["tables"]["users"][0].get("password_hash").is_none());
    assert_eq!(doc["tables"]["memberships"][0]["role_name"], "admin");
    assert!(doc["tables"].get("events").is_none());

    let erase = file(
        &w.client,
        1,
        GdprRequestType::deletion,
        SubjectKind::User,
        "grace.hopper@example.com",
    )
    .await;
    process(&mut w.client, &w.config, 1, erase).await.unwrap();
    let row = w
        .client
        .query_one(
            "SELECT email::text, full_name, password_hash FROM users WHERE id = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, String>(0),
        common::key().marker(1, "grace.hopper@example.com")
    );
    assert_eq!(row.get::<_, String>(1), "Erased user");
    assert_eq!(row.get::<_, Option<String>>(2), None);
    let left: i64 = w
        .client
        .query_one("SELECT count(*) FROM memberships WHERE user_id = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    let trail: i64 = w
        .client
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE strpos(lower(changes::text), 'grace') > 0",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        trail, 0,
        "the trail no longer holds the user's name or address"
    );

    let shared = file(
        &w.client,
        1,
        GdprRequestType::deletion,
        SubjectKind::User,
        "shared@example.com",
    )
    .await;
    let e = process(&mut w.client, &w.config, 1, shared)
        .await
        .unwrap_err();
    assert!(
        matches!(e, GdprError::UserElsewhere { others: 1, .. }),
        "{e}"
    );
    assert_eq!(common::status(&w.client, 1, shared).await.0, "failed");
    let kept: String = w
        .client
        .query_one("SELECT email::text FROM users WHERE id = 2", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, "shared@example.com");
}

#[tokio::test]
async fn an_unknown_address_is_erased_with_nothing_found_and_an_unknown_organization_is_refused() {
    let mut w = world().await;
    let before = state(&w.client, &w.dir.0).await;
    let id = file(
        &w.client,
        1,
        GdprRequestType::deletion,
        SubjectKind::Contact,
        "nobody@example.com",
    )
    .await;
    process(&mut w.client, &w.config, 1, id).await.unwrap();
    assert_eq!(common::status(&w.client, 1, id).await.0, "completed");
    assert_eq!(state(&w.client, &w.dir.0).await, before);
    let receipt = receipts(&w.client, 1, id).await;
    assert!(
        receipt
            .iter()
            .all(|(t, n)| *n == 0 || t == "gdpr_requests" || t == "audit_logs"),
        "{receipt:?}"
    );
    let steps: i64 = w
        .client
        .query_one(
            "SELECT count(*) FROM gdpr_erasure_steps WHERE gdpr_request_id = $1 AND step = 'events'",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(steps, 0, "no contact, no partition scanned");

    let e = gdpr::file_request(
        &w.client,
        99,
        GdprRequestType::export,
        &gdpr::Subject {
            kind: SubjectKind::Contact,
            email: ADA.to_owned(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, GdprError::OrganizationNotFound { organization: 99 }),
        "{e}"
    );
    let e = gdpr::file_request(
        &w.client,
        1,
        GdprRequestType::export,
        &gdpr::Subject {
            kind: SubjectKind::Contact,
            email: "not an address".to_owned(),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, GdprError::BadEmail), "{e}");
    let e = process(&mut w.client, &w.config, 1, 4242)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("request 4242"), "{e}");
}

#[tokio::test]
async fn a_damaged_archived_object_is_never_copied_and_the_request_fails_naming_it() {
    let mut w = world().await;
    // The 18th's object replaced by the 20th's: valid Parquet, other rows.
    let day = |d: &str| {
        w.dir.0.join(format!(
            "events/year=2024/month=11/day={d}/events_p202411{d}.parquet"
        ))
    };
    std::fs::copy(day("20"), day("18")).unwrap();
    let keys_before: Vec<String> = testkit::column(
        &w.client,
        "SELECT object_key || checksum FROM archived_partitions ORDER BY day",
    )
    .await;
    let id = file(
        &w.client,
        1,
        GdprRequestType::deletion,
        SubjectKind::Contact,
        ADA,
    )
    .await;
    let e = process(&mut w.client, &w.config, 1, id).await.unwrap_err();
    assert!(e.to_string().contains("events_p20241118"), "{e}");
    let (status, _, error) = common::status(&w.client, 1, id).await;
    assert_eq!(status, "failed", "a damaged archive needs an operator");
    assert!(error.unwrap().contains("does not match"));
    let keys_after: Vec<String> = testkit::column(
        &w.client,
        "SELECT object_key || checksum FROM archived_partitions ORDER BY day",
    )
    .await;
    assert_eq!(
        keys_after, keys_before,
        "the manifest still names the old objects"
    );
    let rewritten = common::files(&w.dir.0)
        .iter()
        .filter(|p| p.display().to_string().contains(".gdpr-"))
        .count();
    assert_eq!(rewritten, 0, "nothing was written from the damaged object");
}
