//! Campaigns and leads through HTTP: their lifecycles, status moves (a refused one names
//! both states), assignment, and pages that follow each other.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::lifecycle::lifecycle;
use crate::{App, json, problem};

#[tokio::test]
async fn campaigns_move_along_their_flow_and_a_refused_move_names_both_states() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["campaign.read", "campaign.write"]).await;
    let campaign = lifecycle(
        &app,
        &key,
        "/v1/campaigns",
        "campaigns",
        json!({"name": "Autumn", "contact_list_id": org.list, "landing_page_slug": "autumn"}),
        json!({"landing_page_slug": "autumn-sale"}),
        ("landing_page_slug", json!("autumn-sale")),
    )
    .await;
    assert_eq!(campaign["status"], "draft");
    let path = format!("/v1/campaigns/{}", campaign["id"]);

    let (status, p) = problem(
        app.request(Method::POST, "/v1/campaigns", Some(&key))
            .json(&json!({"name": "Copy", "landing_page_slug": "autumn-sale"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::CONFLICT, Some("landing_page_slug"))
    );

    let scheduled = json(
        app.request(Method::POST, &format!("{path}/move"), Some(&key))
            .json(&json!({"to": "scheduled", "scheduled_at": "2031-05-01T09:00:00Z"}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(scheduled["status"], "scheduled");
    assert_eq!(scheduled["scheduled_at"], "2031-05-01T09:00:00Z");
    let (status, p) = problem(
        app.request(Method::POST, &format!("{path}/move"), Some(&key))
            .json(&json!({"to": "completed"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::CONFLICT, "/problems/status-move")
    );
    assert_eq!(
        (p.from.as_deref(), p.to.as_deref()),
        (Some("scheduled"), Some("completed"))
    );
    let (status, p) = problem(
        app.request(Method::POST, &format!("{path}/move"), Some(&key))
            .json(&json!({"to": "finished"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::BAD_REQUEST, Some("to"))
    );

    // Assignment: the list's valid contacts, once.
    let client = app.db.connect().await;
    client
        .batch_execute(&format!(
            "UPDATE contacts SET validation_status = 'valid' WHERE id = {}",
            org.contact
        ))
        .await
        .unwrap();
    let assign = |body: Value| {
        app.request(Method::POST, &format!("{path}/assign"), Some(&key))
            .json(&body)
            .send()
    };
    assert_eq!(
        json(assign(json!({})).await.unwrap(), StatusCode::OK).await,
        json!({"assigned": 1})
    );
    assert_eq!(
        json(
            assign(json!({"list": org.list})).await.unwrap(),
            StatusCode::OK
        )
        .await,
        json!({"assigned": 0})
    );
    let (status, p) = problem(assign(json!({"list": 987_654})).await.unwrap()).await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("list"))
    );
    let moves: Vec<String> = testkit::column(
        &client,
        &format!(
            "SELECT action FROM audit_logs WHERE entity_type = 'campaign_contact_assignments' AND actor = 'api_key:{}'",
            key.id
        ),
    )
    .await;
    assert_eq!(moves, ["insert"]);
}

#[tokio::test]
async fn leads_move_along_their_flow_and_pages_follow_each_other() {
    let app = App::start().await;
    let org = app.organization("Acme").await;
    let key = app.key(org.id, &["lead.read", "lead.write"]).await;
    let lead = lifecycle(
        &app,
        &key,
        "/v1/leads",
        "leads",
        json!({"contact_id": org.contact, "campaign_id": org.campaign, "score": 40}),
        json!({"score": 75}),
        ("score", json!(75)),
    )
    .await;
    assert_eq!(lead["status"], "new");
    let path = format!("/v1/leads/{}", lead["id"]);
    let moved = json(
        app.request(Method::POST, &format!("{path}/move"), Some(&key))
            .json(&json!({"to": "qualified"}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["status"], "qualified");
    let (status, p) = problem(
        app.request(Method::POST, &format!("{path}/move"), Some(&key))
            .json(&json!({"to": "new"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        (p.from.as_deref(), p.to.as_deref()),
        (Some("qualified"), Some("new"))
    );
    let (status, p) = problem(
        app.request(Method::PATCH, &path, Some(&key))
            .json(&json!({"score": 101}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("score"))
    );
    assert_eq!(
        app.audit("leads", lead["id"].as_i64().unwrap(), &key).await,
        ["insert", "update", "soft_delete", "restore", "update"]
    );

    // Pages of one: the fixture's lead, then this one, then nothing more.
    let first = json(
        app.request(Method::GET, "/v1/leads?limit=1", Some(&key))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            first["items"][0]["id"].as_i64(),
            first["next_after"].as_i64()
        ),
        (Some(org.lead), Some(org.lead))
    );
    let second = json(
        app.request(
            Method::GET,
            &format!("/v1/leads?limit=1&after={}", org.lead),
            Some(&key),
        )
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"][0]["id"], lead["id"]);
    assert_eq!(second["next_after"], Value::Null);
    let filtered = json(
        app.request(
            Method::GET,
            &format!("/v1/leads?status=qualified&campaign={}", org.campaign),
            Some(&key),
        )
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    let (status, p) = problem(
        app.request(Method::GET, "/v1/leads?limit=1001", Some(&key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.field.as_deref()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
}
