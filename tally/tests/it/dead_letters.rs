//! `tally dead-letters list | replay`: the real binary against a fresh database, its
//! table, counts and summaries, a dry run, a replay and a second one.

use std::process::Command;

use chrono::{TimeDelta, Utc};
use testkit::TestDb;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

/// Runs `tally dead-letters` with `args`; returns (success, stdout, stderr).
fn tally(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(TALLY)
        .arg("dead-letters")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("TALLY_LOG", "warn")
        .output()
        .expect("tally runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The last number on the first line whose words after the indent start with `label`.
fn figure(text: &str, label: &str) -> u64 {
    text.lines()
        .find(|l| l.trim_start().starts_with(&format!("{label} ")))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{text}"))
}

#[tokio::test]
async fn dead_letters_are_listed_then_replayed_once() {
    let db = TestDb::migrated().await;
    let url = db.connection_string();
    let client = db.connect().await;
    client
        .batch_execute(
            "INSERT INTO organizations (id, name) VALUES (7, 'Acme');
             INSERT INTO campaigns (organization_id, id, name) VALUES (7, 10, 'Spring');",
        )
        .await
        .unwrap();
    // Two events of campaign 11, which does not exist yet, and a record that is not JSON,
    // as the ingest stores them.
    let at = (Utc::now() - TimeDelta::hours(1)).to_rfc3339();
    let mut ids = Vec::new();
    for (offset, payload, reason, detail) in [
        (
            0_i64,
            format!(
                r#"{{"event_id":"01936d3e-7f1a-7c3e-9a51-000000000001","organization_id":7,"campaign_id":11,"contact_id":1,"event_type":"OPEN","occurred_at":"{at}"}}"#
            ),
            "unknown_campaign",
            "organization 7, campaign 11: unknown_campaign",
        ),
        (
            1,
            format!(
                r#"{{"event_id":"01936d3e-7f1a-7c3e-9a51-000000000002","organization_id":7,"campaign_id":11,"contact_id":2,"event_type":"OPEN","occurred_at":"{at}"}}"#
            ),
            "unknown_campaign",
            "organization 7, campaign 11: unknown_campaign",
        ),
        (
            2,
            "{\"event_id\"\n".to_owned(),
            "malformed_json",
            "EOF while parsing an object\nat line 2 column 0",
        ),
    ] {
        let id: i64 = client
            .query_one(
                "INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, payload, reason, detail, organization_id)
                 VALUES ('events', 0, $1, $2, $3, $4, 7) RETURNING id",
                &[&offset, &payload.as_bytes(), &reason, &detail],
            )
            .await
            .unwrap()
            .get(0);
        ids.push(id.to_string());
    }

    let (ok, out, err) = tally(&url, &["list"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].contains("received (UTC)") && lines[0].contains("detail"),
        "{out}"
    );
    assert!(
        lines[1].contains("malformed_json")
            && lines[1].contains("EOF while parsing an object at line 2"),
        "newest first, the detail on one line:\n{out}"
    );
    assert_eq!(
        figure(&out, "unknown_campaign"),
        0,
        "replayed column:\n{out}"
    );
    assert!(
        out.contains("  total                          3         0"),
        "{out}"
    );
    let (ok, out, _) = tally(
        &url,
        &["list", "--reason", "unknown_campaign", "--limit", "1"],
    );
    assert!(ok);
    assert!(out.contains("showing the newest 1 of 2"), "{out}");
    let (ok, _, err) = tally(&url, &["list", "--reason", "unknown"]);
    assert!(!ok);
    assert!(
        err.contains("\"unknown\"") && err.contains("unknown_campaign"),
        "{err}"
    );

    // The campaign is created; a dry run says what a replay would do and writes nothing.
    client
        .batch_execute("INSERT INTO campaigns (organization_id, id, name) VALUES (7, 11, 'Summer')")
        .await
        .unwrap();
    let (ok, out, err) = tally(&url, &["replay", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(out.contains("(dry run: nothing written)"), "{out}");
    assert_eq!(figure(&out, "would store"), 2, "{out}");
    assert_eq!(figure(&out, "malformed_json"), 1, "{out}");
    let count = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(count, 0);

    // The two events by id (and one that does not exist), received within the hour.
    let (ok, out, err) = tally(
        &url,
        &[
            "replay", "--since", "1h", "--id", &ids[0], "--id", &ids[1], "--id", "999999",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.starts_with("replayed 2 dead letters"), "{out}");
    assert_eq!(figure(&out, "stored"), 2, "{out}");
    assert_eq!(figure(&out, "duplicates"), 0, "{out}");
    assert!(out.contains("not matching the filters): 999999"), "{out}");
    let count = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(count, 2);

    // Again: the two are replayed already, the bad record still fails, nothing is stored.
    let (ok, out, err) = tally(&url, &["replay"]);
    assert!(ok, "{err}");
    assert_eq!(figure(&out, "stored"), 0, "{out}");
    assert_eq!(figure(&out, "already replayed"), 2, "{out}");
    assert_eq!(figure(&out, "still failing"), 1, "{out}");
    let (ok, out, _) = tally(&url, &["list", "--all"]);
    assert!(ok);
    assert_eq!(
        out.lines().filter(|l| l.contains(" stored ")).count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("  total                          1         2"),
        "{out}"
    );
}
