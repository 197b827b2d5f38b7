//! The server around the routes: body limit, request timeout, graceful shutdown with a
//! request in flight, metrics, health, unknown routes and methods, and the schema check
//! at start.

use std::time::{Duration, Instant};

use api::{Limits, ServeConfig, ServeError};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::{App, json, problem};

/// Holds an ACCESS EXCLUSIVE lock on `table` until the returned client commits, and
/// waits for the next statement that needs it to queue behind it.
async fn lock(app: &App, table: &str) -> tokio_postgres::Client {
    let client = app.db.connect().await;
    client
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
        ))
        .await
        .unwrap();
    client
}

async fn wait_for_lock_waiter(app: &App) {
    let watcher = app.db.connect().await;
    let started = Instant::now();
    loop {
        let waiting: i64 = watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE wait_event_type = 'Lock' AND datname = current_database()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no request reached the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_request_in_flight_finishes_after_shutdown_is_asked() {
    let mut app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["list.read"]).await;
    let blocker = lock(&app, "contact_lists").await;
    let slow = tokio::spawn(
        app.request(Method::GET, "/v1/contact-lists", Some(&key))
            .send(),
    );
    wait_for_lock_waiter(&app).await;

    let server = app.shutdown();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !server.is_finished(),
        "the server stopped with a request in flight"
    );
    let refused = reqwest::Client::new().get(app.url("/healthz")).send().await;
    assert!(
        refused.is_err(),
        "a new connection was accepted after shutdown: {refused:?}"
    );

    blocker.batch_execute("COMMIT").await.unwrap();
    let response = slow.await.unwrap().unwrap();
    let page = json(response, StatusCode::OK).await;
    assert_eq!(page["items"][0]["id"], org.list);
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops once the request is answered")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_request_longer_than_the_timeout_is_a_timeout_problem() {
    let app = App::start_with(Limits {
        request_timeout: Duration::from_millis(500),
        ..Limits::default()
    })
    .await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["contact.read"]).await;
    let blocker = lock(&app, "contacts").await;
    let started = Instant::now();
    let (status, p) = problem(
        app.request(Method::GET, "/v1/contacts", Some(&key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "/problems/timeout")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    blocker.batch_execute("COMMIT").await.unwrap();
    // The server goes on answering.
    json(
        app.request(Method::GET, "/v1/contacts", Some(&key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_declared_or_streamed() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["list.write"]).await;
    // The default limit is 1 MiB.
    let big = json!({"name": "x".repeat(1024 * 1024 + 1)});
    let (status, p) = problem(
        app.request(Method::POST, "/v1/contact-lists", Some(&key))
            .json(&big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "/problems/payload-too-large")
    );
    let fits = json!({"name": "x".repeat(1000)});
    json(
        app.request(Method::POST, "/v1/contact-lists", Some(&key))
            .json(&fits)
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;

    // Chunked, without Content-Length: the limit holds while the body is read.
    let small = App::start_with(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    })
    .await;
    let org = small.organization("Acme").await;
    let key = small.key(org.id, &["list.write"]).await;
    let mut stream = tokio::net::TcpStream::connect(small.addr).await.unwrap();
    let body = format!("{{\"name\": \"{}\"}}", "y".repeat(4096));
    let request = format!(
        "POST /v1/contact-lists HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{body}\r\n0\r\n\r\n",
        key.secret,
        body.len()
    );
    // The server may answer and close before reading it all.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("application/problem+json"), "{response}");
    assert!(
        response.contains("/problems/payload-too-large"),
        "{response}"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_health_answers() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["lead.read"]).await;
    for _ in 0..2 {
        json(
            app.request(Method::GET, &format!("/v1/leads/{}", org.lead), Some(&key))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
    }
    let (status, _) = problem(
        app.request(Method::GET, "/v1/leads/1", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let health = json(
        app.request(Method::GET, "/healthz", None)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(health, json!({"status": "ok"}));

    let response = app
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    for line in [
        r#"tally_api_http_requests_total{method="GET",route="/v1/leads/{id}",status="200"} 2"#,
        r#"tally_api_http_requests_total{method="GET",route="/v1/leads/{id}",status="401"} 1"#,
        r#"tally_api_http_requests_total{method="GET",route="/healthz",status="200"} 1"#,
        r#"tally_api_http_request_duration_seconds_count{method="GET",route="/v1/leads/{id}"} 3"#,
        "tally_api_http_requests_in_flight 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in:\n{text}");
    }
    assert!(
        !text.contains(&format!("/v1/leads/{}", org.lead)),
        "an id in a label:\n{text}"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = App::start().await;
    let (status, p) = problem(
        app.request(Method::GET, "/v1/nothing", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::NOT_FOUND, "/problems/not-found")
    );
    let response = app
        .request(Method::PUT, "/v1/contact-lists", None)
        .send()
        .await
        .unwrap();
    let allow = response.headers().get("allow").cloned();
    let (status, p) = problem(response).await;
    assert_eq!(
        (status, p.type_.as_str()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "/problems/method-not-allowed"
        )
    );
    assert!(allow.is_some(), "405 keeps its Allow header");
}

#[tokio::test]
async fn a_database_with_pending_migrations_is_refused_at_start() {
    let db = testkit::TestDb::empty().await;
    let config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), db.config().clone());
    match api::bind(config).await {
        Err(ServeError::PendingMigrations(pending)) => {
            assert_eq!(pending.len(), schema::MIGRATIONS.len());
            assert!(
                ServeError::PendingMigrations(pending)
                    .to_string()
                    .contains("tally migrate"),
            );
        }
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("served a database without its schema"),
    }
}

#[tokio::test]
async fn the_guide_documents_every_problem_type() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md"))
        .expect("docs/api.md");
    for kind in api::ProblemKind::ALL {
        assert!(
            guide.contains(kind.type_uri()),
            "docs/api.md does not explain {}",
            kind.type_uri()
        );
    }
}

/// Whether a route template of the document matches a path the guide shows (its
/// `{...}` segments, and the guide's, stand for any segment).
fn route_matches(template: &str, shown: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), shown.split('/').collect());
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(t, s)| t == s || t.starts_with('{') || s.starts_with('{'))
}

#[test]
fn every_request_the_guide_shows_is_a_documented_operation() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md"))
        .expect("docs/api.md");
    let document = serde_json::to_value(api::openapi()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    let documented = |method: &str, path: &str| {
        paths.iter().any(|(template, item)| {
            route_matches(template, path) && item.get(method.to_lowercase()).is_some()
        })
    };
    let mut shown = Vec::new();
    // Requests named in the prose: `PATCH /v1/organization`.
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        for (at, _) in guide.match_indices(&format!("{method} /")) {
            let path: String = guide[at + method.len() + 1..]
                .chars()
                .take_while(|c| !matches!(c, '`' | ' ' | '?' | '\n' | ',' | ')'))
                .collect();
            if path.starts_with("/v1/")
                || path.starts_with("/healthz")
                || path.starts_with("/openapi")
            {
                shown.push((method.to_owned(), path));
            }
        }
    }
    // Requests in the examples: curl ... http://127.0.0.1:8080/v1/...
    let mut command = String::new();
    for line in guide.lines() {
        command.push_str(line.trim_end_matches('\\'));
        command.push(' ');
        if line.trim_end().ends_with('\\') {
            continue;
        }
        if command.trim_start().starts_with("curl ") {
            let words: Vec<&str> = command.split_whitespace().collect();
            let method = words
                .iter()
                .position(|w| *w == "-X")
                .and_then(|i| words.get(i + 1))
                .map(|m| m.to_string())
                .unwrap_or_else(|| {
                    let sends = words
                        .iter()
                        .any(|w| ["-d", "--data-binary", "-F", "-T"].contains(w));
                    if sends { "POST" } else { "GET" }.to_owned()
                });
            for word in &words {
                let word = word.trim_matches(|c| c == '\'' || c == '"');
                if let (Some(at), true) = (word.find("/v1/"), word.starts_with("http")) {
                    let path = word[at..].split('?').next().unwrap_or_default().to_owned();
                    shown.push((method.clone(), path));
                }
            }
        }
        command.clear();
    }
    assert!(
        shown.len() >= 20,
        "only {} requests found in the guide",
        shown.len()
    );
    let missing: Vec<String> = shown
        .iter()
        .filter(|(method, path)| !documented(method, path))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "the guide shows requests no route serves: {missing:?}"
    );
}

#[tokio::test]
async fn a_migration_that_changes_a_tables_columns_costs_at_most_one_retryable_answer() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["list.read"]).await;
    let list = |key| {
        app.request(Method::GET, "/v1/contact-lists", Some(key))
            .send()
    };
    // The route's statements are prepared on the pool's connections.
    for _ in 0..3 {
        assert_eq!(list(&key).await.unwrap().status(), StatusCode::OK);
    }
    // A rolling upgrade: a migration adds a column while the server runs, so a
    // prepared `SELECT *` would answer a different row type.
    app.db
        .connect()
        .await
        .batch_execute("ALTER TABLE contact_lists ADD COLUMN colour text")
        .await
        .unwrap();
    let mut answers = Vec::new();
    for _ in 0..6 {
        let response = list(&key).await.unwrap();
        let status = response.status();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(
                response.headers().get("retry-after").map(|v| v.as_bytes()),
                Some(&b"0"[..])
            );
            let (_, p) = problem(response).await;
            assert_eq!(p.type_, "/problems/unavailable");
        }
        answers.push(status.as_u16());
    }
    assert!(
        answers.iter().filter(|s| **s != 200).count() <= 1
            && answers[1..].iter().all(|s| *s == 200),
        "{answers:?}"
    );
}
