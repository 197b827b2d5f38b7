//! A generated file of 1,000 lines with a known bad line of each kind.

use contacts::RefusedReason::{
    BadEncoding, DuplicateInFile, InvalidEmail, MalformedRow, MissingEmail,
};
use serde_json::json;
use testkit::TestDb;

use crate::common;

/// 1,000 contacts after the header (lines 2 to 1001), `user{n}@example.com` on line n,
/// except the lines listed in the test.
fn thousand_lines() -> Vec<u8> {
    let mut csv = b"Email, First_Name ,last_name,phone,company,plan\n".to_vec();
    for line in 2..=1001u32 {
        let row: Vec<u8> = match line {
            10 => b"bad10@example.com,J\xffrg,Smith,,Acme,pro".to_vec(),
            20 => b"extra20@example.com,Ann,Smith,,Acme,pro,surplus".to_vec(),
            30 => b" ,Nobody,Here,,Acme,pro".to_vec(),
            40 => b"not-an-address,Ann,Smith,,Acme,pro".to_vec(),
            50 => b"USER2@Example.COM,Again,Two,,Acme,pro".to_vec(),
            60 => b"someone@blocked.example,Bo,Blocked,,Acme,pro".to_vec(),
            70 => b"temp@MAILINATOR.com,Tim,Temp,,Acme,pro".to_vec(),
            80 => b"info@example.org,Inf,O,,Acme,pro".to_vec(),
            // A quote never closed: refused alone, line 91 still read.
            90 => b"\"open90@example.com,Ann,Smith,,Acme,pro".to_vec(),
            100 => b"nul100@example.com,Nu\0l,Smith,,Acme,pro".to_vec(),
            n => format!(
                "user{n}@example.com,First{n},Last{n},+1555{n:04},Acme,plan{}",
                n % 3
            )
            .into_bytes(),
        };
        csv.extend_from_slice(&row);
        csv.extend_from_slice(if line % 2 == 0 { b"\r\n" } else { b"\n" });
    }
    csv
}

#[tokio::test]
async fn a_thousand_lines_refuse_each_bad_one_by_its_line_and_validate_the_rest() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    let rules = common::setup(&client).await;

    let report = common::import(&mut client, &thousand_lines(), false).await;

    assert_eq!(
        common::refused(&report),
        [
            (10, BadEncoding),
            (20, MalformedRow),
            (30, MissingEmail),
            (40, InvalidEmail),
            (50, DuplicateInFile),
            (90, MalformedRow),
            (100, BadEncoding),
        ],
        "{:#?}",
        report.refused
    );
    assert_eq!(report.records, 1000);
    assert_eq!(report.inserted, 993);
    assert_eq!((report.updated, report.unchanged), (0, 0));
    assert_eq!(
        common::statuses(&report),
        [("valid", 990), ("invalid", 1), ("risky", 2)]
    );
    let detail = |line| {
        report
            .refused
            .iter()
            .find(|r| r.line == line)
            .unwrap()
            .detail
            .clone()
    };
    assert!(
        detail(10).contains("\"First_Name\"") && detail(10).contains("UTF-8"),
        "{}",
        detail(10)
    );
    assert!(
        detail(20).contains("7 fields") && detail(20).contains("6 columns"),
        "{}",
        detail(20)
    );
    assert!(
        detail(40).contains("not-an-address") && detail(40).contains("no @"),
        "{}",
        detail(40)
    );
    assert!(detail(50).contains("line 2"), "{}", detail(50));
    assert!(detail(90).contains("never closed"), "{}", detail(90));
    assert!(detail(100).contains("NUL"), "{}", detail(100));
    let mut applied: Vec<_> = report
        .rules
        .iter()
        .map(|r| (r.name.as_str(), r.version))
        .collect();
    applied.sort();
    assert_eq!(
        applied,
        [
            ("blocked", 2),
            ("disposable", 1),
            ("dupes", 1),
            ("roles", 3),
            ("syntax", 1)
        ]
    );
    assert_eq!(report.skipped_rules, ["mx"]);

    // The contacts as stored, and their validation.
    let status = |email: &'static str| {
        let client = &client;
        async move {
            client
                .query_one(
                    "SELECT validation_status::text, validation_details FROM contacts WHERE email = $1",
                    &[&email],
                )
                .await
                .unwrap_or_else(|e| panic!("{email}: {e}"))
        }
    };
    let blocked = status("someone@blocked.example").await;
    assert_eq!(blocked.get::<_, String>(0), "invalid");
    assert_eq!(
        blocked.get::<_, serde_json::Value>(1),
        json!({
            "rules": {"blocked": 2, "disposable": 1, "dupes": 1, "roles": 3, "syntax": 1},
            "failed": ["blocked"]
        })
    );
    assert_eq!(
        status("temp@MAILINATOR.com").await.get::<_, String>(0),
        "risky"
    );
    assert_eq!(
        status("info@example.org").await.get::<_, String>(0),
        "risky"
    );
    let clean = status("user91@example.com").await;
    assert_eq!(clean.get::<_, String>(0), "valid");
    assert_eq!(clean.get::<_, serde_json::Value>(1)["failed"], json!([]));
    // The first of two lines with one address wins.
    let first: String = client
        .query_one(
            "SELECT first_name FROM contacts WHERE lower(email) = 'user2@example.com'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(first, "First2");

    // One log row per failing rule, with the rule version's id.
    let logs: Vec<(String, i64, String)> = client
        .query(
            "SELECT c.email::text, l.rule_id, l.result::text FROM validation_logs l
               JOIN contacts c ON c.organization_id = l.organization_id AND c.id = l.contact_id
              ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        logs,
        [
            (
                "info@example.org".to_owned(),
                rules.roles,
                "risky".to_owned()
            ),
            (
                "someone@blocked.example".to_owned(),
                rules.blocked,
                "invalid".to_owned()
            ),
            (
                "temp@MAILINATOR.com".to_owned(),
                rules.disposable,
                "risky".to_owned()
            ),
        ]
    );

    // Audited by the database, as the import, once per contact.
    let counts = common::counts(&client).await;
    assert_eq!((counts.contacts, counts.audit_inserts), (993, 993));
    let actors: Vec<String> = testkit::column(
        &client,
        "SELECT DISTINCT actor FROM audit_logs WHERE entity_type = 'contacts'",
    )
    .await;
    assert_eq!(actors, ["import"]);
}
