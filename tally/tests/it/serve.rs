//! `tally serve` and `tally api-key`: the real binary makes a key, serves the API with
//! it on a port the system picks, revokes it, and stops cleanly on SIGTERM; an
//! unmigrated database is refused.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use testkit::TestDb;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

fn tally(args: &[&str], url: &str) -> (bool, String, String) {
    let out = Command::new(TALLY)
        .args(args)
        .env("DATABASE_URL", url)
        .env("TALLY_LOG", "warn")
        .output()
        .expect("tally runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The status line of `GET path` with `key`.
async fn get(addr: &str, path: &str, key: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn serve_answers_with_a_key_made_by_api_key_until_revoked_and_stops_on_sigterm() {
    let db = TestDb::migrated().await;
    let url = db.connection_string();
    let org: i64 = db
        .connect()
        .await
        .query_one(
            "WITH o AS (INSERT INTO organizations (name, domain) VALUES ('Acme', 'acme.example') RETURNING id),
                  r AS (INSERT INTO roles (organization_id, name) SELECT id, 'viewer' FROM o RETURNING organization_id, id)
             INSERT INTO role_permissions (organization_id, role_id, permission_id)
             SELECT r.organization_id, r.id, p.id FROM r, permissions p WHERE p.key = 'list.read'
             RETURNING organization_id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let org = org.to_string();

    let (ok, key, err) = tally(
        &[
            "api-key",
            "create",
            "--organization",
            &org,
            "--role",
            "viewer",
        ],
        &url,
    );
    assert!(ok, "{err}");
    let key = key.trim().to_owned();
    assert!(
        key.starts_with("tly_") && key.len() == 36,
        "stdout is the key alone: {key:?}"
    );
    assert!(err.contains("shown once"), "{err}");
    let id: i64 = db
        .connect()
        .await
        .query_one("SELECT id FROM api_keys", &[])
        .await
        .unwrap()
        .get(0);

    let mut serve = Command::new(TALLY)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", &url)
        .env("TALLY_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();

    assert_eq!(
        get(&addr, "/v1/contact-lists", &key).await,
        "HTTP/1.1 200 OK"
    );
    assert_eq!(
        get(&addr, "/v1/campaigns", &key).await,
        "HTTP/1.1 403 Forbidden"
    );
    let (ok, out, err) = tally(
        &[
            "api-key",
            "revoke",
            "--organization",
            &org,
            "--id",
            &id.to_string(),
        ],
        &url,
    );
    assert!(ok && out.contains("revoked"), "{out}{err}");
    // The server kept the key it authenticated; the revocation's notification makes
    // it forget within milliseconds, not necessarily before the next request.
    let revoked_at = std::time::Instant::now();
    let mut status = get(&addr, "/v1/contact-lists", &key).await;
    while status != "HTTP/1.1 401 Unauthorized" && revoked_at.elapsed().as_secs() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        status = get(&addr, "/v1/contact-lists", &key).await;
    }
    assert_eq!(status, "HTTP/1.1 401 Unauthorized");

    kill(Pid::from_raw(serve.id() as i32), Signal::SIGTERM).unwrap();
    let status = tokio::task::spawn_blocking(move || serve.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(lines.next().map(Result::unwrap).as_deref(), Some("stopped"));

    let unmigrated = TestDb::empty().await;
    let (ok, _, err) = tally(
        &["serve", "--addr", "127.0.0.1:0"],
        &unmigrated.connection_string(),
    );
    assert!(!ok && err.contains("tally migrate"), "{err}");
    let (ok, _, err) = tally(
        &[
            "api-key",
            "create",
            "--organization",
            &org,
            "--role",
            "viewer",
        ],
        &unmigrated.connection_string(),
    );
    assert!(!ok && err.contains("tally migrate"), "{err}");
}
