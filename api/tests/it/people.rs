//! The people domains through HTTP: lifecycles audited as the key, conflicts, filters.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::{App, Key, json, problem};

/// Sends `method path` with `key` and, when given, a JSON body.
async fn call(app: &App, method: Method, path: &str, key: &Key, body: Option<Value>) -> Response {
    let mut request = app.request(method, path, Some(key));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// The JSON of a 200 to `GET path`.
async fn get(app: &App, path: &str, key: &Key) -> Value {
    json(
        call(app, Method::GET, path, key, None).await,
        StatusCode::OK,
    )
    .await
}

/// The status, type and field of an error answer.
async fn refusal(response: Response) -> (StatusCode, String, Option<String>) {
    let (status, p) = problem(response).await;
    (status, p.type_, p.field)
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_organization_is_the_keys_own_and_changes_audited_as_the_key() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app
        .key(a.id, &["organization.read", "organization.write"])
        .await;
    let theirs = app.key(b.id, &["organization.read"]).await;

    let own = get(&app, "/v1/organization", &key).await;
    assert_eq!(
        (own["id"].as_i64(), &own["name"]),
        (Some(a.id), &json!("Acme"))
    );
    assert_eq!(own["domain"], "acme.example");
    assert_eq!(
        get(&app, "/v1/organization", &theirs).await["id"].as_i64(),
        Some(b.id)
    );

    let renamed = json(
        call(
            &app,
            Method::PATCH,
            "/v1/organization",
            &key,
            Some(json!({"name": "Acme Ltd"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&renamed["name"], &renamed["domain"]),
        (&json!("Acme Ltd"), &json!("acme.example")),
        "an absent field is kept"
    );
    // Domains are unique among live organizations, case-insensitively.
    assert_eq!(
        refusal(
            call(
                &app,
                Method::PATCH,
                "/v1/organization",
                &key,
                Some(json!({"domain": "GLOBEX.example"}))
            )
            .await
        )
        .await,
        (
            StatusCode::CONFLICT,
            "/problems/conflict".to_owned(),
            Some("domain".to_owned())
        )
    );
    assert_eq!(
        refusal(
            call(
                &app,
                Method::PATCH,
                "/v1/organization",
                &key,
                Some(json!({"name": " "}))
            )
            .await
        )
        .await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "/problems/unprocessable".to_owned(),
            Some("name".to_owned())
        )
    );
    let cleared = json(
        call(
            &app,
            Method::PATCH,
            "/v1/organization",
            &key,
            Some(json!({"domain": null})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["domain"], Value::Null);
    assert_eq!(
        app.audit("organizations", a.id, &key).await,
        ["update", "update"]
    );
    assert_eq!(
        get(&app, "/v1/organization", &theirs).await["name"],
        "Globex",
        "another organization is untouched"
    );
}

#[tokio::test]
async fn members_are_invited_changed_and_removed_audited_as_the_key() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app.key(a.id, &["user.read", "user.write"]).await;
    let theirs = app.key(b.id, &["user.read", "user.write"]).await;
    let role = a.rows["roles"];
    let other_role = {
        let admin = app.admin_key(a.id).await;
        json(
            call(
                &app,
                Method::POST,
                "/v1/roles",
                &admin,
                Some(json!({"name": "Editor"})),
            )
            .await,
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .unwrap()
    };

    let response = call(
        &app,
        Method::POST,
        "/v1/members",
        &key,
        Some(json!({"email": "grace@acme.example", "full_name": "Grace", "role_id": role})),
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let invited = json(response, StatusCode::CREATED).await;
    let id = invited["id"].as_i64().unwrap();
    assert_eq!(location, format!("/v1/members/{id}"));
    assert_eq!(
        (
            &invited["email"],
            &invited["full_name"],
            invited["role_id"].as_i64()
        ),
        (&json!("grace@acme.example"), &json!("Grace"), Some(role))
    );
    assert_eq!(get(&app, &location, &key).await, invited);
    let page = get(&app, "/v1/members", &key).await;
    assert!(ids(&page).contains(&id), "{page}");
    assert!(ids(&page).contains(&a.rows["members"]), "{page}");
    let first = get(&app, "/v1/members?limit=1", &key).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["next_after"], first["items"][0]["id"]);

    // Users are global: an address is taken whichever organization has it.
    for email in [
        "GRACE@acme.example".to_owned(),
        format!("walker{}@walk.example", b.id),
    ] {
        assert_eq!(
            refusal(
                call(
                    &app,
                    Method::POST,
                    "/v1/members",
                    &key,
                    Some(json!({"email": email, "full_name": "Again", "role_id": role})),
                )
                .await
            )
            .await,
            (
                StatusCode::CONFLICT,
                "/problems/conflict".to_owned(),
                Some("email".to_owned())
            ),
            "{email}"
        );
    }
    for (body, field) in [
        (
            json!({"email": "x@acme.example", "full_name": "X", "role_id": b.rows["roles"]}),
            "role_id",
        ),
        (
            json!({"email": "not an address", "full_name": "X", "role_id": role}),
            "email",
        ),
        (
            json!({"email": "y@acme.example", "full_name": "", "role_id": role}),
            "full_name",
        ),
    ] {
        let (status, _, got) =
            refusal(call(&app, Method::POST, "/v1/members", &key, Some(body)).await).await;
        assert_eq!(
            (status, got.as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field))
        );
    }

    let changed = json(
        call(
            &app,
            Method::PATCH,
            &location,
            &key,
            Some(json!({"full_name": "Grace Hopper", "role_id": other_role})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            &changed["full_name"],
            changed["role_id"].as_i64(),
            &changed["email"]
        ),
        (
            &json!("Grace Hopper"),
            Some(other_role),
            &json!("grace@acme.example")
        )
    );
    assert_eq!(
        refusal(
            call(
                &app,
                Method::PATCH,
                &location,
                &key,
                Some(json!({"role_id": b.rows["roles"]}))
            )
            .await
        )
        .await
        .2
        .as_deref(),
        Some("role_id")
    );

    // Another organization's key: the member does not exist for it.
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({"full_name": "Mallory"}));
        let (status, kind, _) =
            refusal(call(&app, method.clone(), &location, &theirs, body).await).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::NOT_FOUND, "/problems/not-found"),
            "{method}"
        );
    }
    assert!(!ids(&get(&app, "/v1/members", &theirs).await).contains(&id));

    let removed = call(&app, Method::DELETE, &location, &key, None).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        refusal(call(&app, Method::GET, &location, &key, None).await)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        refusal(call(&app, Method::DELETE, &location, &key, None).await)
            .await
            .0,
        StatusCode::NOT_FOUND,
        "a second removal"
    );
    assert!(!ids(&get(&app, "/v1/members", &key).await).contains(&id));

    let membership = invited["membership_id"].as_i64().unwrap();
    assert_eq!(app.audit("users", id, &key).await, ["insert", "update"]);
    assert_eq!(
        app.audit("memberships", membership, &key).await,
        ["insert", "update", "delete"]
    );
}

