//! `tally demo --keep`'s API: `tally serve` over the demo database on a local port, an
//! admin key of the first seeded organization, and three requests to try with curl (a
//! page of contacts, a campaign, a landing-page submission).

use std::net::SocketAddr;

use anyhow::Context as _;
use api::{RoleRef, ServeConfig, ServeError};
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_postgres::Client;

/// The running API of the demo.
pub struct DemoApi {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl DemoApi {
    /// Stops it, letting requests in flight finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task
            .await
            .context("the demo's API server panicked")??;
        Ok(())
    }
}

/// The address the API listens on: `tally serve`'s default when it is free, else any.
const PREFERRED: &str = "127.0.0.1:8080";

/// Starts the API over `database`, makes a key and prints how to use it.
pub async fn start(
    client: &mut Client,
    database: tokio_postgres::Config,
) -> anyhow::Result<DemoApi> {
    let preferred: SocketAddr = PREFERRED.parse().context("the demo API's address")?;
    let server = match api::bind(ServeConfig::new(preferred, database.clone())).await {
        Ok(server) => server,
        Err(ServeError::Bind { .. }) => {
            api::bind(ServeConfig::new(
                SocketAddr::from(([127, 0, 0, 1], 0)),
                database,
            ))
            .await?
        }
        Err(other) => return Err(other.into()),
    };
    let base = format!("http://{}", server.local_addr());
    let organization: i64 = client
        .query_one(
            "SELECT min(id) FROM organizations WHERE deleted_at IS NULL",
            &[],
        )
        .await
        .context("finding the demo's first organization")?
        .try_get::<_, Option<i64>>(0)?
        .context("the demo seeded no organization")?;
    let key = api::create_key(
        client,
        organization,
        &RoleRef::Name("admin".into()),
        Some("demo"),
    )
    .await?;
    let campaign: Option<i64> = client
        .query_one(
            "SELECT min(id) FROM campaigns WHERE organization_id = $1 AND deleted_at IS NULL",
            &[&organization],
        )
        .await?
        .get(0);
    let landing = landing_example(client, organization).await?;

    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));

    println!();
    println!("API: {base} (OpenAPI at {base}/openapi.json; docs/api.md)");
    println!(
        "key of organization {organization} (role admin): {}",
        key.secret
    );
    println!("try:");
    println!("  export KEY={}", key.secret);
    println!("  curl -s -H \"Authorization: Bearer $KEY\" '{base}/v1/contacts?limit=3'");
    if let Some(campaign) = campaign {
        println!("  curl -s -H \"Authorization: Bearer $KEY\" {base}/v1/campaigns/{campaign}");
    }
    if let Some((slug, body)) = landing {
        println!(
            "  curl -s -X POST -H 'Content-Type: application/json' \
             -d '{body}' {base}/v1/public/organizations/{organization}/forms/{slug}"
        );
    }
    Ok(DemoApi { stop, task })
}

/// An active landing page of `organization` and a valid submission for it.
async fn landing_example(
    client: &Client,
    organization: i64,
) -> anyhow::Result<Option<(String, String)>> {
    let Some(page) = client
        .query_opt(
            "SELECT c.landing_page_slug, c.form_id FROM campaigns c \
              WHERE c.organization_id = $1 AND c.status = 'active' AND c.deleted_at IS NULL \
                AND c.landing_page_slug IS NOT NULL AND c.form_id IS NOT NULL \
                AND c.contact_list_id IS NOT NULL \
              ORDER BY c.id LIMIT 1",
            &[&organization],
        )
        .await
        .context("finding a landing page")?
    else {
        return Ok(None);
    };
    let slug: String = page.get(0);
    let form: i64 = page.get(1);
    let mut answers = Map::new();
    for field in client
        .query(
            "SELECT field_key, field_type, options FROM form_fields \
              WHERE organization_id = $1 AND form_id = $2 AND deleted_at IS NULL AND required \
              ORDER BY position, id",
            &[&organization, &form],
        )
        .await
        .context("reading a landing page's fields")?
    {
        let key: String = field.get(0);
        let kind: String = field.get(1);
        let options: Option<Value> = field.get(2);
        let answer = match kind.as_str() {
            "email" => json!("visitor@example.com"),
            "checkbox" => json!(true),
            "number" => json!(10),
            "date" => json!(chrono::Utc::now().date_naive().to_string()),
            "select" => options
                .as_ref()
                .and_then(|o| o.as_array().or_else(|| o.get("choices")?.as_array()))
                .and_then(|c| c.first())
                .map(|c| c.get("value").cloned().unwrap_or_else(|| c.clone()))
                .unwrap_or(json!("")),
            "phone" => json!("+1 555 0100"),
            _ => json!("Ada"),
        };
        answers.insert(key, answer);
    }
    Ok(Some((slug, Value::Object(answers).to_string())))
}
