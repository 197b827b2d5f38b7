//! `/v1/organization`: the key's own organization, a singleton (`organization.read`,
//! `organization.write`). Creating and deleting organizations is an operator's task
//! (the `admin_` queries), never a key's.

use axum::Json;
use chrono::{DateTime, Utc};
use schema::domains::organizations as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::refused;
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Taken};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::page::{self, patched};
use crate::state::AppState;

const ENTITY: &str = "organization";
const FIELDS: &[&str] = &["name", "domain"];

/// The organization the key belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Organization {
    /// Its id.
    pub id: i64,
    /// Its name (not blank).
    pub name: String,
    /// Its email domain, unique among live organizations (case-insensitively).
    pub domain: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<q::Organization> for Organization {
    fn from(row: q::Organization) -> Self {
        Organization {
            id: row.id,
            name: row.name,
            domain: row.domain,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Changes to the organization: an absent field is kept, a null one cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    /// A new name (not blank, not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    /// A new domain, or null to clear it.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub domain: Option<Option<String>>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_organization, update_organization))
}

/// The key authenticated only because its organization is live, so a missing row means
/// it was deleted since: the key no longer stands for anyone.
fn gone() -> ApiError {
    ApiError::Unauthorized("the API key's organization is deleted")
}

/// Get the key's organization.
#[utoipa::path(
    get,
    path = "/v1/organization",
    tag = "organization",
    operation_id = "get_organization",
    security(("bearer" = ["organization.read"])),
    responses(
        (status = 200, description = "The key's organization", body = Organization),
        Denied
    )
)]
async fn get_organization(
    mut auth: Authorized<need::OrganizationRead>,
) -> Result<Json<Organization>, ApiError> {
    let tx = auth.begin().await?;
    let row = q::get().bind(&tx).opt().await?;
    tx.commit().await?;
    Ok(Json(row.ok_or_else(gone)?.into()))
}

/// Change the organization's name or domain.
#[utoipa::path(
    patch,
    path = "/v1/organization",
    tag = "organization",
    operation_id = "update_organization",
    request_body = OrganizationPatch,
    security(("bearer" = ["organization.write"])),
    responses(
        (status = 200, description = "The changed organization", body = Organization),
        Denied,
        Malformed,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn update_organization(
    mut auth: Authorized<need::OrganizationWrite>,
    JsonBody(patch): JsonBody<OrganizationPatch>,
) -> Result<Json<Organization>, ApiError> {
    let tx = auth.begin().await?;
    let current = q::get().bind(&tx).opt().await?.ok_or_else(gone)?;
    let name = patched(current.name, patch.name);
    let domain = patched(current.domain, patch.domain);
    let row = q::update()
        .bind(&tx, &name, &domain)
        .opt()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .ok_or_else(gone)?;
    tx.commit().await?;
    Ok(Json(row.into()))
}
