//! The archive and restore against an S3-compatible server on loopback, through the same
//! object_store S3 client production uses: multipart upload, ranged reads, listing.
//!
//! The server: `TALLY_TEST_S3_ENDPOINT` (e.g. `http://127.0.0.1:9000`, credentials from
//! the usual `AWS_*` variables; bucket `TALLY_TEST_S3_BUCKET`, or one created with an
//! unsigned PUT), else a `moto_server` from PATH started on a free port for this test
//! and killed at its end (`pip install 'moto[server]'`), else the test is skipped with
//! a message, unless `TALLY_REQUIRE_S3=1`, which makes it fail instead (CI sets it).
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use archiver::{
    ArchiveError, ArchivePolicy, ArchiveStep, archive, list, open_store_with_options, restore,
};
use chrono::{DateTime, Utc};
use testkit::TestDb;
use testkit::day;
use tokio_postgres::Client;

/// A moto_server this test started; killed when dropped.
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The endpoint, the bucket, whether credentials are ours to make up, and the server
/// to stop at the end; None when there is no server and none is required.
fn server() -> Option<(String, String, bool, Option<Moto>)> {
    let bucket = std::env::var("TALLY_TEST_S3_BUCKET").ok();
    if let Ok(endpoint) = std::env::var("TALLY_TEST_S3_ENDPOINT") {
        let bucket = bucket.unwrap_or_else(|| create_bucket(&endpoint));
        return Some((endpoint, bucket, false, None));
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("moto_server").is_file()))
        .unwrap_or(false);
    if !on_path {
        let message = "no S3 server: set TALLY_TEST_S3_ENDPOINT, or install moto_server with pip install 'moto[server]'";
        if std::env::var("TALLY_REQUIRE_S3").as_deref() == Ok("1") {
            panic!("TALLY_REQUIRE_S3=1 but {message}");
        }
        eprintln!("skipped: {message}");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting moto_server: {e}"));
    let moto = Moto(child);
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto_server did not listen on {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let bucket = bucket.unwrap_or_else(|| create_bucket(&endpoint));
    Some((endpoint, bucket, true, Some(moto)))
}

/// Creates a bucket with a random name by an unsigned HTTP PUT, as moto and test
/// servers accept.
fn create_bucket(endpoint: &str) -> String {
    let bucket = format!(
        "tally-test-{}-{}",
        std::process::id(),
        Utc::now().timestamp_subsec_nanos()
    );
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "creating bucket {bucket}: {}",
        response.lines().next().unwrap_or_default()
    );
    bucket
}

async fn seed(client: &Client, d: &str, n: i32) {
    client
        .execute("SELECT tally_create_day_partition($1::text::date)", &[&d])
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO events (event_id, organization_id, campaign_id, contact_id, event_type,
                                 occurred_at, ip_address, event_data, received_at)
             SELECT gen_random_uuid(), 1 + g % 3, 10 + g % 7, g, (enum_range(NULL::event_type))[1 + g % 7],
                    ($1::text::date::timestamp + g * interval '0.2345678 second') AT TIME ZONE 'UTC',
                    CASE WHEN g % 3 = 0 THEN NULL ELSE ('2001:db8::' || to_hex(g % 65536))::inet END,
                    jsonb_build_object('url', 'https://example.com/?g=' || g, 'n', g,
                                       'token', md5(g || 'a') || md5(g || 'b') || md5(g || 'c') || md5(g || 'd')),
                    ($1::text::date::timestamp + g * interval '0.2345678 second' + interval '1 second') AT TIME ZONE 'UTC'
             FROM generate_series(1, $2::int) g",
            &[&d, &n],
        )
        .await
        .unwrap();
}

type Row = (
    uuid::Uuid,
    i64,
    String,
    Option<String>,
    String,
    DateTime<Utc>,
);

async fn rows(client: &Client) -> Vec<Row> {
    client
        .query(
            "SELECT event_id, contact_id, event_type::text, ip_address::text, event_data::text, occurred_at
             FROM events ORDER BY event_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

#[tokio::test]
async fn archive_and_restore_through_s3() {
    let Some((endpoint, bucket, local, _moto)) = server() else {
        return;
    };
    let mut options = vec![
        ("endpoint", endpoint.clone()),
        ("allow_http", "true".to_owned()),
        ("virtual_hosted_style_request", "false".to_owned()),
    ];
    if local {
        for (k, v) in [
            ("region", "us-east-1"),
            ("access_key_id", "test"),
            ("secret_access_key", "test"),
        ] {
            options.push((k, v.to_owned()));
        }
    }
    let prefix = format!("run-{}", Utc::now().timestamp_micros());
    let store =
        open_store_with_options(&format!("s3://{bucket}/{prefix}"), options.clone()).unwrap();
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    // Large enough for a multipart upload (more than the 8 MiB upload buffer).
    seed(&client, "2024-01-10", 150_000).await;
    seed(&client, "2024-01-11", 1_000).await;
    let before = rows(&client).await;
    let now = DateTime::parse_from_rfc3339("2026-11-21T04:00:00Z")
        .unwrap()
        .with_timezone(&Utc);

    // A crash right after the first upload, then a full run: one object per day.
    let crash = ArchivePolicy {
        stop_after: Some(ArchiveStep::Uploaded),
        ..ArchivePolicy::default()
    };
    let stopped = archive(&mut client, &store, now, &crash, &|_| {}).await;
    assert!(
        matches!(stopped, Err(ArchiveError::Stopped { .. })),
        "{stopped:?}"
    );
    let report = archive(&mut client, &store, now, &ArchivePolicy::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.days_dropped, report.rows_dropped), (2, 151_000));
    assert!(
        report.bytes_written > 8 << 20,
        "{} bytes",
        report.bytes_written
    );
    let keys = vec![
        "events/year=2024/month=01/day=10/events_p20240110.parquet".to_owned(),
        "events/year=2024/month=01/day=11/events_p20240111.parquet".to_owned(),
    ];
    assert_eq!(store.keys().await.unwrap(), keys);
    assert!(rows(&client).await.is_empty());
    let manifest = list(&client).await.unwrap();
    assert_eq!(
        manifest.iter().map(|e| e.rows).collect::<Vec<_>>(),
        vec![150_000, 1_000]
    );

    // A store opened from the same URL afresh (as the next monthly run would) restores.
    let store = open_store_with_options(&format!("s3://{bucket}/{prefix}"), options).unwrap();
    let restored = restore(
        &mut client,
        &store,
        day("2024-01-01"),
        day("2024-01-31"),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(restored.rows_restored, 151_000);
    assert_eq!(rows(&client).await, before);
    let again = archive(&mut client, &store, now, &ArchivePolicy::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!((again.days_exported, again.days_dropped), (0, 2));
    assert_eq!(store.keys().await.unwrap(), keys);
}
