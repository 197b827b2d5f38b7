//! What the file may hold: its header, encodings, names, attributes, quoted line
//! breaks; and files refused whole.

use contacts::ImportError;
use contacts::RefusedReason::{BadEncoding, MalformedRow};
use serde_json::{Value, json};
use testkit::TestDb;

use crate::common::{self, LIST, ORG};

#[tokio::test]
async fn a_file_without_an_email_column_names_the_columns_it_found_and_writes_nothing() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;
    let before = common::counts(&client).await;

    let csv = b" E-mail ,First_Name,,last_name\na@example.com,Ann,,Smith\n";
    let err = common::import_into(&mut client, ORG, LIST, csv, false)
        .await
        .unwrap_err();
    match &err {
        ImportError::MissingEmailColumn { found } => {
            assert_eq!(found, &["E-mail", "First_Name", "last_name"]);
        }
        other => panic!("expected MissingEmailColumn, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("\"E-mail\"") && message.contains("rename"),
        "{message}"
    );
    assert_eq!(common::counts(&client).await, before);
}

#[tokio::test]
async fn an_empty_file_and_a_bad_header_are_errors() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;
    for empty in [&b""[..], b"\n\n  \r\n"] {
        let err = common::import_into(&mut client, ORG, LIST, empty, false)
            .await
            .unwrap_err();
        assert!(matches!(err, ImportError::EmptyFile), "{err:?}");
        assert!(err.to_string().contains("header"), "{err}");
    }
    let err = common::import_into(&mut client, ORG, LIST, b"email,Email\n", false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ImportError::BadHeader { reason } if reason.contains("twice")),
        "{err:?}"
    );
    // A header alone imports nothing, without error.
    let report = common::import(&mut client, b"\xef\xbb\xbfemail\n", false).await;
    assert_eq!((report.records, report.inserted), (0, 0));
    assert_eq!(common::counts(&client).await.contacts, 0);
}

#[tokio::test]
async fn a_line_of_invalid_utf8_is_refused_alone() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;

    let csv =
        b"email,last_name\nok1@example.com,M\xfcller\nok2@example.com,Muller\n\xc3@example.com,X\n";
    let report = common::import(&mut client, csv, false).await;
    assert_eq!(
        common::refused(&report),
        [(2, BadEncoding), (4, BadEncoding)]
    );
    assert!(
        report.refused[0].detail.contains("\"last_name\""),
        "{:?}",
        report.refused
    );
    assert!(
        report.refused[1].detail.contains("\"email\""),
        "{:?}",
        report.refused
    );
    assert_eq!(report.inserted, 1);
    let stored: Vec<String> = testkit::column(&client, "SELECT email::text FROM contacts").await;
    assert_eq!(stored, ["ok2@example.com"]);
}

/// email, first_name, last_name, phone, attributes.
type Stored = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Value,
);

#[tokio::test]
async fn names_phone_and_attributes_land_in_their_columns() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;

    let csv = "email,name,Phone,Company,plan,Notes\n\
               ada@example.com,Ada King Lovelace, +44 20 ,Analytical Engines,pro,\"first line\nsecond, line\"\n\
               bob@example.com,  ,   ,,,\n\
               cy@example.com,Cy,,Cyco,,\n"
        .as_bytes();
    let report = common::import(&mut client, csv, false).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(report.inserted, 3);

    let rows: Vec<Stored> = client
        .query(
            "SELECT email::text, first_name, last_name, phone, attributes FROM contacts ORDER BY email",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "ada@example.com".to_owned(),
                Some("Ada".to_owned()),
                Some("King Lovelace".to_owned()),
                Some("+44 20".to_owned()),
                json!({"Company": "Analytical Engines", "plan": "pro", "Notes": "first line\nsecond, line"}),
            ),
            ("bob@example.com".to_owned(), None, None, None, json!({})),
            (
                "cy@example.com".to_owned(),
                Some("Cy".to_owned()),
                None,
                None,
                json!({"Company": "Cyco"})
            ),
        ]
    );
}

#[tokio::test]
async fn an_unclosed_quote_costs_its_line_only() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;

    // Line 3 opens a quote that line 5 seems to close: neither swallows the others.
    let csv = b"email,first_name,note\n\
                a@example.com,Ann,x\n\
                \"b@example.com,Bob,y\n\
                c@example.com,Cy,z\n\
                d@example.com,\"Di\",w\n";
    let report = common::import(&mut client, csv, false).await;
    assert_eq!(common::refused(&report), [(3, MalformedRow)]);
    assert_eq!(report.inserted, 3);
    let stored: Vec<String> =
        testkit::column(&client, "SELECT first_name FROM contacts ORDER BY email").await;
    assert_eq!(stored, ["Ann", "Cy", "Di"]);
}

#[tokio::test]
async fn a_known_rule_with_a_bad_definition_fails_the_import_and_names_it() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;
    client
        .batch_execute(
            "INSERT INTO validation_rules (organization_id, name, rule_type, definition)
             VALUES (1, 'typo', 'disposable_domain', '{\"domain\": [\"x.com\"]}')",
        )
        .await
        .unwrap();
    let err = common::import_into(&mut client, ORG, LIST, b"email\na@example.com\n", false)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, ImportError::BadRule { .. })
            && message.contains("\"typo\"")
            && message.contains("\"domains\"")
            && message.contains("deactivate"),
        "{message}"
    );
    assert_eq!(common::counts(&client).await.contacts, 0);
}

#[tokio::test]
async fn addresses_beyond_ascii_repeat_case_insensitively_and_stay_unique() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    common::setup(&client).await;

    // Line 3 repeats line 2 in other case; the database's check of the staged rows
    // (which runs only for addresses beyond ASCII) agrees and finds nothing more.
    let csv = "email,first_name\n\
               jürgen@exämple.de,Jürgen\n\
               JÜRGEN@EXÄMPLE.DE,Again\n\
               ørsted@exämple.dk,Hans\n"
        .as_bytes();
    let report = common::import(&mut client, csv, false).await;
    assert_eq!(
        common::refused(&report),
        [(3, contacts::RefusedReason::DuplicateInFile)]
    );
    assert_eq!(report.inserted, 2);
    let again = common::import(&mut client, csv, false).await;
    assert_eq!((again.inserted, again.unchanged), (0, 2));
    let stored: Vec<String> =
        testkit::column(&client, "SELECT first_name FROM contacts ORDER BY id").await;
    assert_eq!(stored, ["Jürgen", "Hans"]);
}
