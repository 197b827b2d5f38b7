//! `/v1/api-keys`: the organization's API keys, live and revoked (`role.read`: a key is
//! a role's access, so who may see roles may see who holds them). Keys are made and
//! revoked by operators (`tally api-key`); a key's secret is never stored and its hash
//! never leaves the database.

use axum::Json;
use chrono::{DateTime, Utc};
use schema::domains::api_keys as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::PageParams;
use crate::auth::{Authorized, need};
use crate::docs::{Denied, Malformed};
use crate::error::ApiError;
use crate::extract::Params;
use crate::page::Page;
use crate::state::AppState;

/// An API key, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiKey {
    /// Its id (the audit actor `api_key:<id>`).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The role it acts with.
    pub role_id: i64,
    /// The key's first characters, which name it in lists and logs.
    pub prefix: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was revoked; null while it authenticates.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<q::ApiKey> for ApiKey {
    fn from(row: q::ApiKey) -> Self {
        ApiKey {
            id: row.id,
            name: row.name,
            role_id: row.role_id,
            prefix: row.prefix,
            created_at: row.created_at,
            updated_at: row.updated_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_api_keys))
}

/// List the organization's API keys, live and revoked.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    tag = "api-keys",
    operation_id = "list_api_keys",
    params(PageParams),
    security(("bearer" = ["role.read"])),
    responses(
        (status = 200, description = "A page of API keys", body = Page<ApiKey>),
        Denied,
        Malformed
    )
)]
async fn list_api_keys(
    mut auth: Authorized<need::RoleRead>,
    Params(params): Params<PageParams>,
) -> Result<Json<Page<ApiKey>>, ApiError> {
    let page = params.page()?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, ApiKey::from)))
}
