//! Each domain through HTTP: create, get, list, patch, delete, get 404, restore, with
//! the audit trail naming the key (`api_key:<id>`) for every change; conflicts and
//! refused values as problems; filters. The status flows are in `flows`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{App, Key, json, problem};

/// Runs the lifecycle of one resource and returns the created row.
pub async fn lifecycle(
    app: &App,
    key: &Key,
    collection: &str,
    table: &str,
    new: Value,
    patch: Value,
    changed: (&str, Value),
) -> Value {
    let response = app
        .request(Method::POST, collection, Some(key))
        .json(&new)
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created = json(response, StatusCode::CREATED).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("{collection}/{id}"));

    let got = json(
        app.request(Method::GET, &location, Some(key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(got, created);

    let page = json(
        app.request(Method::GET, collection, Some(key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id),
        "{page}"
    );
    assert_eq!(page["next_after"], Value::Null);

    let patched = json(
        app.request(Method::PATCH, &location, Some(key))
            .json(&patch)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched[changed.0], changed.1, "{patched}");
    for (field, value) in created.as_object().unwrap() {
        if field != changed.0 && field != "updated_at" {
            assert_eq!(&patched[field], value, "PATCH changed {field}");
        }
    }

    let deleted = app
        .request(Method::DELETE, &location, Some(key))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (status, p) = problem(
        app.request(Method::GET, &location, Some(key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::NOT_FOUND, "/problems/not-found")
    );
    let (status, _) = problem(
        app.request(Method::DELETE, &location, Some(key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a second delete");

    let restored = json(
        app.request(Method::POST, &format!("{location}/restore"), Some(key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(restored[changed.0], changed.1);
    let (status, _) = problem(
        app.request(Method::POST, &format!("{location}/restore"), Some(key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "restoring a live row");

    assert_eq!(
        app.audit(table, id, key).await,
        ["insert", "update", "soft_delete", "restore"],
        "{table} {id}"
    );
    restored
}

#[tokio::test]
async fn contact_lists_live_and_die_through_http_audited_as_the_key() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["list.read", "list.write"]).await;
    let list = lifecycle(
        &app,
        &key,
        "/v1/contact-lists",
        "contact_lists",
        json!({"name": "Newsletter", "description": "monthly"}),
        json!({"name": "Letters"}),
        ("name", json!("Letters")),
    )
    .await;
    assert_eq!(list["description"], "monthly");
    // null clears a nullable field; a blank name is refused by the schema.
    let path = format!("/v1/contact-lists/{}", list["id"]);
    let cleared = json(
        app.request(Method::PATCH, &path, Some(&key))
            .json(&json!({"description": null}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["description"], Value::Null);
    let (status, p) = problem(
        app.request(Method::PATCH, &path, Some(&key))
            .json(&json!({"name": "  "}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "/problems/unprocessable")
    );
    assert_eq!(p.field.as_deref(), Some("name"));
    let (status, p) = problem(
        app.request(Method::PATCH, &path, Some(&key))
            .json(&json!({"name": null}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::BAD_REQUEST, Some("name"))
    );
}

#[tokio::test]
async fn contacts_live_and_die_through_http_with_conflicts_and_filters() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["contact.read", "contact.write"]).await;
    let contact = lifecycle(
        &app,
        &key,
        "/v1/contacts",
        "contacts",
        json!({"contact_list_id": org.list, "email": "grace@acme.example", "attributes": {"plan": "pro"}}),
        json!({"last_name": "Hopper"}),
        ("last_name", json!("Hopper")),
    )
    .await;
    assert_eq!(contact["attributes"], json!({"plan": "pro"}));
    assert_eq!(contact["validation_status"], "pending");

    let (status, p) = problem(
        app.request(Method::POST, "/v1/contacts", Some(&key))
            .json(&json!({"contact_list_id": org.list, "email": "GRACE@acme.example"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::CONFLICT, "/problems/conflict")
    );
    assert_eq!(p.field.as_deref(), Some("email"));
    let (status, p) = problem(
        app.request(Method::POST, "/v1/contacts", Some(&key))
            .json(&json!({"contact_list_id": org.list, "email": "not an address"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("email"))
    );

    // Filters: by list and by validation status; the created range.
    let by_status = json(
        app.request(Method::GET, "/v1/contacts?status=valid", Some(&key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_status["items"], json!([]));
    let by_list = json(
        app.request(
            Method::GET,
            &format!("/v1/contacts?list={}&status=pending", org.list),
            Some(&key),
        )
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_list["items"].as_array().unwrap().len(), 2);
    let created = json(
        app.request(
            Method::GET,
            "/v1/contacts/created?from=2000-01-01T00:00:00Z&limit=1",
            Some(&key),
        )
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(created["items"][0]["id"], org.contact);
    let next = format!(
        "/v1/contacts/created?from={}&after={}&limit=1",
        created["next_from"].as_str().unwrap().replace('+', "%2B"),
        created["next_after"]
    );
    let second = json(
        app.request(Method::GET, &next, Some(&key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"][0]["id"], contact["id"]);
    assert_eq!(second["next_after"], Value::Null);
}
