//! The walk's example bodies and fixture rows of the people domains' routes (and of
//! the dead letters), and how their routes without an `{id}` answer another
//! organization's key.

use reqwest::{Method, Response, StatusCode};
use schema::domains::{gdpr, roles, users};
use schema::{Actor, GdprRequestType, OrganizationId, Tenant};

use crate::{App, Org, json};

/// A valid body per operation of these domains (see `openapi_walk::EXAMPLES`).
pub const EXAMPLES: &[(&str, &str)] = &[
    ("update_organization", r#"{"name": "Walked"}"#),
    (
        "invite_member",
        r#"{"email": "invited@walk.example", "full_name": "Invited", "role_id": "$roles"}"#,
    ),
    ("update_member", r#"{"full_name": "Walked"}"#),
    ("create_role", r#"{"name": "Walked"}"#),
    ("update_role", r#"{"description": "walked"}"#),
    (
        "create_gdpr_request",
        r#"{"subject_email": "ada@walk.example", "request_type": "export", "contact_id": "$contact"}"#,
    ),
];

/// The rows these domains' routes address, made in `org`: (resource segment or
/// placeholder name, id).
pub async fn rows(app: &App, org: &Org) -> Vec<(&'static str, i64)> {
    let mut client = app.db.connect().await;
    let tx = Tenant::new(OrganizationId(org.id), Actor::Process("test"))
        .begin(&mut client)
        .await
        .unwrap();
    let role = roles::create()
        .bind(&tx, &"Walker", &Some("members the walk makes"))
        .one()
        .await
        .unwrap()
        .id;
    roles::grant()
        .bind(&tx, &role, &"contact.read")
        .await
        .unwrap();
    // Users are global: the address names the organization.
    let member = users::create()
        .bind(
            &tx,
            &format!("walker{}@walk.example", org.id),
            &"Walker",
            &role,
        )
        .one()
        .await
        .unwrap()
        .user_id;
    let request = gdpr::create()
        .bind(
            &tx,
            &Some(org.contact),
            &format!("subject{}@walk.example", org.id),
            &GdprRequestType::deletion,
        )
        .one()
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    // Only the ingest writes dead letters: as the owner, as it would.
    let letter = client
        .query_one(
            "INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, payload, reason, detail, organization_id)
             VALUES ('events', 0, $1, $2, 'unknown_campaign', 'campaign 9 is unknown', $1)
             RETURNING id",
            &[&org.id, &br#"{"campaign_id": 9}"#.as_slice()],
        )
        .await
        .unwrap()
        .get(0);
    vec![
        ("roles", role),
        ("members", member),
        ("gdpr-requests", request),
        ("dead-letters", letter),
    ]
}

/// The permission key paths of these domains name (`{key}`), for the walk.
pub const PERMISSION_KEY: &str = "audit.read";

/// What another organization's key gets from a route of these domains without `{id}`,
/// where the walk's default (an empty page, or 201) does not fit.
#[derive(Debug, Clone, Copy)]
pub enum Own {
    /// The singleton: the key's own organization, whichever organization's rows the
    /// walk means.
    Organization,
    /// The permission vocabulary, the same for every organization.
    Vocabulary,
    /// A list where the key's organization has rows of its own (its key, the key's
    /// role, its trail): every item must be one of them, in this table.
    Rows(&'static str),
}

/// How `method path` answers a stranger, if not as the walk's default.
pub fn own_answer(method: &Method, path: &str) -> Option<Own> {
    match (method.as_str(), path) {
        (_, "/v1/organization") => Some(Own::Organization),
        ("GET", "/v1/permissions") => Some(Own::Vocabulary),
        ("GET", "/v1/roles") => Some(Own::Rows("roles")),
        ("GET", "/v1/api-keys") => Some(Own::Rows("api_keys")),
        ("GET", "/v1/audit-logs") => Some(Own::Rows("audit_logs")),
        _ => None,
    }
}

impl Own {
    /// Checks the answer to organization `own`'s key.
    pub async fn check(self, app: &App, own: i64, response: Response, what: &str) {
        let body = json(response, StatusCode::OK).await;
        match self {
            Own::Organization => {
                assert_eq!(body["id"], own, "{what} answers another organization");
            }
            Own::Vocabulary => {
                let keys: Vec<&str> = body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|p| p["key"].as_str())
                    .collect();
                for permission in api::Permission::ALL {
                    assert!(keys.contains(&permission.key()), "{what}: {body}");
                }
            }
            Own::Rows(table) => {
                let ids: Vec<i64> = body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_i64().unwrap())
                    .collect();
                let client = app.db.connect().await;
                let foreign = client
                    .query_one(
                        &format!(
                            "SELECT count(*) FROM {table} \
                             WHERE id = ANY($1) AND organization_id <> $2"
                        ),
                        &[&ids, &own],
                    )
                    .await
                    .unwrap()
                    .get::<_, i64>(0);
                assert_eq!(foreign, 0, "{what} shows another organization's rows");
            }
        }
    }
}
