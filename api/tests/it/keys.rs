//! API keys: their shape, what is stored, authentication and revocation, the role by
//! name, and the permission vocabulary against the database's.

use api::{KeyError, RoleRef};
use reqwest::{Method, StatusCode};

use crate::{App, json, problem};

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
