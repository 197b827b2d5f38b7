//! Walks `/openapi.json`: every documented operation is called as a stranger (401), with
//! a key lacking only its permission (403), with another organization's key on the first
//! organization's ids (404, or an empty page), with malformed parameters and bodies (400
//! naming the field). Requests are built from the document, so a new route is covered
//! as soon as it is documented, and fails here until it has an example body.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{App, Org, json as ok_json, problem};

/// A valid body per operation; a string `$name` becomes the id of the organization's
/// fixture row `name` (`$list`, `$contact`, `$campaign`, `$lead`, or a walk module's
/// row).
const EXAMPLES: &[(&str, &str)] = &[
    ("create_contact_list", r#"{"name": "Walked"}"#),
    ("update_contact_list", r#"{"name": "Walked again"}"#),
    (
        "create_contact",
        r#"{"contact_list_id": "$list", "email": "walker@example.com"}"#,
    ),
    ("update_contact", r#"{"first_name": "Walker"}"#),
    (
        "create_campaign",
        r#"{"name": "Walked", "contact_list_id": "$list"}"#,
    ),
    ("update_campaign", r#"{"name": "Walked again"}"#),
    ("move_campaign", r#"{"to": "scheduled"}"#),
    ("assign_campaign", r#"{"list": "$list"}"#),
    ("create_lead", r#"{"contact_id": "$contact"}"#),
    ("update_lead", r#"{"score": 50}"#),
    ("move_lead", r#"{"to": "qualified"}"#),
    ("send_events", "[]"),
];

/// Every example body: this file's and each walk module's.
fn examples() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    EXAMPLES
        .iter()
        .chain(crate::walk_people::EXAMPLES)
        .chain(crate::walk_content::EXAMPLES)
}

/// The fixture row a path addresses, by its resource segment.
fn resource_id(path: &str, org: &Org) -> i64 {
    let segment = path.split('/').nth(2).unwrap_or_default();
    match segment {
        "contact-lists" => org.list,
        "contacts" => org.contact,
        "campaigns" => org.campaign,
        "leads" => org.lead,
        other => org.rows.get(other).copied().unwrap_or_else(|| {
            panic!("{path}: no fixture row for resource {other:?}; add one to a walk module's rows")
        }),
    }
}

/// The id a `$name` placeholder of an example stands for.
fn placeholder(name: &str, org: &Org) -> Option<i64> {
    match name {
        "list" => Some(org.list),
        "contact" => Some(org.contact),
        "campaign" => Some(org.campaign),
        "lead" => Some(org.lead),
        other => org.rows.get(other).copied(),
    }
}

/// An operation's example body with its placeholders replaced, and whether it refers
/// to a row of the organization.
fn example(operation: &str, org: &Org) -> Option<(Value, bool)> {
    let (_, text) = examples().find(|(op, _)| *op == operation)?;
    let mut refers = false;
    let mut value: Value = serde_json::from_str(text).unwrap();
    if let Value::Object(fields) = &mut value {
        for v in fields.values_mut() {
            let Some(id) = v
                .as_str()
                .and_then(|s| s.strip_prefix('$'))
                .map(|name| placeholder(name, org).unwrap_or_else(|| panic!("no row ${name}")))
            else {
                continue;
            };
            refers = true;
            *v = json!(id);
        }
    }
    Some((value, refers))
}

/// A value for a required query parameter, from its schema.
fn sample(schema: &Value) -> String {
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), Some("date-time")) => "2000-01-01T00:00:00Z".to_owned(),
        (Some("integer"), _) => "1".to_owned(),
        _ => schema["enum"][0].as_str().unwrap_or("x").to_owned(),
    }
}

fn types(schema: &Value) -> Vec<String> {
    match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A property of the body's schema and a value of the wrong type for it.
fn wrong_field(document: &Value, operation: &Value) -> (String, Value) {
    let reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("a JSON body by $ref: {operation}"));
    let name = reference.rsplit('/').next().unwrap();
    let schema = &document["components"]["schemas"][name];
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut properties: Vec<(&String, &Value)> =
        schema["properties"].as_object().unwrap().iter().collect();
    properties.sort_by_key(|(name, _)| !required.contains(name.as_str()));
    for (name, property) in properties {
        let types = types(property);
        let wrong = if types.iter().any(|t| t == "string") {
            json!(12345)
        } else if types.iter().any(|t| t == "integer" || t == "object") {
            json!("not that")
        } else {
            continue;
        };
        return (name.clone(), wrong);
    }
    panic!("{name}: no property of a simple type to get wrong");
}

#[tokio::test]
async fn every_documented_operation_refuses_strangers_the_unpermitted_and_bad_input() {
    let app = App::start().await;
    let a = app.organization("Acme").await;
    // A's neighbour, empty: whatever it is shown of A's would be a leak.
    let b = app.empty_organization("Globex").await;
    let admin_a = app.admin_key(a.id).await;
    let all: Vec<&str> = api::Permission::ALL.iter().map(|p| p.key()).collect();
    let document = ok_json(
        app.request(Method::GET, "/openapi.json", None)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;

    let mut operation_ids = BTreeSet::new();
    let mut public = BTreeSet::new();
    let mut walked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(operation_ids.insert(id.clone()), "operationId {id} twice");
            let method: Method = method.to_uppercase().parse().unwrap();
            let what = format!("{method} {path} ({id})");
            let responses = operation["responses"].as_object().unwrap();
            let scopes = &operation["security"][0]["bearer"];
            let Some(permission) = scopes[0].as_str() else {
                // Operations endpoints and landing pages: no key.
                assert_eq!(operation["security"], json!([{}]), "{what}");
                if path.starts_with("/v1/public/") {
                    // Public by design; `landing` tests each of them.
                    assert_eq!(operation["tags"], json!(["public"]), "{what}");
                    public.insert(id);
                    continue;
                }
                let response = app.request(method, path, None).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{what}");
                continue;
            };
            assert!(
                all.contains(&permission),
                "{what}: unknown permission {permission}"
            );
            for status in ["401", "403", "500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{what} does not document {status}"
                );
            }
            if method != Method::GET {
                assert!(
                    responses.contains_key("429"),
                    "{what}: a write does not document 429"
                );
            }
            let has_id = path.contains("{id}");
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let query: Vec<&Value> = parameters.iter().filter(|p| p["in"] == "query").collect();
            let has_body = operation.get("requestBody").is_some();
            // A file upload: its example files instead of a JSON body.
            let csv = operation["requestBody"]["content"]
                .get("text/csv")
                .map(|_| {
                    crate::walk_content::CSV_EXAMPLES
                        .iter()
                        .find(|e| e.0 == id)
                        .unwrap_or_else(|| panic!("{what}: add example files to CSV_EXAMPLES"))
                });
            if has_id {
                assert!(
                    responses.contains_key("404"),
                    "{what} does not document 404"
                );
            }
            if has_id || has_body || !query.is_empty() {
                assert!(
                    responses.contains_key("400"),
                    "{what} does not document 400"
                );
            }
            // The event intake answers a record's faults in its 202, by position.
            let intake = id == "send_events";
            if has_body {
                for status in ["413", "415", "422"] {
                    assert!(
                        responses.contains_key(status) || (intake && status == "422"),
                        "{what} does not document {status}"
                    );
                }
            }
            let url_for = |org: &Org| {
                // Only a path with an id needs a fixture row.
                let mut url = if has_id {
                    path.replace("{id}", &resource_id(path, org).to_string())
                } else {
                    path.clone()
                }
                .replace("{key}", crate::walk_people::PERMISSION_KEY);
                let required: Vec<String> = query
                    .iter()
                    .filter(|p| p["required"] == true)
                    .map(|p| format!("{}={}", p["name"].as_str().unwrap(), sample(&p["schema"])))
                    .collect();
                if !required.is_empty() {
                    url = format!("{url}?{}", required.join("&"));
                }
                url
            };
            let body_for = |org: &Org| {
                has_body.then(|| match csv {
                    Some((_, file, ..)) => (Value::String((*file).to_owned()), false),
                    None => example(&id, org).unwrap_or_else(|| {
                        panic!("{what}: add an example body for {id} to EXAMPLES")
                    }),
                })
            };
            let send = |key: Option<&crate::Key>, url: String, body: Option<Value>| {
                let mut request = app.request(method.clone(), &url, key);
                request = match (body, csv) {
                    (Some(Value::String(file)), Some(_)) => {
                        request.header("content-type", "text/csv").body(file)
                    }
                    (Some(body), _) => request.json(&body),
                    (None, _) => request,
                };
                request.send()
            };

            // (a) No key, or a key nobody made.
            let response = send(None, url_for(&a), body_for(&a).map(|b| b.0))
                .await
                .unwrap();
            let bearer = response.headers().get("www-authenticate").cloned();
            let (status, p) = problem(response).await;
            assert_eq!(
                (status, p.type_.as_str()),
                (StatusCode::UNAUTHORIZED, "/problems/unauthorized"),
                "{what}"
            );
            assert_eq!(
                bearer.as_ref().map(|v| v.to_str().unwrap()),
                Some("Bearer"),
                "{what}"
            );
            let forged = crate::Key {
                secret: api::generate_key().unwrap(),
                id: 0,
            };
            let (status, _) = problem(send(Some(&forged), url_for(&a), None).await.unwrap()).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{what} with an unknown key"
            );

            // (b) Every permission but the one the operation names.
            let others: Vec<&str> = all.iter().copied().filter(|p| *p != permission).collect();
            let lacking = app.key(a.id, &others).await;
            let (status, p) = problem(
                send(Some(&lacking), url_for(&a), body_for(&a).map(|b| b.0))
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {p:?}");
            assert_eq!(p.permission.as_deref(), Some(permission), "{what}");

            if intake {
                // Its other answers need a broker: `intake` tests them.
                walked += 1;
                continue;
            }

            // (c) Another organization's key, with only that permission, on A's ids.
            let stranger = app.key(b, &[permission]).await;
            let body = body_for(&a);
            let refers = body.as_ref().is_some_and(|b| b.1);
            let response = send(Some(&stranger), url_for(&a), body.map(|b| b.0))
                .await
                .unwrap();
            if let Some(own) = crate::walk_people::own_answer(&method, path) {
                own.check(&app, b, response, &what).await;
            } else if has_id {
                let (status, p) = problem(response).await;
                assert_eq!(
                    (status, p.type_.as_str()),
                    (StatusCode::NOT_FOUND, "/problems/not-found"),
                    "{what}"
                );
            } else if method == Method::GET {
                let page = ok_json(response, StatusCode::OK).await;
                assert_eq!(
                    page["items"],
                    json!([]),
                    "{what} shows another organization's rows"
                );
            } else if refers {
                let (status, p) = problem(response).await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {p:?}");
                assert!(p.field.is_some(), "{what}: {p:?}");
            } else {
                ok_json(response, StatusCode::CREATED).await;
            }

            // (d) Malformed input, with every permission.
            if let Some((_, _, refused, field)) = csv {
                let file = Value::String((*refused).to_owned());
                let (status, p) =
                    problem(send(Some(&admin_a), url_for(&a), Some(file)).await.unwrap()).await;
                assert_eq!(
                    (status, p.type_.as_str()),
                    (StatusCode::BAD_REQUEST, "/problems/validation"),
                    "{what}: {p:?}"
                );
                assert_eq!(p.field.as_deref(), Some(*field), "{what}: {p:?}");
            } else if has_body {
                let (field, wrong) = wrong_field(&document, operation);
                let (mut body, _) = body_for(&a).unwrap();
                body[&field] = wrong;
                let (status, p) =
                    problem(send(Some(&admin_a), url_for(&a), Some(body)).await.unwrap()).await;
                assert_eq!(
                    (status, p.type_.as_str()),
                    (StatusCode::BAD_REQUEST, "/problems/validation"),
                    "{what}: {p:?}"
                );
                assert_eq!(p.field.as_deref(), Some(field.as_str()), "{what}: {p:?}");

                let mut typo = body_for(&a).unwrap().0;
                typo["no_such_field"] = json!(1);
                let (status, p) =
                    problem(send(Some(&admin_a), url_for(&a), Some(typo)).await.unwrap()).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{what}");
                assert_eq!(p.field.as_deref(), Some("no_such_field"), "{what}: {p:?}");

                let broken = app
                    .request(method.clone(), &url_for(&a), Some(&admin_a))
                    .header("content-type", "application/json")
                    .body("{\"name\": ")
                    .send()
                    .await
                    .unwrap();
                let (status, p) = problem(broken).await;
                assert_eq!(
                    (status, p.type_.as_str()),
                    (StatusCode::BAD_REQUEST, "/problems/validation"),
                    "{what}"
                );
            }
            if has_id {
                let url = path
                    .replace("{id}", "abc")
                    .replace("{key}", crate::walk_people::PERMISSION_KEY);
                let (status, p) = problem(
                    send(Some(&admin_a), url, body_for(&a).map(|b| b.0))
                        .await
                        .unwrap(),
                )
                .await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{what}");
                assert_eq!(p.field.as_deref(), Some("id"), "{what}: {p:?}");
            }
            for parameter in &query {
                let name = parameter["name"].as_str().unwrap();
                let bad = if parameter["required"] == true {
                    // Leave it out.
                    path.to_string()
                } else if types(&parameter["schema"])
                    .iter()
                    .any(|t| t == "integer" || t == "string")
                {
                    format!(
                        "{}{}{name}=%C3%A9t%C3%A9",
                        url_for(&a),
                        if url_for(&a).contains('?') { "&" } else { "?" }
                    )
                } else {
                    continue;
                };
                let (status, p) = problem(send(Some(&admin_a), bad, None).await.unwrap()).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{what} ?{name}: {p:?}");
                assert_eq!(p.field.as_deref(), Some(name), "{what} ?{name}: {p:?}");
            }
            walked += 1;
        }
    }
    assert_eq!(
        public,
        BTreeSet::from([
            "get_landing_page".to_owned(),
            "submit_landing_page".to_owned()
        ]),
        "public operations, each with its test in `landing`"
    );
    for (op, _) in examples() {
        assert!(
            operation_ids.contains(*op),
            "example for {op}, which is not documented"
        );
    }
    // 6 contact-list, 7 contact, 8 campaign and 7 lead operations; 2 organization, 5
    // member, 9 role, 1 API-key, 1 audit and 4 GDPR operations; 5 email-template, 12
    // form and field, 4 form-response, 5 validation and 1 import operations.
    assert!(walked >= 77, "only {walked} operations walked");
}
