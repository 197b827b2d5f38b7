//! API keys: their shape, what is stored, authentication and revocation, the role by
//! name, and the permission vocabulary against the database's.

use std::time::{Duration, Instant};

use api::{KeyError, RoleRef};
use reqwest::{Method, StatusCode};

use crate::{App, Key, json, problem};

/// How long a change of keys may take to reach a server that kept the key: its
/// notification, on a machine that may be busy with other tests.
const NOTIFIED_WITHIN: Duration = Duration::from_secs(5);

/// The status of `GET path` with `key`, asked until it is `want` or
/// [`NOTIFIED_WITHIN`] has passed.
async fn soon(app: &App, key: &Key, path: &str, want: StatusCode) -> StatusCode {
    let started = Instant::now();
    loop {
        let status = app
            .request(Method::GET, path, Some(key))
            .send()
            .await
            .unwrap()
            .status();
        if status == want || started.elapsed() > NOTIFIED_WITHIN {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The value of the sample `series` (name and labels, as written) on `/metrics`.
async fn sample(app: &App, series: &str) -> f64 {
    let text = app.metrics().await;
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

/// Waits until the server hears of key changes (it starts listening as it starts).
async fn listening(app: &App) {
    let started = Instant::now();
    while sample(app, "tally_api_key_changes_listening").await != 1.0 {
        assert!(
            started.elapsed() < NOTIFIED_WITHIN,
            "the server never listened for key changes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn kept_keys_are_forgotten_when_a_key_or_a_role_changes_in_the_database() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["list.read", "contact.read"]).await;
    listening(&app).await;
    let memory = r#"tally_api_key_lookups_total{source="memory"}"#;
    let database = r#"tally_api_key_lookups_total{source="database"}"#;
    for _ in 0..3 {
        let status = app
            .request(Method::GET, "/v1/contact-lists", Some(&key))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(sample(&app, database).await, 1.0, "looked up once");
    assert_eq!(sample(&app, memory).await, 2.0, "then found in memory");

    // Another replica, or the operator, takes a permission from the key's role: this
    // server learns of it from the database alone.
    let client = app.db.connect().await;
    let changed = client
        .execute(
            "DELETE FROM role_permissions rp USING permissions p, api_keys k \
              WHERE p.id = rp.permission_id AND p.key = 'contact.read' \
                AND k.id = $1 AND rp.role_id = k.role_id",
            &[&key.id],
        )
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let started = Instant::now();
    assert_eq!(
        soon(&app, &key, "/v1/contacts", StatusCode::FORBIDDEN).await,
        StatusCode::FORBIDDEN
    );
    let took = started.elapsed();
    assert_eq!(
        soon(&app, &key, "/v1/contact-lists", StatusCode::OK).await,
        StatusCode::OK
    );

    // The organization deleted: its keys stop working.
    client
        .execute(
            "UPDATE organizations SET deleted_at = now() WHERE id = $1",
            &[&org.id],
        )
        .await
        .unwrap();
    assert_eq!(
        soon(&app, &key, "/v1/contact-lists", StatusCode::UNAUTHORIZED).await,
        StatusCode::UNAUTHORIZED
    );
    client
        .execute(
            "UPDATE organizations SET deleted_at = NULL WHERE id = $1",
            &[&org.id],
        )
        .await
        .unwrap();
    assert_eq!(
        soon(&app, &key, "/v1/contact-lists", StatusCode::OK).await,
        StatusCode::OK
    );
    eprintln!("a role's change reached the server in {took:?}");
}

#[tokio::test]
async fn a_key_is_shown_once_stored_as_a_hash_and_stops_working_when_revoked() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let mut client = app.db.connect().await;
    let key = app.key(org.id, &["list.read"]).await;
    assert!(
        key.secret.starts_with("tly_") && key.secret.len() == 36,
        "{}",
        key.secret
    );
    let row = client
        .query_one(
            "SELECT prefix, key_hash FROM api_keys WHERE id = $1",
            &[&key.id],
        )
        .await
        .unwrap();
    let (prefix, hash): (String, Vec<u8>) = (row.get(0), row.get(1));
    assert_eq!(prefix, key.secret[..8]);
    assert_eq!(hash, api_key_hash(&key.secret));
    let stored: i64 = client
        .query_one(
            "SELECT count(*) FROM api_keys WHERE row_to_json(api_keys)::text LIKE '%' || $1 || '%'",
            &[&&key.secret[8..]],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0, "the key itself is stored");

    let page = json(
        app.request(Method::GET, "/v1/contact-lists", Some(&key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"][0]["id"], org.list);

    let revoked = api::revoke_key(&mut client, org.id, key.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    // The server may have kept the key; the revocation's notification reaches it
    // within milliseconds, not necessarily before the next request.
    assert_eq!(
        soon(&app, &key, "/v1/contact-lists", StatusCode::UNAUTHORIZED).await,
        StatusCode::UNAUTHORIZED
    );
    let (status, p) = problem(
        app.request(Method::GET, "/v1/contact-lists", Some(&key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::UNAUTHORIZED, "/problems/unauthorized")
    );
    assert!(matches!(
        api::revoke_key(&mut client, org.id, key.id).await,
        Err(KeyError::NoKey { .. })
    ));
    let audit: Vec<String> = testkit::column(
        &client,
        &format!("SELECT actor || ' ' || action FROM audit_logs WHERE entity_type = 'api_keys' AND entity_id = {} ORDER BY id", key.id),
    )
    .await;
    assert_eq!(audit, ["operator insert", "operator update"]);
}

fn api_key_hash(key: &str) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(key.as_bytes()).to_vec()
}

#[tokio::test]
async fn a_role_is_found_by_name_in_its_organization_only() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.empty_organization("Globex").await;
    let mut client = app.db.connect().await;
    client
        .batch_execute(&format!(
            "INSERT INTO roles (organization_id, name) VALUES ({}, 'viewer')",
            a.id
        ))
        .await
        .unwrap();
    let new = api::create_key(&mut client, a.id, &"viewer".parse().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        (new.role_name.as_str(), new.key.name.as_str()),
        ("viewer", "viewer key")
    );
    let other = api::create_key(&mut client, b, &RoleRef::Name("viewer".into()), None).await;
    assert!(matches!(other, Err(KeyError::NoRole { .. })), "{other:?}");
    let other = api::create_key(&mut client, b, &RoleRef::Id(new.key.role_id), None).await;
    assert!(matches!(other, Err(KeyError::NoRole { .. })), "{other:?}");
    let nowhere = api::create_key(&mut client, 999_999, &RoleRef::Id(1), None).await;
    assert!(
        matches!(nowhere, Err(KeyError::NoOrganization(999_999))),
        "{nowhere:?}"
    );
}

#[tokio::test]
async fn the_permissions_are_the_databases_vocabulary() {
    let db = testkit::TestDb::migrated().await;
    let mut keys: Vec<String> = testkit::column(
        &db.connect().await,
        "SELECT key FROM permissions ORDER BY key",
    )
    .await;
    let mut ours: Vec<String> = api::Permission::ALL
        .iter()
        .map(|p| p.key().to_owned())
        .collect();
    keys.sort();
    ours.sort();
    assert_eq!(ours, keys);
}