#[tokio::test]
async fn a_member_of_two_organizations_is_not_changed_but_can_be_removed() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app.key(a.id, &["user.read", "user.write"]).await;
    let theirs = app.key(b.id, &["user.read"]).await;
    let user = a.rows["members"];
    // The operator gives A's member a membership of B too.
    app.db
        .connect()
        .await
        .execute(
            "INSERT INTO memberships (organization_id, user_id, role_id) VALUES ($1, $2, $3)",
            &[&b.id, &user, &b.rows["roles"]],
        )
        .await
        .unwrap();
    let path = format!("/v1/members/{user}");
    let admin = app.admin_key(a.id).await;
    let other_role = json(
        call(
            &app,
            Method::POST,
            "/v1/roles",
            &admin,
            Some(json!({"name": "Second"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .clone();
    for patch in [
        json!({"full_name": "Renamed"}),
        json!({"role_id": other_role}),
    ] {
        let (status, kind, _) =
            refusal(call(&app, Method::PATCH, &path, &key, Some(patch.clone())).await).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "/problems/unprocessable"),
            "{patch}"
        );
    }
    let member = get(&app, &path, &key).await;
    assert_eq!(
        (&member["full_name"], member["role_id"].as_i64()),
        (&json!("Walker"), Some(a.rows["roles"]))
    );
    let removed = call(&app, Method::DELETE, &path, &key, None).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        refusal(call(&app, Method::GET, &path, &key, None).await)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&app, &path, &theirs).await["full_name"], "Walker");
}

