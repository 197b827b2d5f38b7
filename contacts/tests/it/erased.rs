//! An address the organization erased (GDPR) is refused by a later import when the key
//! is configured, in any list and any case; other organizations and other addresses are
//! imported as usual.

use contacts::{ImportOptions, RefusedReason};
use gdpr::{ErasureKey, GdprConfig, Outcome, Subject, SubjectKind};
use schema::GdprRequestType;
use testkit::TestDb;

use crate::common::{LIST, ORG, OTHER_LIST, OTHER_ORG, import, import_into, setup};

fn key() -> ErasureKey {
    ErasureKey::new("an import test key of at least 32 bytes").unwrap()
}

#[tokio::test]
async fn a_re_import_of_an_erased_address_is_refused_in_every_list_with_the_key() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    setup(&client).await;
    import(
        &mut client,
        b"email,first_name\nada@example.com,Ada\nbob@example.com,Bob\n",
        false,
    )
    .await;

    // Ada asks to be erased; the erasure runs as it does in production.
    let dir = std::env::temp_dir().join(format!("tally-contacts-erased-{}", std::process::id()));
    let store = archiver::open_store(&format!("file://{}", dir.display())).unwrap();
    let config = GdprConfig::new(store, Some(key()));
    let filed = gdpr::file_request(
        &client,
        ORG.0,
        GdprRequestType::deletion,
        &Subject {
            kind: SubjectKind::Contact,
            email: "ada@example.com".into(),
        },
    )
    .await
    .unwrap();
    let outcome = gdpr::process_request(&mut client, &config, ORG.0, filed.id, false, &|_| {})
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::Erased(_)), "{outcome:?}");

    // A list bought later holds her again, in another case, in another list.
    let csv = b"email,first_name\nAda@Example.com,Ada\ncarol@example.com,Carol\n";
    let with_key = ImportOptions {
        erasure_key: Some(key()),
        ..ImportOptions::default()
    };
    let report = contacts::import(&mut client, ORG, 11, &csv[..], with_key.clone(), |_| {})
        .await
        .unwrap();
    assert_eq!(report.inserted, 1, "{report:?}");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(report.refused[0].line, 2);
    assert_eq!(report.refused[0].reason, RefusedReason::Erased);
    let live: i64 = client
        .query_one(
            "SELECT count(*) FROM contacts WHERE lower(email) = 'ada@example.com'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(live, 0, "the erased person is not back");

    // Another organization erased nobody: the same address is its own contact.
    let report = contacts::import(
        &mut client,
        OTHER_ORG,
        OTHER_LIST,
        &csv[..],
        with_key,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (report.inserted, report.refused.len()),
        (2, 0),
        "{report:?}"
    );

    // Without the key the import cannot recognise her (documented): she is imported.
    let report = import_into(&mut client, ORG, LIST, b"email\nada@example.com\n", false)
        .await
        .unwrap();
    assert_eq!(report.inserted, 1, "{report:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
