//! Landing pages through HTTP, without a key: the form of an active campaign by its
//! organization and slug; a submission checked against the fields, turned into a
//! contact, a lead and a form response in one transaction audited as `landing`; a
//! second submission of the same address finding them again, also when submissions
//! race; per-address rate limits; and FORM_SUBMIT/FORM_VIEW events produced to Kafka
//! and stored by the real ingest exactly once.

use std::time::Duration;

use api::{Bucket, EventsConfig};
use reqwest::{Method, StatusCode};
use schema::domains::{campaigns, contact_lists, form_fields, forms};
use schema::{Actor, CampaignStatus, OrganizationId, Tenant};
use serde_json::{Value, json};

use crate::{App, json, problem};

/// The landing page of an organization: its campaign and list.
struct Page {
    org: i64,
    campaign: i64,
    list: i64,
}

/// An organization with an active campaign at `slug` whose form asks for an email, a
/// first name, a size and consent; `form_name` tells two organizations' forms apart.
async fn landing_page(app: &App, name: &str, slug: &str, form_name: &str) -> Page {
    let org = app.empty_organization(name).await;
    let mut client = app.db.connect().await;
    let tx = Tenant::new(OrganizationId(org), Actor::Process("test"))
        .begin(&mut client)
        .await
        .unwrap();
    let list = contact_lists::create()
        .bind(&tx, &"Visitors", &None::<&str>)
        .one()
        .await
        .unwrap()
        .id;
    let form = forms::create()
        .bind(&tx, &form_name, &Some("Tell us about you"))
        .one()
        .await
        .unwrap()
        .id;
    let fields = [
        ("email", "Email", "email", true, None),
        ("first_name", "First name", "text", false, None),
        (
            "size",
            "Team size",
            "select",
            false,
            Some(json!(["1-10", "11-50", "51+"])),
        ),
        ("consent", "I agree to be contacted", "checkbox", true, None),
    ];
    for (position, (key, label, kind, required, options)) in fields.into_iter().enumerate() {
        form_fields::create()
            .bind(
                &tx,
                &form,
                &key,
                &label,
                &kind,
                &required,
                &(position as i32),
                &options,
            )
            .one()
            .await
            .unwrap();
    }
    let campaign = campaigns::create()
        .bind(&tx, &"Spring", &None, &Some(form), &Some(list), &Some(slug))
        .one()
        .await
        .unwrap()
        .id;
    for status in [CampaignStatus::scheduled, CampaignStatus::active] {
        campaigns::move_to()
            .bind(&tx, &status, &None, &campaign)
            .one()
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    Page {
        org,
        campaign,
        list,
    }
}

fn url(org: i64, slug: &str) -> String {
    format!("/v1/public/organizations/{org}/forms/{slug}")
}

async fn submit(app: &App, org: i64, slug: &str, answers: Value) -> reqwest::Response {
    app.request(Method::POST, &url(org, slug), None)
        .header("user-agent", "landing-test/1.0")
        .json(&answers)
        .send()
        .await
        .unwrap()
}

async fn count(app: &App, sql: &str) -> i64 {
    app.db
        .connect()
        .await
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn the_form_of_an_active_campaign_is_served_by_organization_and_slug() {
    let app = App::start().await;
    let a = landing_page(&app, "Acme", "spring", "Acme's form").await;
    let b = landing_page(&app, "Globex", "spring", "Globex's form").await;

    let page = json(
        app.request(Method::GET, &url(a.org, "spring"), None)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["campaign_id"], a.campaign);
    assert_eq!(page["form_name"], "Acme's form");
    let keys: Vec<&str> = page["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["email", "first_name", "size", "consent"]);
    assert_eq!(
        page["fields"][2]["options"],
        json!(["1-10", "11-50", "51+"])
    );
    assert_eq!(page["fields"][0]["type"], "email");
    assert_eq!(page["fields"][0]["required"], true);

    // The same slug in another organization is that organization's page.
    let other = json(
        app.request(Method::GET, &url(b.org, "spring"), None)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(other["form_name"], "Globex's form");

    // No page: an unknown slug, an unknown organization, a campaign no longer active.
    for path in [url(a.org, "autumn"), url(999_999, "spring")] {
        let (status, p) =
            problem(app.request(Method::GET, &path, None).send().await.unwrap()).await;
        assert_eq!(
            (status, p.type_.as_str()),
            (StatusCode::NOT_FOUND, "/problems/not-found"),
            "{path}"
        );
    }
    let mut client = app.db.connect().await;
    let tx = Tenant::new(OrganizationId(a.org), Actor::Process("test"))
        .begin(&mut client)
        .await
        .unwrap();
    campaigns::move_to()
        .bind(&tx, &CampaignStatus::completed, &None, &a.campaign)
        .one()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (status, _) = problem(
        submit(
            &app,
            a.org,
            "spring",
            json!({"email": "a@b.example", "consent": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = problem(
        app.request(Method::GET, &url(a.org, "spring"), None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A malformed organization names the field.
    let (status, p) = problem(
        app.request(
            Method::GET,
            "/v1/public/organizations/acme/forms/spring",
            None,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p.field.as_deref(), Some("organization"));
}

#[tokio::test]
async fn a_submission_makes_a_contact_a_lead_and_a_response_and_a_second_one_finds_them() {
    let app = App::start().await;
    let page = landing_page(&app, "Acme", "spring", "Form").await;
    let submitted = json(
        submit(
            &app,
            page.org,
            "spring",
            json!({"email": "Ada@Lovelace.example", "consent": true, "size": "11-50"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(submitted["created_contact"], true);
    assert_eq!(submitted["created_lead"], true);
    let (contact, lead, response) = (
        submitted["contact_id"].as_i64().unwrap(),
        submitted["lead_id"].as_i64().unwrap(),
        submitted["response_id"].as_i64().unwrap(),
    );
    let client = app.db.connect().await;
    let row = client
        .query_one(
            "SELECT c.contact_list_id, c.email, l.status::text, l.campaign_id, r.response_data, \
                    host(r.ip_address), r.user_agent, r.lead_id \
               FROM contacts c JOIN leads l ON l.contact_id = c.id \
               JOIN form_responses r ON r.contact_id = c.id \
              WHERE c.id = $1 AND l.id = $2 AND r.id = $3",
            &[&contact, &lead, &response],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), page.list);
    assert_eq!(row.get::<_, String>(1), "Ada@Lovelace.example");
    assert_eq!(row.get::<_, String>(2), "new");
    assert_eq!(row.get::<_, Option<i64>>(3), Some(page.campaign));
    assert_eq!(
        row.get::<_, Value>(4),
        json!({"email": "Ada@Lovelace.example", "consent": true, "size": "11-50"})
    );
    assert_eq!(row.get::<_, String>(5), "127.0.0.1");
    assert_eq!(row.get::<_, String>(6), "landing-test/1.0");
    assert_eq!(row.get::<_, Option<i64>>(7), Some(lead));
    // Each row's insert is audited as the landing page.
    for (table, id) in [
        ("contacts", contact),
        ("leads", lead),
        ("form_responses", response),
    ] {
        let actors: Vec<String> = testkit::column(
            &client,
            &format!(
                "SELECT actor || ':' || action FROM audit_logs \
                  WHERE entity_type = '{table}' AND entity_id = {id} ORDER BY id"
            ),
        )
        .await;
        assert_eq!(actors, ["landing:insert"], "{table}");
    }

    // The same address, in other case, with a first name: the contact is found and
    // given the name, the lead is found, a second response is stored.
    let again = json(
        submit(
            &app,
            page.org,
            "spring",
            json!({"email": "ada@lovelace.example", "first_name": "Ada", "consent": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (again["contact_id"].as_i64(), again["lead_id"].as_i64()),
        (Some(contact), Some(lead))
    );
    assert_eq!(
        (
            again["created_contact"].clone(),
            again["created_lead"].clone()
        ),
        (json!(false), json!(false))
    );
    assert_ne!(again["response_id"], submitted["response_id"]);
    let first_name: Option<String> = client
        .query_one("SELECT first_name FROM contacts WHERE id = $1", &[&contact])
        .await
        .unwrap()
        .get(0);
    assert_eq!(first_name.as_deref(), Some("Ada"));
    assert_eq!(count(&app, "SELECT count(*) FROM contacts").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM form_responses").await, 2);
}

#[tokio::test]
async fn a_refused_submission_names_the_field_and_stores_nothing() {
    let app = App::start().await;
    let page = landing_page(&app, "Acme", "spring", "Form").await;
    let cases = [
        (json!({"consent": true}), "email"),
        (json!({"email": "ada@example.com"}), "consent"),
        (json!({"email": "not an address", "consent": true}), "email"),
        (
            json!({"email": "ada@example.com", "consent": "yes"}),
            "consent",
        ),
        (
            json!({"email": "ada@example.com", "consent": true, "size": "huge"}),
            "size",
        ),
        (
            json!({"email": "ada@example.com", "consent": true, "admin": true}),
            "admin",
        ),
        (
            json!({"email": "ada@example.com", "consent": true, "first_name": "a\u{0}b"}),
            "first_name",
        ),
        (
            json!({"email": "ada@example.com", "consent": true, "first_name": {"a": [[[]]]}}),
            "first_name",
        ),
    ];
    for (answers, field) in cases {
        let (status, p) = problem(submit(&app, page.org, "spring", answers.clone()).await).await;
        assert_eq!(
            (status, p.type_.as_str(), p.field.as_deref()),
            (StatusCode::BAD_REQUEST, "/problems/validation", Some(field)),
            "{answers}: {p:?}"
        );
    }
    // Not an object, not JSON at all.
    let (status, _) =
        problem(submit(&app, page.org, "spring", json!(["ada@example.com"])).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let broken = app
        .request(Method::POST, &url(page.org, "spring"), None)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(broken).await.0, StatusCode::BAD_REQUEST);
    for table in ["contacts", "leads", "form_responses"] {
        assert_eq!(
            count(&app, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
}

#[tokio::test]
async fn racing_first_submissions_of_one_address_make_one_contact_and_one_lead() {
    let app = App::start().await;
    let page = landing_page(&app, "Acme", "spring", "Form").await;
    let answers = json!({"email": "race@example.com", "consent": true});
    let responses = futures_join(&app, page.org, &answers, 6).await;
    for status in &responses {
        assert_eq!(*status, StatusCode::CREATED);
    }
    assert_eq!(count(&app, "SELECT count(*) FROM contacts").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM form_responses").await, 6);
}

async fn futures_join(app: &App, org: i64, answers: &Value, n: usize) -> Vec<StatusCode> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let request = app
            .request(Method::POST, &url(org, "spring"), None)
            .json(answers);
        tasks.push(tokio::spawn(async move {
            request.send().await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

#[tokio::test]
async fn submissions_are_limited_per_address() {
    let app = App::start_configured(|config| {
        config.rate_limits.landing_address = Bucket {
            refill: Duration::from_secs(30),
            burst: 2,
        };
    })
    .await;
    let page = landing_page(&app, "Acme", "spring", "Form").await;
    for i in 0..2 {
        let answers = json!({"email": format!("v{i}@example.com"), "consent": true});
        json(
            submit(&app, page.org, "spring", answers).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let response = submit(
        &app,
        page.org,
        "spring",
        json!({"email": "v2@example.com", "consent": true}),
    )
    .await;
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, p) = problem(response).await;
    assert_eq!(
        (status, p.type_.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "/problems/rate-limited")
    );
    assert!(p.detail.contains("this address's submissions"), "{p:?}");
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(count(&app, "SELECT count(*) FROM form_responses").await, 2);
    // Reading the page is not limited.
    let response = app
        .request(Method::GET, &url(page.org, "spring"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn landing_events_reach_the_events_table_through_kafka_exactly_once() {
    let kafka = simulate::EmbeddedKafka::start(1).unwrap();
    kafka.create_topic("campaign-events", 2).unwrap();
    let brokers = kafka.bootstrap_servers();
    let events = EventsConfig::new(&brokers, "campaign-events");
    let app = App::start_configured(|config| config.events = Some(events)).await;
    let page = landing_page(&app, "Acme", "spring", "Form").await;

    let mut responses = Vec::new();
    for i in 0..3 {
        let answers = json!({"email": format!("v{i}@example.com"), "consent": true});
        responses.push(
            json(
                submit(&app, page.org, "spring", answers).await,
                StatusCode::CREATED,
            )
            .await,
        );
    }
    // A view by a contact of the campaign's link, and one naming nobody (no event).
    let contact = responses[0]["contact_id"].as_i64().unwrap();
    for query in [format!("?contact={contact}"), String::new()] {
        let response = app
            .request(
                Method::GET,
                &format!("{}{query}", url(page.org, "spring")),
                None,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    crate::kafka::ingest_until(&app, &brokers, "campaign-events", 4).await;

    let client = app.db.connect().await;
    let rows = client
        .query(
            "SELECT event_type::text, contact_id, campaign_id, host(ip_address), event_data \
               FROM events ORDER BY event_type, contact_id",
            &[],
        )
        .await
        .unwrap();
    let kinds: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        kinds,
        ["FORM_SUBMIT", "FORM_SUBMIT", "FORM_SUBMIT", "FORM_VIEW"]
    );
    for (row, response) in rows.iter().zip(&responses) {
        assert_eq!(
            row.get::<_, i64>(1),
            response["contact_id"].as_i64().unwrap()
        );
        assert_eq!(row.get::<_, i64>(2), page.campaign);
        assert_eq!(row.get::<_, String>(3), "127.0.0.1");
        let data: Value = row.get(4);
        assert_eq!(data["form_response_id"], response["response_id"]);
        assert!(
            !data.to_string().contains("example.com"),
            "personal data in {data}"
        );
    }
    assert_eq!(rows[3].get::<_, i64>(1), contact);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("tally_api_events_produced_total{event_type=\"FORM_SUBMIT\"} 3"),
        "{metrics}"
    );
}