#[tokio::test]
async fn roles_live_and_die_through_http_audited_as_the_key() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app.key(a.id, &["role.read", "role.write"]).await;
    let theirs = app.key(b.id, &["role.read", "role.write"]).await;

    let response = call(
        &app,
        Method::POST,
        "/v1/roles",
        &key,
        Some(json!({"name": "Auditor", "description": "reads the trail"})),
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let role = json(response, StatusCode::CREATED).await;
    let id = role["id"].as_i64().unwrap();
    assert_eq!(location, format!("/v1/roles/{id}"));
    assert_eq!(get(&app, &location, &key).await, role);
    assert!(ids(&get(&app, "/v1/roles", &key).await).contains(&id));
    assert!(!ids(&get(&app, "/v1/roles", &theirs).await).contains(&id));
    assert_eq!(
        refusal(
            call(
                &app,
                Method::POST,
                "/v1/roles",
                &key,
                Some(json!({"name": "Auditor"}))
            )
            .await
        )
        .await,
        (
            StatusCode::CONFLICT,
            "/problems/conflict".to_owned(),
            Some("name".to_owned())
        )
    );
    // Names are unique per organization only.
    json(
        call(
            &app,
            Method::POST,
            "/v1/roles",
            &theirs,
            Some(json!({"name": "Auditor"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let patched = json(
        call(
            &app,
            Method::PATCH,
            &location,
            &key,
            Some(json!({"description": null})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&patched["name"], &patched["description"]),
        (&json!("Auditor"), &Value::Null)
    );

    // The vocabulary, and grants that are idempotent both ways.
    let vocabulary = get(&app, "/v1/permissions", &key).await;
    assert_eq!(
        vocabulary["items"].as_array().unwrap().len(),
        api::Permission::ALL.len(),
        "{vocabulary}"
    );
    let grant = format!("{location}/permissions/audit.read");
    for _ in 0..2 {
        let granted = json(
            call(&app, Method::PUT, &grant, &key, None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(granted["items"][0]["key"], "audit.read", "{granted}");
    }
    json(
        call(
            &app,
            Method::PUT,
            &format!("{location}/permissions/lead.read"),
            &key,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let keys = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        keys(&get(&app, &format!("{location}/permissions"), &key).await),
        ["audit.read", "lead.read"]
    );
    for _ in 0..2 {
        let left = json(
            call(&app, Method::DELETE, &grant, &key, None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(keys(&left), ["lead.read"]);
    }
    for method in [Method::PUT, Method::DELETE] {
        assert_eq!(
            refusal(
                call(
                    &app,
                    method.clone(),
                    &format!("{location}/permissions/audit.wrote"),
                    &key,
                    None
                )
                .await
            )
            .await,
            (
                StatusCode::BAD_REQUEST,
                "/problems/validation".to_owned(),
                Some("key".to_owned())
            ),
            "{method}"
        );
        assert_eq!(
            refusal(call(&app, method.clone(), &grant, &theirs, None).await)
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{method} on another organization's role"
        );
    }
    assert_eq!(
        refusal(
            call(
                &app,
                Method::GET,
                &format!("{location}/permissions"),
                &theirs,
                None
            )
            .await
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let grants: Vec<String> = testkit::column(
        &app.db.connect().await,
        &format!(
            "SELECT action FROM audit_logs
              WHERE entity_type = 'role_permissions' AND actor = 'api_key:{}'
                AND coalesce(changes -> 'new', changes -> 'old') ->> 'role_id' = '{id}'
              ORDER BY id",
            key.id
        ),
    )
    .await;
    assert_eq!(
        grants,
        ["insert", "insert", "delete"],
        "audit.read, lead.read, revoke"
    );

    // Deleting is final, and takes the grants with it.
    let deleted = call(&app, Method::DELETE, &location, &key, None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    for path in [location.clone(), format!("{location}/permissions")] {
        assert_eq!(
            refusal(call(&app, Method::GET, &path, &key, None).await)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        refusal(call(&app, Method::DELETE, &location, &key, None).await)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.audit("roles", id, &key).await,
        ["insert", "update", "delete"]
    );
}

#[tokio::test]
async fn a_role_in_use_is_not_deleted_and_grants_take_effect_at_once() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let admin = app.admin_key(a.id).await;
    let reader = app.key(a.id, &["list.read"]).await;

    // The member's role, then the reader key's role: each refuses to go.
    let keys = get(&app, "/v1/api-keys", &admin).await;
    let reader_role = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == reader.id)
        .unwrap()["role_id"]
        .as_i64()
        .unwrap();
    for role in [a.rows["roles"], reader_role] {
        let (status, kind, _) = refusal(
            call(
                &app,
                Method::DELETE,
                &format!("/v1/roles/{role}"),
                &admin,
                None,
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::CONFLICT, "/problems/conflict")
        );
        get(&app, &format!("/v1/roles/{role}"), &admin).await;
    }

    let leads = || call(&app, Method::GET, "/v1/leads", &reader, None);
    assert_eq!(refusal(leads().await).await.0, StatusCode::FORBIDDEN);
    let grant = format!("/v1/roles/{reader_role}/permissions/lead.read");
    json(
        call(&app, Method::PUT, &grant, &admin, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&json(leads().await, StatusCode::OK).await), [a.lead]);
    json(
        call(&app, Method::DELETE, &grant, &admin, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(refusal(leads().await).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_keys_are_listed_without_secrets_live_and_revoked() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app.key(a.id, &["role.read"]).await;
    let other = app.key(a.id, &["list.read"]).await;
    let theirs = app.key(b.id, &["role.read"]).await;
    api::revoke_key(&mut app.db.connect().await, a.id, other.id)
        .await
        .unwrap();

    let page = get(&app, "/v1/api-keys", &key).await;
    assert_eq!(ids(&page), [key.id, other.id]);
    let listed = &page["items"][1];
    assert!(listed["revoked_at"].is_string(), "{listed}");
    assert_eq!(listed["prefix"], other.secret[..8]);
    assert!(page["items"][0]["revoked_at"].is_null());
    let text = page.to_string();
    assert!(
        !text.contains("hash") && !text.contains(&other.secret[8..]),
        "{text}"
    );
    assert_eq!(ids(&get(&app, "/v1/api-keys", &theirs).await), [theirs.id]);
    let first = get(&app, "/v1/api-keys?limit=1", &key).await;
    assert_eq!(first["next_after"], key.id);
}

#[tokio::test]
async fn the_audit_trail_pages_and_filters_by_entity_within_the_organization() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app.key(a.id, &["audit.read", "list.write"]).await;
    let theirs = app.key(b.id, &["audit.read"]).await;
    let list = format!("/v1/contact-lists/{}", a.list);
    json(
        call(
            &app,
            Method::PATCH,
            &list,
            &key,
            Some(json!({"name": "Renamed"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let history = get(
        &app,
        &format!(
            "/v1/audit-logs?entity_type=contact_lists&entity_id={}",
            a.list
        ),
        &key,
    )
    .await;
    let entries = history["items"].as_array().unwrap();
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    let actor = format!("api_key:{}", key.id);
    assert_eq!(actions, [("insert", "test"), ("update", actor.as_str())]);
    assert_eq!(entries[1]["changes"]["new"]["name"], "Renamed", "{history}");
    assert_eq!(entries[1]["entity_id"], a.list);

    // The whole trail, page by page, is the organization's alone.
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = get(
            &app,
            &format!("/v1/audit-logs?limit=50&after={after}"),
            &key,
        )
        .await;
        seen.extend(ids(&page));
        match page["next_after"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    assert!(seen.contains(&entries[1]["id"].as_i64().unwrap()));
    let foreign: i64 = app
        .db
        .connect()
        .await
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE id = ANY($1) AND organization_id <> $2",
            &[&seen, &a.id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(foreign, 0);
    let all: i64 = app
        .db
        .connect()
        .await
        .query_one(
            "SELECT count(*) FROM audit_logs WHERE organization_id = $1",
            &[&a.id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(seen.len() as i64, all);

    let theirs_history = get(
        &app,
        &format!(
            "/v1/audit-logs?entity_type=contact_lists&entity_id={}",
            a.list
        ),
        &theirs,
    )
    .await;
    assert_eq!(theirs_history["items"], json!([]));

    for (query, field) in [
        ("entity_type=contact_lists", "entity_id"),
        ("entity_id=3", "entity_type"),
        ("entity_type=Contact%20Lists&entity_id=3", "entity_type"),
        ("entity_id=x&entity_type=contacts", "entity_id"),
        ("actor=me", "actor"),
    ] {
        let (status, _, got) = refusal(
            call(
                &app,
                Method::GET,
                &format!("/v1/audit-logs?{query}"),
                &key,
                None,
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, got.as_deref()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{query}"
        );
    }
}

#[tokio::test]
async fn gdpr_requests_are_filed_listed_by_status_and_show_their_receipts() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app.key(a.id, &["gdpr.read", "gdpr.write"]).await;
    let theirs = app.key(b.id, &["gdpr.read", "gdpr.write"]).await;

    let response = call(
        &app,
        Method::POST,
        "/v1/gdpr-requests",
        &key,
        Some(json!({"subject_email": "ada@acme.example", "request_type": "deletion", "contact_id": a.contact})),
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let request = json(response, StatusCode::CREATED).await;
    let id = request["id"].as_i64().unwrap();
    assert_eq!(location, format!("/v1/gdpr-requests/{id}"));
    assert_eq!(
        (
            &request["status"],
            &request["request_type"],
            &request["contact_id"]
        ),
        (&json!("pending"), &json!("deletion"), &json!(a.contact))
    );
    assert_eq!(get(&app, &location, &key).await, request);
    assert!(ids(&get(&app, "/v1/gdpr-requests?status=pending", &key).await).contains(&id));
    assert_eq!(
        get(&app, "/v1/gdpr-requests?status=completed", &key).await["items"],
        json!([])
    );
    assert!(!ids(&get(&app, "/v1/gdpr-requests", &theirs).await).contains(&id));
    assert_eq!(
        get(&app, &format!("{location}/deletions"), &key).await["items"],
        json!([])
    );

    // The GDPR job's receipts, as it writes them.
    app.db
        .connect()
        .await
        .execute(
            "INSERT INTO data_deletions (organization_id, gdpr_request_id, table_name, rows_deleted)
             VALUES ($1, $2, 'contacts', 1), ($1, $2, 'leads', 2)",
            &[&a.id, &id],
        )
        .await
        .unwrap();
    let receipts = get(&app, &format!("{location}/deletions"), &key).await;
    let tables: Vec<(&str, i64)> = receipts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["table_name"].as_str().unwrap(),
                r["rows_deleted"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(tables, [("contacts", 1), ("leads", 2)]);
    for path in [location.clone(), format!("{location}/deletions")] {
        assert_eq!(
            refusal(call(&app, Method::GET, &path, &theirs, None).await)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }

    for (body, status, field) in [
        (
            json!({"subject_email": "a@acme.example", "request_type": "erase"}),
            StatusCode::BAD_REQUEST,
            "request_type",
        ),
        (
            json!({"subject_email": "nobody", "request_type": "export"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "subject_email",
        ),
        (
            json!({"subject_email": "a@acme.example", "request_type": "export", "contact_id": b.contact}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "contact_id",
        ),
    ] {
        let (got, _, named) =
            refusal(call(&app, Method::POST, "/v1/gdpr-requests", &key, Some(body)).await).await;
        assert_eq!((got, named.as_deref()), (status, Some(field)));
    }
    let (status, _, field) = refusal(
        call(
            &app,
            Method::GET,
            "/v1/gdpr-requests?status=done",
            &key,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, field.as_deref()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );
    assert_eq!(app.audit("gdpr_requests", id, &key).await, ["insert"]);
}

#[tokio::test]
async fn a_completed_export_is_downloaded_by_its_organization_only() {
    let dir = std::env::temp_dir().join(format!("tally-api-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = archiver::open_store(&format!("file://{}", dir.display())).unwrap();
    let served = store.clone();
    let app = App::start_configured(move |config| config.store = Some(served)).await;
    let a = app.organization("Acme").await;
    let b = app.organization("Globex").await;
    let key = app.key(a.id, &["gdpr.read", "gdpr.write"]).await;
    let theirs = app.key(b.id, &["gdpr.read"]).await;

    let filed = json(
        call(
            &app,
            Method::POST,
            "/v1/gdpr-requests",
            &key,
            Some(json!({"subject_email": "ADA@acme.example", "request_type": "export"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = filed["id"].as_i64().unwrap();
    let url = format!("/v1/gdpr-requests/{id}/export");
    // Not carried out yet: nothing to download.
    let (status, _) = problem(
        app.request(Method::GET, &url, Some(&key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The GDPR job carries it out, writing to the store the server reads.
    let mut client = app.db.connect().await;
    let config = gdpr::GdprConfig::new(store, None);
    gdpr::process_request(&mut client, &config, a.id, id, false, &|_| {})
        .await
        .unwrap();

    let response = app
        .request(Method::GET, &url, Some(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("gdpr-request-{id}-export.json"))
    );
    let document: Value = response.json().await.unwrap();
    let contacts = document["tables"]["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1, "{document}");
    assert_eq!(contacts[0]["email"], "ada@acme.example");

    let csv = app
        .request(Method::GET, &format!("{url}?file=contacts.csv"), Some(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.text().await.unwrap().contains("ada@acme.example"));

    for (path, who, expected) in [
        (
            format!("{url}?file=nothing.csv"),
            &key,
            StatusCode::NOT_FOUND,
        ),
        (
            format!("{url}?file=..%2Fsecret.csv"),
            &key,
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("{url}?file=Export.JSON"),
            &key,
            StatusCode::BAD_REQUEST,
        ),
        (url.clone(), &theirs, StatusCode::NOT_FOUND),
    ] {
        let (status, p) = problem(
            app.request(Method::GET, &path, Some(who))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, expected, "{path}: {p:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
