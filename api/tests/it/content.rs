//! The content domains through HTTP: lifecycles audited as the key, conflicts, filters.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::lifecycle::lifecycle;
use crate::{App, Key, json, problem};

/// Sends `method path` with `key` and, when given, a JSON body.
async fn call(app: &App, method: Method, path: &str, key: &Key, body: Option<Value>) -> Response {
    let mut request = app.request(method, path, Some(key));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// The JSON of a success answer: 201 to a POST with a body, 200 otherwise.
async fn ok(app: &App, method: Method, path: &str, key: &Key, body: Option<Value>) -> Value {
    let expected = if method == Method::POST && body.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(call(app, method, path, key, body).await, expected).await
}

/// The status, type and field of an error answer.
async fn refusal(response: Response) -> (StatusCode, String, Option<String>) {
    let (status, p) = problem(response).await;
    (status, p.type_, p.field)
}

/// The ids of a list's items, in order.
fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// The audit actors of one row, oldest first.
async fn actors(app: &App, table: &str, id: i64) -> Vec<String> {
    testkit::column(
        &app.db.connect().await,
        &format!(
            "SELECT actor FROM audit_logs WHERE entity_type = '{table}' AND entity_id = {id} \
             ORDER BY id"
        ),
    )
    .await
}

#[tokio::test]
async fn email_templates_are_versioned_by_name_and_audited_as_the_key() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let other = app.organization("Globex").await;
    let key = app.key(org.id, &["template.read", "template.write"]).await;
    let reader = app.key(org.id, &["template.read"]).await;
    let theirs = app
        .key(other.id, &["template.read", "template.write"])
        .await;

    let new = json!({"name": "Spring", "subject": "Hello", "body_html": "<p>Hi</p>"});
    let response = call(&app, Method::POST, "/v1/email-templates", &key, Some(new)).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let first = json(response, StatusCode::CREATED).await;
    assert_eq!(location, format!("/v1/email-templates/{}", first["id"]));
    assert_eq!(
        (&first["version"], &first["body_text"]),
        (&json!(1), &Value::Null)
    );
    // The same name again is the next version, a row of its own.
    let second = ok(
        &app,
        Method::POST,
        "/v1/email-templates",
        &key,
        Some(
            json!({"name": "Spring", "subject": "Hello again", "body_html": "<p>Hi</p>",
                    "body_text": "Hi"}),
        ),
    )
    .await;
    assert_eq!(second["version"], 2);
    assert_ne!(second["id"], first["id"]);
    assert_eq!(ok(&app, Method::GET, &location, &reader, None).await, first);
    let page = ok(&app, Method::GET, "/v1/email-templates", &reader, None).await;
    assert_eq!(
        ids(&page),
        [
            org.rows["email-templates"],
            first["id"].as_i64().unwrap(),
            second["id"].as_i64().unwrap()
        ]
    );
    let page = ok(
        &app,
        Method::GET,
        "/v1/email-templates?limit=1",
        &reader,
        None,
    )
    .await;
    assert_eq!(page["next_after"], org.rows["email-templates"]);

    // No PATCH: an edit is a new version.
    let (status, kind, _) = refusal(
        call(
            &app,
            Method::PATCH,
            &location,
            &key,
            Some(json!({"subject": "x"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, kind.as_str()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "/problems/method-not-allowed"
        )
    );

    // Deleted, gone; restored, back; the version numbers are never reused.
    let gone = call(&app, Method::DELETE, &location, &key, None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let (status, ..) = refusal(call(&app, Method::GET, &location, &key, None).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let third = ok(
        &app,
        Method::POST,
        "/v1/email-templates",
        &key,
        Some(json!({"name": "Spring", "subject": "Third", "body_html": ""})),
    )
    .await;
    assert_eq!(third["version"], 3);
    let restored = ok(
        &app,
        Method::POST,
        &format!("{location}/restore"),
        &key,
        None,
    )
    .await;
    assert_eq!(restored["version"], 1);
    let (status, ..) = refusal(
        call(
            &app,
            Method::POST,
            &format!("{location}/restore"),
            &key,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "restoring a live version");
    let id = first["id"].as_i64().unwrap();
    assert_eq!(
        app.audit("email_templates", id, &key).await,
        ["insert", "soft_delete", "restore"]
    );

    // Refusals: a blank subject, a missing body, a reader writing, another organization.
    let (status, kind, field) = refusal(
        call(
            &app,
            Method::POST,
            "/v1/email-templates",
            &key,
            Some(json!({"name": "Blank", "subject": " ", "body_html": ""})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, kind.as_str(), field.as_deref()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "/problems/unprocessable",
            Some("subject")
        )
    );
    let (status, _, field) = refusal(
        call(
            &app,
            Method::POST,
            "/v1/email-templates",
            &key,
            Some(json!({"name": "Bodiless", "subject": "Hi"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, field.as_deref()),
        (StatusCode::BAD_REQUEST, Some("body_html"))
    );
    let (status, ..) = refusal(call(&app, Method::DELETE, &location, &reader, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for method in [Method::GET, Method::DELETE] {
        let (status, ..) = refusal(call(&app, method, &location, &theirs, None).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let theirs_page = ok(&app, Method::GET, "/v1/email-templates", &theirs, None).await;
    assert!(!ids(&theirs_page).contains(&id));
}

#[tokio::test]
async fn forms_and_their_fields_live_and_die_through_http_audited_as_the_key() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let other = app.organization("Globex").await;
    let key = app.key(org.id, &["form.read", "form.write"]).await;
    let theirs = app.key(other.id, &["form.read", "form.write"]).await;

    let form = lifecycle(
        &app,
        &key,
        "/v1/forms",
        "forms",
        json!({"name": "Contact us", "description": "footer"}),
        json!({"description": null}),
        ("description", Value::Null),
    )
    .await;
    let fields = format!("/v1/forms/{}/fields", form["id"]);

    // Fields go after the last one unless placed; the list is in display order.
    let email = ok(
        &app,
        Method::POST,
        &fields,
        &key,
        Some(
            json!({"field_key": "email", "label": "Email", "field_type": "email",
                    "required": true}),
        ),
    )
    .await;
    assert_eq!(
        (&email["position"], &email["required"]),
        (&json!(0), &json!(true))
    );
    let response = call(
        &app,
        Method::POST,
        &fields,
        &key,
        Some(
            json!({"field_key": "topic", "label": "Topic", "field_type": "select",
                    "options": ["sales", "support"]}),
        ),
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let topic = json(response, StatusCode::CREATED).await;
    assert_eq!(location, format!("/v1/form-fields/{}", topic["id"]));
    assert_eq!(
        (&topic["position"], &topic["options"], &topic["form_id"]),
        (&json!(1), &json!(["sales", "support"]), &form["id"])
    );
    let first = ok(
        &app,
        Method::POST,
        &fields,
        &key,
        Some(json!({"field_key": "name", "label": "Name", "field_type": "text", "position": 0})),
    )
    .await;
    let listed = ok(&app, Method::GET, &fields, &key, None).await;
    assert_eq!(
        ids(&listed),
        [
            email["id"].as_i64().unwrap(),
            first["id"].as_i64().unwrap(),
            topic["id"].as_i64().unwrap()
        ]
    );
    assert_eq!(ok(&app, Method::GET, &location, &key, None).await, topic);

    // PATCH keeps what is absent and clears options with null.
    let changed = ok(
        &app,
        Method::PATCH,
        &location,
        &key,
        Some(json!({"field_type": "text", "options": null, "position": 5})),
    )
    .await;
    assert_eq!(
        (
            &changed["field_type"],
            &changed["options"],
            &changed["position"],
            &changed["label"]
        ),
        (&json!("text"), &Value::Null, &json!(5), &json!("Topic"))
    );

    // Refusals naming the field: a key taken, an unknown type, a malformed key, a
    // negative position, a key that cannot change.
    for (body, status, field) in [
        (
            json!({"field_key": "email", "label": "Again", "field_type": "email"}),
            StatusCode::CONFLICT,
            "field_key",
        ),
        (
            json!({"field_key": "age", "label": "Age", "field_type": "slider"}),
            StatusCode::BAD_REQUEST,
            "field_type",
        ),
        (
            json!({"field_key": "Bad Key", "label": "Bad", "field_type": "text"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "field_key",
        ),
        (
            json!({"field_key": "late", "label": "Late", "field_type": "date", "position": -1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "position",
        ),
        (
            json!({"field_key": "opts", "label": "Opts", "field_type": "select", "options": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "options",
        ),
    ] {
        let (got, _, named) =
            refusal(call(&app, Method::POST, &fields, &key, Some(body.clone())).await).await;
        assert_eq!((got, named.as_deref()), (status, Some(field)), "{body}");
    }
    let (status, _, field) = refusal(
        call(
            &app,
            Method::PATCH,
            &location,
            &key,
            Some(json!({"field_key": "x"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, field.as_deref()),
        (StatusCode::BAD_REQUEST, Some("field_key"))
    );

    // A deleted field's key is free again, and its restore then conflicts.
    let email_path = format!("/v1/form-fields/{}", email["id"]);
    let gone = call(&app, Method::DELETE, &email_path, &key, None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert!(
        !ids(&ok(&app, Method::GET, &fields, &key, None).await)
            .contains(&email["id"].as_i64().unwrap())
    );
    ok(
        &app,
        Method::POST,
        &fields,
        &key,
        Some(json!({"field_key": "email", "label": "Email", "field_type": "email"})),
    )
    .await;
    let (status, kind, field) = refusal(
        call(
            &app,
            Method::POST,
            &format!("{email_path}/restore"),
            &key,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, kind.as_str(), field),
        (StatusCode::CONFLICT, "/problems/conflict", None)
    );
    let topic_id = topic["id"].as_i64().unwrap();
    let gone = call(&app, Method::DELETE, &location, &key, None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    ok(
        &app,
        Method::POST,
        &format!("{location}/restore"),
        &key,
        None,
    )
    .await;
    assert_eq!(
        app.audit("form_fields", topic_id, &key).await,
        ["insert", "update", "soft_delete", "restore"]
    );

    // Another organization's form and fields are not found; a deleted form takes no
    // fields.
    for (method, path, body) in [
        (Method::GET, fields.clone(), None),
        (
            Method::POST,
            fields.clone(),
            Some(json!({"field_key": "x", "label": "X", "field_type": "text"})),
        ),
        (Method::GET, location.clone(), None),
        (
            Method::PATCH,
            location.clone(),
            Some(json!({"label": "Theirs"})),
        ),
        (Method::DELETE, location.clone(), None),
    ] {
        let (status, ..) = refusal(call(&app, method, &path, &theirs, body).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let form_path = format!("/v1/forms/{}", form["id"]);
    let gone = call(&app, Method::DELETE, &form_path, &key, None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let (status, ..) = refusal(
        call(
            &app,
            Method::POST,
            &fields,
            &key,
            Some(json!({"field_key": "late", "label": "Late", "field_type": "text"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn form_responses_are_filtered_deleted_and_restored_as_the_key() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let other = app.organization("Globex").await;
    let key = app.key(org.id, &["form.read", "form.write"]).await;
    let theirs = app.key(other.id, &["form.read", "form.write"]).await;
    let id = org.rows["form-responses"];
    let path = format!("/v1/form-responses/{id}");

    let response = ok(&app, Method::GET, &path, &key, None).await;
    assert_eq!(
        (
            &response["form_id"],
            &response["campaign_id"],
            &response["response_data"]
        ),
        (
            &json!(org.rows["forms"]),
            &json!(org.campaign),
            &json!({"email": "ada@example.com"})
        )
    );
    for (query, expected) in [
        (String::new(), vec![id]),
        (format!("?form={}", org.rows["forms"]), vec![id]),
        (format!("?campaign={}", org.campaign), vec![id]),
        (format!("?form={}", other.rows["forms"]), vec![]),
        (format!("?form={}&campaign=0", org.rows["forms"]), vec![]),
    ] {
        let page = ok(
            &app,
            Method::GET,
            &format!("/v1/form-responses{query}"),
            &key,
            None,
        )
        .await;
        assert_eq!(ids(&page), expected, "{query}");
    }
    let page = ok(&app, Method::GET, "/v1/form-responses", &theirs, None).await;
    assert_eq!(ids(&page), [other.rows["form-responses"]]);
    let (status, ..) = refusal(call(&app, Method::GET, &path, &theirs, None).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, ..) = refusal(call(&app, Method::DELETE, &path, &theirs, None).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let gone = call(&app, Method::DELETE, &path, &key, None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ids(&ok(&app, Method::GET, "/v1/form-responses", &key, None).await),
        Vec::<i64>::new()
    );
    let restored = ok(&app, Method::POST, &format!("{path}/restore"), &key, None).await;
    assert_eq!(restored, response);
    assert_eq!(
        app.audit("form_responses", id, &key).await,
        ["soft_delete", "restore"]
    );
}

#[tokio::test]
async fn validation_rules_publish_versions_and_deactivate_audited_as_the_key() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let other = app.organization("Globex").await;
    let key = app.key(org.id, &["contact.read", "contact.write"]).await;
    let reader = app.key(org.id, &["contact.read"]).await;
    let theirs = app.key(other.id, &["contact.read", "contact.write"]).await;

    let response = call(
        &app,
        Method::POST,
        "/v1/validation-rules",
        &key,
        Some(
            json!({"name": "disposable", "rule_type": "disposable_domain",
                    "definition": {"domains": ["mailinator.com"]}}),
        ),
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let v1 = json(response, StatusCode::CREATED).await;
    assert_eq!(
        (&v1["version"], &v1["is_active"], &v1["rule_type"]),
        (&json!(1), &json!(true), &json!("disposable_domain"))
    );
    // The next version replaces the active one.
    let v2 = ok(
        &app,
        Method::POST,
        "/v1/validation-rules",
        &key,
        Some(
            json!({"name": "disposable", "rule_type": "disposable_domain",
                    "definition": {"domains": ["mailinator.com", "yopmail.com"]}}),
        ),
    )
    .await;
    assert_eq!(
        (&v2["version"], &v2["is_active"]),
        (&json!(2), &json!(true))
    );
    let v1_now = ok(&app, Method::GET, &location, &reader, None).await;
    assert_eq!(v1_now["is_active"], false);
    let (v1_id, v2_id) = (v1["id"].as_i64().unwrap(), v2["id"].as_i64().unwrap());
    let blocked = org.rows["validation-rules"];
    for (query, expected) in [
        ("", vec![blocked, v1_id, v2_id]),
        ("?active=true", vec![blocked, v2_id]),
        ("?active=false", vec![v1_id]),
    ] {
        let page = ok(
            &app,
            Method::GET,
            &format!("/v1/validation-rules{query}"),
            &reader,
            None,
        )
        .await;
        assert_eq!(ids(&page), expected, "{query}");
    }

    // Deactivating is idempotent: a retired version is answered as it is.
    let v2_path = format!("/v1/validation-rules/{v2_id}");
    let deactivate = format!("{v2_path}/deactivate");
    let retired = ok(&app, Method::POST, &deactivate, &key, None).await;
    assert_eq!(retired["is_active"], false);
    let again = ok(&app, Method::POST, &deactivate, &key, None).await;
    assert_eq!(again, retired);
    let v1_again = ok(
        &app,
        Method::POST,
        &format!("{location}/deactivate"),
        &key,
        None,
    )
    .await;
    assert_eq!(v1_again, v1_now);
    assert_eq!(
        app.audit("validation_rules", v1_id, &key).await,
        ["insert", "update"]
    );
    assert_eq!(
        app.audit("validation_rules", v2_id, &key).await,
        ["insert", "update"]
    );

    // Refusals: a type the import does not know, a definition it could not apply, a
    // non-object definition, a blank name, a reader writing, another organization.
    for (body, status, field) in [
        (
            json!({"name": "mx", "rule_type": "mx_lookup"}),
            StatusCode::BAD_REQUEST,
            "rule_type",
        ),
        (
            json!({"name": "blocked2", "rule_type": "blocked_domain"}),
            StatusCode::BAD_REQUEST,
            "definition.domains",
        ),
        (
            json!({"name": "roles", "rule_type": "role_account",
                   "definition": {"local_parts": "info"}}),
            StatusCode::BAD_REQUEST,
            "definition.local_parts",
        ),
        (
            json!({"name": "syntax", "rule_type": "syntax", "definition": [1]}),
            StatusCode::BAD_REQUEST,
            "definition",
        ),
        (
            json!({"name": " ", "rule_type": "syntax"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
    ] {
        let (got, _, named) = refusal(
            call(
                &app,
                Method::POST,
                "/v1/validation-rules",
                &key,
                Some(body.clone()),
            )
            .await,
        )
        .await;
        assert_eq!((got, named.as_deref()), (status, Some(field)), "{body}");
    }
    let (status, ..) = refusal(call(&app, Method::POST, &deactivate, &reader, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for method in [Method::GET, Method::POST] {
        let path = if method == Method::GET {
            &v2_path
        } else {
            &deactivate
        };
        let (status, ..) = refusal(call(&app, method, path, &theirs, None).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // A role_account rule needs no list: the import has a default one.
    let roles = ok(
        &app,
        Method::POST,
        "/v1/validation-rules",
        &key,
        Some(json!({"name": "roles", "rule_type": "role_account"})),
    )
    .await;
    assert_eq!(roles["definition"], json!({}));
}

/// Sends `csv` as a contact import into `list`.
async fn import(
    app: &App,
    key: &Key,
    list: i64,
    query: &str,
    csv: impl Into<reqwest::Body>,
) -> Response {
    app.request(
        Method::POST,
        &format!("/v1/contact-lists/{list}/import{query}"),
        Some(key),
    )
    .header("content-type", "text/csv; charset=utf-8")
    .body(csv)
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn a_csv_import_reports_each_refused_line_and_validates_against_the_rules() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let other = app.organization("Globex").await;
    let key = app.key(org.id, &["contact.import"]).await;
    // Imports are rate limited per key (5 at once by default): refusals use a key of
    // their own.
    let refused_key = app.key(org.id, &["contact.import"]).await;
    let reader = app.key(org.id, &["contact.read"]).await;
    let theirs = app.key(other.id, &["contact.import"]).await;

    // Line 1 the header; 3 an invalid address; 5 a repeat of line 2; 6 invalid UTF-8;
    // 7 at the fixture's blocked domain.
    let mut csv = b"email,first_name,plan\n\
                    grace@acme.example,Grace,pro\n\
                    not an address,Nobody,\n\
                    alan@acme.example,Alan,\n\
                    GRACE@acme.example,Again,\n"
        .to_vec();
    csv.extend_from_slice(b"bad@acme.example,\xff\xfe,\n");
    csv.extend_from_slice(b"eve@blocked.example,Eve,\n");
    let report = json(
        import(&app, &key, org.list, "", csv.clone()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            &report["records"],
            &report["inserted"],
            &report["updated"],
            &report["unchanged"]
        ),
        (&json!(6), &json!(3), &json!(0), &json!(0)),
        "{report}"
    );
    let refused: Vec<(i64, &str)> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_i64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [
            (3, "invalid_email"),
            (5, "duplicate_in_file"),
            (6, "bad_encoding")
        ]
    );
    assert!(
        report["refused"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["detail"].as_str().is_some_and(|d| !d.is_empty()))
    );
    assert_eq!(report["by_status"], json!({"valid": 2, "invalid": 1}));
    assert_eq!(report["rules"], json!([{"name": "blocked", "version": 1}]));
    assert_eq!(report["skipped_rules"], json!([]));

    // The blocked contact's history names the rule version that judged it.
    let contacts = json(
        app.request(
            Method::GET,
            &format!("/v1/contacts?list={}&status=invalid", org.list),
            Some(&reader),
        )
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    let eve = &contacts["items"][0];
    assert_eq!(eve["email"], "eve@blocked.example");
    let eve_id = eve["id"].as_i64().unwrap();
    let logs = ok(
        &app,
        Method::GET,
        &format!("/v1/validation-logs?contact={eve_id}"),
        &reader,
        None,
    )
    .await;
    assert_eq!(logs["items"].as_array().unwrap().len(), 1, "{logs}");
    assert_eq!(
        (&logs["items"][0]["rule_id"], &logs["items"][0]["result"]),
        (&json!(org.rows["validation-rules"]), &json!("invalid"))
    );
    let none = ok(
        &app,
        Method::GET,
        &format!("/v1/validation-logs?contact={eve_id}"),
        &app.key(other.id, &["contact.read"]).await,
        None,
    )
    .await;
    assert_eq!(none["items"], json!([]));
    // The import's changes are the key's.
    assert_eq!(
        actors(&app, "contacts", eve_id).await,
        [format!("api_key:{}", key.id)]
    );

    // Again with update_existing: changed contacts are updated, the rest unchanged.
    let again = b"email,first_name\ngrace@acme.example,Gracie\nalan@acme.example,Alan\n".to_vec();
    let report = json(
        import(&app, &key, org.list, "?update_existing=true", again).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            &report["records"],
            &report["inserted"],
            &report["updated"],
            &report["unchanged"]
        ),
        (&json!(2), &json!(0), &json!(1), &json!(1)),
        "{report}"
    );

    // Refusals: no email column (400 naming the columns found), not CSV (415), another
    // organization's list (404), a key without contact.import (403).
    let (status, p) = problem(
        import(
            &app,
            &refused_key,
            org.list,
            "",
            "mail,name\nx@y.example,X\n",
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str(), p.field.as_deref()),
        (
            StatusCode::BAD_REQUEST,
            "/problems/validation",
            Some("email")
        )
    );
    assert!(p.detail.contains("\"mail\", \"name\""), "{p:?}");
    let as_json = app
        .request(
            Method::POST,
            &format!("/v1/contact-lists/{}/import", org.list),
            Some(&refused_key),
        )
        .json(&json!({"email": "x@y.example"}))
        .send()
        .await
        .unwrap();
    let (status, p) = problem(as_json).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(p.detail.contains("text/csv"), "{p:?}");
    let (status, _) = problem(import(&app, &theirs, org.list, "", csv.clone()).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, p) = problem(import(&app, &reader, org.list, "", csv).await).await;
    assert_eq!(
        (status, p.permission.as_deref()),
        (StatusCode::FORBIDDEN, Some("contact.import"))
    );
    let (status, p) = problem(
        import(
            &app,
            &refused_key,
            org.list,
            "?update_existing=maybe",
            "email\n",
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::BAD_REQUEST, Some("update_existing"))
    );
}
