//! `tally gdpr` and the `gdpr` job through the real binary: an export and an erasure
//! from the command line, a request filed as the API files it carried out by
//! `tally run gdpr`, the settings they need, and a request past the deadline reported.

use std::process::Command;

use testkit::TestDb;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");
const KEY: &str = "0123456789abcdef0123456789abcdef-cli";

/// Runs tally with the database, a store in `store` and, if given, the key.
fn tally(
    args: &[&str],
    url: &str,
    store: &std::path::Path,
    key: Option<&str>,
) -> (bool, String, String) {
    let mut cmd = Command::new(TALLY);
    cmd.args(args)
        .env("DATABASE_URL", url)
        .env("TALLY_ARCHIVE_URL", store)
        .env("TALLY_LOG", "warn")
        .env_remove("TALLY_GDPR_KEY");
    if let Some(key) = key {
        cmd.env("TALLY_GDPR_KEY", key);
    }
    let out = cmd.output().expect("tally runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SEED: &str = "
    INSERT INTO organizations (id, name) VALUES (1, 'Acme');
    INSERT INTO contact_lists (organization_id, id, name) VALUES (1, 10, 'Newsletter');
    INSERT INTO contacts (organization_id, id, contact_list_id, email, first_name) VALUES
        (1, 100, 10, 'ada@example.com', 'Adaqz'), (1, 101, 10, 'bob@example.com', 'Bob');
    INSERT INTO campaigns (organization_id, id, name) VALUES (1, 40, 'Launch');
    SELECT tally_create_day_partition('2026-11-20');
    INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type, occurred_at, ip_address, event_data)
    SELECT gen_random_uuid(), 1, 40, 100 + g % 2, 'OPEN', '2026-11-20 10:00:00+00'::timestamptz + g * interval '1 minute',
           '203.0.113.7', jsonb_build_object('email', 'x', 'n', g)
    FROM generate_series(1, 10) g;";

#[tokio::test]
async fn export_and_erase_from_the_command_line_and_the_job_carries_out_filed_requests() {
    let db = TestDb::migrated().await;
    let url = db.connection_string();
    let client = db.connect().await;
    client.batch_execute(SEED).await.unwrap();
    let store = std::env::temp_dir().join(format!("tally-cli-gdpr-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);

    let (ok, out, err) = tally(
        &[
            "gdpr",
            "export",
            "--organization",
            "1",
            "--email",
            "ADA@example.com",
        ],
        &url,
        &store,
        None,
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("filed request 1") && out.contains("export.json"),
        "{out}"
    );
    let document = store.join("gdpr/exports/organization=1/request=1/export.json");
    let text = std::fs::read_to_string(&document).unwrap();
    assert!(text.contains("Adaqz") && !text.contains("bob@"), "{text}");

    // The operator's nightly backup, from before the erasure.
    let backup = db.backup().await;

    // No key: the erasure is refused, names the setting, and changes nothing.
    let (ok, _, err) = tally(
        &[
            "gdpr",
            "erase",
            "--organization",
            "1",
            "--email",
            "ada@example.com",
        ],
        &url,
        &store,
        None,
    );
    assert!(!ok);
    assert!(err.contains("TALLY_GDPR_KEY"), "{err}");
    // With it, the same (failed) request is run again.
    let (ok, out, err) = tally(
        &[
            "gdpr",
            "erase",
            "--organization",
            "1",
            "--email",
            "ada@example.com",
        ],
        &url,
        &store,
        Some(KEY),
    );
    assert!(ok, "{err}");
    assert!(out.contains("resuming unfinished request 2"), "{out}");
    assert!(
        out.contains("events_p20261120") && out.contains("contacts"),
        "{out}"
    );
    assert!(!document.exists(), "the earlier export's files are erased");
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE contact_id = 100 AND ip_address IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);

    // Filed as the API files it, carried out by the job; one filed 40 days ago and
    // never completed is reported.
    client
        .batch_execute(
            "INSERT INTO gdpr_requests (organization_id, subject_email, request_type)
                 VALUES (1, 'bob@example.com', 'export');
             INSERT INTO gdpr_requests (organization_id, subject_email, request_type, status, requested_at, completed_at, error)
                 VALUES (1, 'old@example.com', 'export', 'failed', now() - interval '40 days', now(), 'store down');",
        )
        .await
        .unwrap();
    let (ok, out, err) = tally(&["run", "gdpr"], &url, &store, Some(KEY));
    assert!(ok, "{err}");
    assert!(out.contains("gdpr succeeded: 1 rows"), "{out}");
    assert!(
        err.contains("past the 30-day deadline"),
        "the job reports it: {err}"
    );
    let status: String = client
        .query_one(
            "SELECT status::text FROM gdpr_requests WHERE subject_email = 'bob@example.com'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "completed");
    let (ok, out, _) = tally(&["gdpr", "process"], &url, &store, Some(KEY));
    assert!(ok);
    assert!(
        out.contains("1 past the 30-day deadline") && out.contains("overdue: request 4"),
        "{out}"
    );

    // The database is lost and the backup restored: reapply erases Ada again.
    let restored = TestDb::restore(&backup).await;
    let restored_url = restored.connection_string();
    let (ok, out, err) = tally(&["gdpr", "reapply"], &restored_url, &store, Some(KEY));
    assert!(ok, "{err}");
    assert!(
        out.contains("1 logged erasure(s): 0 already reflected here, 1 carried out again")
            && out.contains("erasure of request 2 carried out again"),
        "{out}"
    );
    let back: i64 = restored
        .connect()
        .await
        .query_one(
            "SELECT count(*) FROM events WHERE contact_id = 100 AND ip_address IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(back, 0, "the erased events stay erased after the restore");
    let (ok, out, err) = tally(&["gdpr", "reapply"], &restored_url, &store, Some(KEY));
    assert!(ok, "{err}");
    assert!(
        out.contains("1 already reflected here, 0 carried out again"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&store);
}

#[test]
fn the_subject_and_organization_are_required_and_a_short_key_is_refused() {
    let store = std::env::temp_dir();
    let url = "host=/nonexistent dbname=x";
    let (ok, _, err) = tally(&["gdpr", "export", "--email", "a@b.c"], url, &store, None);
    assert!(!ok && err.contains("--organization"), "{err}");
    let (ok, _, err) = tally(&["gdpr", "erase", "--organization", "1"], url, &store, None);
    assert!(!ok && err.contains("--email EMAIL"), "{err}");
    let (ok, _, err) = tally(
        &[
            "gdpr",
            "erase",
            "--organization",
            "1",
            "--email",
            "a@b.c",
            "--user-email",
            "c@d.e",
        ],
        url,
        &store,
        None,
    );
    assert!(!ok && err.contains("cannot be used with"), "{err}");
    let (ok, _, err) = tally(
        &["gdpr", "reapply", "--organization", "1"],
        url,
        &store,
        None,
    );
    assert!(!ok && err.contains("reapply takes no subject"), "{err}");
    let (ok, _, err) = tally(&["gdpr", "process"], url, &store, Some("short"));
    assert!(!ok && err.contains("at least 32"), "{err}");
}
