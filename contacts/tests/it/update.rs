//! Importing into a list that already holds the addresses, and into a list the
//! organization does not have.

use contacts::ImportError;
use testkit::TestDb;

use crate::common::{self, LIST, ORG, OTHER_LIST, OTHER_ORG};

const FILE: &[u8] = b"email,first_name,last_name,tier\n\
    ann@example.com,Ann,Smith,gold\n\
    info@example.com,Front,Desk,\n\
    bo@blocked.example,Bo,Block,silver\n\
    ann@example.com,Ann,Again,gold\n";

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;

    let first = common::import(&mut client, FILE, false).await;
    assert_eq!((first.inserted, first.refused.len()), (3, 1));
    let after_first = common::counts(&client).await;
    assert_eq!(after_first.validation_logs, 2);
    let stamps: Vec<String> =
        testkit::column(&client, "SELECT updated_at::text FROM contacts ORDER BY id").await;

    for update_existing in [false, true] {
        let again = common::import(&mut client, FILE, update_existing).await;
        assert_eq!(
            (
                again.inserted,
                again.updated,
                again.unchanged,
                again.refused.len()
            ),
            (0, 0, 3, 1),
            "update_existing {update_existing}"
        );
        assert!(again.by_status.is_empty(), "{:?}", again.by_status);
        assert_eq!(common::counts(&client).await, after_first);
        let now: Vec<String> =
            testkit::column(&client, "SELECT updated_at::text FROM contacts ORDER BY id").await;
        assert_eq!(now, stamps, "no row was touched");
    }
}

#[tokio::test]
async fn update_existing_changes_a_name_and_audits_exactly_that() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;
    common::import(&mut client, FILE, false).await;
    let before = common::counts(&client).await;

    // Ann's last name changes; Front's blank tier and a blank first name keep theirs.
    let changed = b"email,first_name,last_name,tier\n\
        ANN@example.com,Ann,Jones,gold\n\
        info@example.com,,Desk,\n\
        bo@blocked.example,Bo,Block,silver\n";
    let without = common::import(&mut client, changed, false).await;
    assert_eq!((without.updated, without.unchanged), (0, 3));
    assert_eq!(common::counts(&client).await, before);

    let with = common::import(&mut client, changed, true).await;
    assert_eq!((with.inserted, with.updated, with.unchanged), (0, 1, 2));
    assert_eq!(common::statuses(&with), [("valid", 1)]);
    let after = common::counts(&client).await;
    assert_eq!(after.audit_updates, before.audit_updates + 1);
    assert_eq!(
        (after.contacts, after.audit_inserts, after.validation_logs),
        (
            before.contacts,
            before.audit_inserts,
            before.validation_logs
        )
    );
    let row = client
        .query_one(
            "SELECT a.actor, a.changes, c.email::text, c.first_name, c.last_name
               FROM audit_logs a
               JOIN contacts c ON c.organization_id = a.organization_id AND c.id = a.entity_id
              WHERE a.entity_type = 'contacts' AND a.action = 'update'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "import");
    let changes: serde_json::Value = row.get(1);
    assert_eq!(changes["old"]["last_name"], "Smith");
    assert_eq!(changes["new"]["last_name"], "Jones");
    assert_eq!(changes["new"]["email"], "ANN@example.com");
    assert_eq!(row.get::<_, String>(2), "ANN@example.com");
    assert_eq!(row.get::<_, Option<String>>(3).as_deref(), Some("Ann"));
    let front: Option<String> = client
        .query_one(
            "SELECT first_name FROM contacts WHERE email = 'info@example.com'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        front.as_deref(),
        Some("Front"),
        "a blank field keeps the stored value"
    );
}

#[tokio::test]
async fn a_list_of_another_organization_is_not_found() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;
    let before = common::counts(&client).await;

    for (org, list) in [(ORG, OTHER_LIST), (OTHER_ORG, LIST), (ORG, 999)] {
        let err = common::import_into(&mut client, org, list, FILE, false)
            .await
            .unwrap_err();
        assert!(matches!(err, ImportError::ListNotFound { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "contact list {list} not found in organization {org}; check the list id \
                 (`--list`) and the organization (`--organization`)"
            )
        );
    }
    assert_eq!(common::counts(&client).await, before);

    // The other organization imports into its own list under its own rules.
    let report = common::import_into(&mut client, OTHER_ORG, OTHER_LIST, FILE, false)
        .await
        .unwrap();
    assert_eq!(common::statuses(&report), [("valid", 1), ("invalid", 2)]);
    assert_eq!(report.rules.len(), 1);
}
