//! The API's integration tests: the real server on a loopback port chosen by the system,
//! over a fresh migrated database per test, driven by a real HTTP client (reqwest).

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod content;
mod dead_letters;
mod flows;
mod intake;
mod kafka;
mod keys;
mod landing;
mod lifecycle;
mod openapi_walk;
mod people;
mod rate_limits;
mod server;
mod walk_content;
mod walk_people;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use api::{Limits, Problem, RoleRef, ServeConfig, ServeError};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use schema::domains::{campaigns, contact_lists, contacts, leads, organizations, roles};
use schema::{Actor, OrganizationId, Tenant};
use serde_json::Value;
use testkit::TestDb;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server over its own database.
pub struct App {
    /// Its database.
    pub db: TestDb,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The HTTP client.
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
}

/// An organization with one row of each domain the API serves.
#[derive(Debug, Clone)]
pub struct Org {
    /// The organization.
    pub id: i64,
    /// Its contact list.
    pub list: i64,
    /// Its contact, in the list.
    pub contact: i64,
    /// Its campaign, a draft targeting the list.
    pub campaign: i64,
    /// Its lead, of the contact and campaign.
    pub lead: i64,
    /// The walk modules' rows by resource segment (`forms`) or placeholder name.
    pub rows: BTreeMap<&'static str, i64>,
}

/// A key made for a test: the secret and its id (the audit actor `api_key:<id>`).
#[derive(Debug, Clone)]
pub struct Key {
    /// The key itself.
    pub secret: String,
    /// Its id.
    pub id: i64,
}

impl App {
    /// A server with the default limits.
    pub async fn start() -> App {
        App::start_with(Limits::default()).await
    }

    /// A server with `limits`.
    pub async fn start_with(limits: Limits) -> App {
        App::start_configured(|config| config.limits = limits).await
    }

    /// A server whose configuration `configure` changed.
    pub async fn start_configured(configure: impl FnOnce(&mut ServeConfig)) -> App {
        let db = TestDb::migrated().await;
        let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), db.config().clone());
        config.pool_size = 8;
        configure(&mut config);
        let server = api::bind(config).await.unwrap();
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        App {
            db,
            addr,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The URL of `path` (with its query string, if any).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The text `/metrics` serves now.
    pub async fn metrics(&self) -> String {
        let response = self.request(Method::GET, "/metrics", None).send().await;
        response.unwrap().text().await.unwrap()
    }

    /// A request with `key` as the bearer (none when `None`).
    pub fn request(&self, method: Method, path: &str, key: Option<&Key>) -> RequestBuilder {
        let request = self.http.request(method, self.url(path));
        match key {
            Some(key) => request.bearer_auth(&key.secret),
            None => request,
        }
    }

    /// Triggers the graceful shutdown and returns the task that ends with it.
    pub fn shutdown(&mut self) -> JoinHandle<Result<(), ServeError>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.take().expect("the server runs")
    }

    /// An organization named `name` without any rows.
    pub async fn empty_organization(&self, name: &str) -> i64 {
        let client = self.db.connect().await;
        let domain = format!("{}.example", name.to_lowercase());
        organizations::admin_create()
            .bind(&client, &name, &Some(domain.as_str()))
            .one()
            .await
            .unwrap()
            .id
    }

    /// An organization named `name` with a list, a contact, a campaign and a lead.
    pub async fn organization(&self, name: &str) -> Org {
        let org = self.empty_organization(name).await;
        let domain = format!("{}.example", name.to_lowercase());
        let mut client = self.db.connect().await;
        let tx = Tenant::new(OrganizationId(org), Actor::Process("test"))
            .begin(&mut client)
            .await
            .unwrap();
        let list = contact_lists::create()
            .bind(&tx, &"Customers", &None::<&str>)
            .one()
            .await
            .unwrap()
            .id;
        let contact = contacts::create()
            .bind(
                &tx,
                &list,
                &format!("ada@{domain}"),
                &Some("Ada"),
                &None::<&str>,
                &None::<&str>,
                &serde_json::json!({}),
            )
            .one()
            .await
            .unwrap()
            .id;
        let campaign = campaigns::create()
            .bind(&tx, &"Spring", &None, &None, &Some(list), &None::<&str>)
            .one()
            .await
            .unwrap()
            .id;
        let lead = leads::create()
            .bind(&tx, &contact, &Some(campaign), &None, &10, &None::<&str>)
            .one()
            .await
            .unwrap()
            .id;
        tx.commit().await.unwrap();
        let mut org = Org {
            id: org,
            list,
            contact,
            campaign,
            lead,
            rows: BTreeMap::new(),
        };
        let people = walk_people::rows(self, &org).await;
        let content = walk_content::rows(self, &org).await;
        org.rows.extend(people);
        org.rows.extend(content);
        org
    }

    /// A key of `org` whose role grants exactly `permissions`.
    pub async fn key(&self, org: i64, permissions: &[&str]) -> Key {
        let mut client = self.db.connect().await;
        let tx = Tenant::new(OrganizationId(org), Actor::Process("test"))
            .begin(&mut client)
            .await
            .unwrap();
        let name = format!("role {}", rand_suffix());
        let role = roles::create()
            .bind(&tx, &name, &None::<&str>)
            .one()
            .await
            .unwrap()
            .id;
        for permission in permissions {
            roles::grant().bind(&tx, &role, permission).await.unwrap();
        }
        tx.commit().await.unwrap();
        let new = api::create_key(&mut client, org, &RoleRef::Id(role), None)
            .await
            .unwrap();
        Key {
            secret: new.secret,
            id: new.key.id,
        }
    }

    /// A key of `org` whose role grants every permission.
    pub async fn admin_key(&self, org: i64) -> Key {
        let all: Vec<&str> = api::Permission::ALL.iter().map(|p| p.key()).collect();
        self.key(org, &all).await
    }

    /// The audit actions on one entity written by `key`, oldest first.
    pub async fn audit(&self, entity_type: &str, id: i64, key: &Key) -> Vec<String> {
        testkit::column(
            &self.db.connect().await,
            &format!(
                "SELECT action FROM audit_logs WHERE entity_type = '{entity_type}' \
                 AND entity_id = {id} AND actor = 'api_key:{}' ORDER BY id",
                key.id
            ),
        )
        .await
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The problem of an error response, checking its media type and status member.
pub async fn problem(response: Response) -> (StatusCode, Problem) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    assert_eq!(
        content_type,
        api::PROBLEM_JSON,
        "{status} is not a problem: {body}"
    );
    let problem: Problem = serde_json::from_str(&body).unwrap();
    assert_eq!(problem.status, status.as_u16(), "{body}");
    assert!(
        !body.contains("SELECT") && !body.contains("ERROR:"),
        "{body}"
    );
    (status, problem)
}

/// The JSON of a success response, failing with the body otherwise.
pub async fn json(response: Response, expected: StatusCode) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, expected, "{body}");
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap()
    }
}
