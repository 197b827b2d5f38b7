//! `tally contacts import`: the real binary against a fresh database, its summary and
//! exit codes.

use std::process::Command;

use testkit::TestDb;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

/// Runs `tally contacts import` with `args`; returns (success, stdout, stderr).
fn import(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(TALLY)
        .args(["contacts", "import"])
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

/// A file of the test's own in the temporary directory, removed with it.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("tally-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The number on the summary line whose first word is `label`.
fn figure(text: &str, label: &str) -> u64 {
    text.lines()
        .find(|l| l.split_whitespace().next() == Some(label))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{text}"))
}

#[tokio::test]
async fn contacts_import_prints_its_summary_and_fails_only_on_errors() {
    let db = TestDb::migrated().await;
    let url = db.connection_string();
    db.connect()
        .await
        .batch_execute(
            "INSERT INTO organizations (id, name) VALUES (1, 'Acme'), (2, 'Globex');
             INSERT INTO contact_lists (organization_id, id, name) VALUES (1, 10, 'News'), (2, 20, 'Theirs');
             INSERT INTO validation_rules (organization_id, name, rule_type, definition) VALUES
                 (1, 'roles', 'role_account', '{}');",
        )
        .await
        .unwrap();
    let mut csv = b"email,name,company\n\
        ada@example.com,Ada Lovelace,Engines\n\
        info@example.com,Front Desk,\n\
        nobody-at-example.com,No Body,\n"
        .to_vec();
    for n in 0..24 {
        csv.extend_from_slice(format!("bad{n},X,\n").as_bytes());
    }
    let file = TempFile::new("contacts.csv", &csv);

    let (ok, out, err) = import(&url, &["--organization", "1", "--list", "10", file.path()]);
    assert!(ok, "refused lines are not a failure:\n{out}\n{err}");
    assert_eq!(figure(&out, "inserted"), 2, "{out}");
    assert_eq!(figure(&out, "unchanged"), 0, "{out}");
    assert_eq!(figure(&out, "refused"), 25, "{out}");
    assert_eq!(figure(&out, "valid"), 1, "{out}");
    assert_eq!(figure(&out, "risky"), 1, "{out}");
    assert!(out.contains("rules applied: roles v1"), "{out}");
    assert!(
        out.contains("line 4        invalid_email      \"nobody-at-example.com\" has no @"),
        "{out}"
    );
    // Twenty lines listed (4 to 23), the last five counted.
    assert!(
        out.contains("line 23 ") && !out.contains("line 24 "),
        "{out}"
    );
    assert!(out.trim_end().ends_with("... and 5 more"), "{out}");

    // Again, with updates allowed: nothing differs, nothing changes.
    let (ok, out, err) = import(
        &url,
        &[
            "--organization",
            "1",
            "--list",
            "10",
            "--update-existing",
            file.path(),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        (
            figure(&out, "inserted"),
            figure(&out, "updated"),
            figure(&out, "unchanged")
        ),
        (0, 0, 2),
        "{out}"
    );

    // Another organization's list: an error, the exit code says so.
    let (ok, out, err) = import(&url, &["--organization", "1", "--list", "20", file.path()]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("contact list 20 not found in organization 1"),
        "{err}"
    );
    let (ok, _, err) = import(
        &url,
        &["--organization", "1", "--list", "10", "/nonexistent/x.csv"],
    );
    assert!(!ok);
    assert!(err.contains("/nonexistent/x.csv"), "{err}");
    let header = TempFile::new("no-email.csv", b"mail,name\nx@example.com,X\n");
    let (ok, _, err) = import(
        &url,
        &["--organization", "1", "--list", "10", header.path()],
    );
    assert!(!ok);
    assert!(
        err.contains("no `email` column") && err.contains("\"mail\""),
        "{err}"
    );
}
