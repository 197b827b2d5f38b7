//! `/v1/roles`: the organization's roles and the permissions they grant, and
//! `/v1/permissions`, the vocabulary they are granted from (`role.read`, `role.write`).
//! Roles have no soft delete: deleting one is final, and refused while a member or an
//! API key still has it.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::DomainError;
use schema::PooledTransaction as Transaction;
use schema::domains::roles as q;
use serde::{Deserialize, Serialize};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoResponses, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, Taken};
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{self, Page, patched};
use crate::problem::{PROBLEM_JSON, ProblemKind};
use crate::state::AppState;

mod grants;

const ENTITY: &str = "role";
const FIELDS: &[&str] = &["name", "description"];

/// A role: a named set of permissions that members and API keys act with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Role {
    /// Its id.
    pub id: i64,
    /// Its name, unique in the organization.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<q::Role> for Role {
    fn from(row: q::Role) -> Self {
        Role {
            id: row.id,
            name: row.name,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new role; it grants nothing until permissions are granted to it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// Its name (not blank, unique in the organization).
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
}

/// Changes to a role: an absent field is kept, a null one cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    /// A new name (not blank, not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    /// A new description, or null to clear it.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

/// Deleting a role something still refers to: 409.
struct InUse;

impl IntoResponses for InUse {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let kind = ProblemKind::Conflict;
        let response = ResponseBuilder::new()
            .description(format!(
                "A member or an API key still has the role (`{}`)",
                kind.type_uri()
            ))
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        BTreeMap::from([(kind.status().as_u16().to_string(), RefOr::T(response))])
    }
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(get_role, update_role, delete_role))
        .routes(routes!(grants::list_permissions))
        .routes(routes!(grants::list_role_permissions))
        .routes(routes!(grants::grant_permission, grants::revoke_permission))
}

/// The role `id`, or 404.
async fn role(tx: &Transaction<'_>, id: i64) -> Result<q::Role, ApiError> {
    q::get()
        .bind(tx, &id)
        .opt()
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })
}

/// List the organization's roles.
#[utoipa::path(
    get,
    path = "/v1/roles",
    tag = "roles",
    operation_id = "list_roles",
    params(PageParams),
    security(("bearer" = ["role.read"])),
    responses(
        (status = 200, description = "A page of roles", body = Page<Role>),
        Denied,
        Malformed
    )
)]
async fn list_roles(
    mut auth: Authorized<need::RoleRead>,
    Params(params): Params<PageParams>,
) -> Result<Json<Page<Role>>, ApiError> {
    let page = params.page()?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, Role::from)))
}

/// Create a role (granting nothing yet).
#[utoipa::path(
    post,
    path = "/v1/roles",
    tag = "roles",
    operation_id = "create_role",
    request_body = NewRole,
    security(("bearer" = ["role.write"])),
    responses(
        (status = 201, description = "Created", body = Role,
         headers(("location" = String, description = "The new role's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn create_role(
    mut auth: Authorized<need::RoleWrite>,
    JsonBody(new): JsonBody<NewRole>,
) -> Result<Response, ApiError> {
    let tx = auth.begin().await?;
    let row = q::create()
        .bind(&tx, &new.name, &new.description)
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    tx.commit().await?;
    Ok(created(format!("/v1/roles/{}", row.id), Role::from(row)))
}

/// Get a role.
#[utoipa::path(
    get,
    path = "/v1/roles/{id}",
    tag = "roles",
    operation_id = "get_role",
    params(("id" = i64, Path, description = "The role's id")),
    security(("bearer" = ["role.read"])),
    responses(
        (status = 200, description = "The role", body = Role),
        Denied,
        Malformed,
        Missing
    )
)]
async fn get_role(
    mut auth: Authorized<need::RoleRead>,
    Path(id): Path<i64>,
) -> Result<Json<Role>, ApiError> {
    let tx = auth.begin().await?;
    let row = role(&tx, id).await?;
    tx.commit().await?;
    Ok(Json(row.into()))
}

/// Change a role's name or description.
#[utoipa::path(
    patch,
    path = "/v1/roles/{id}",
    tag = "roles",
    operation_id = "update_role",
    params(("id" = i64, Path, description = "The role's id")),
    request_body = RolePatch,
    security(("bearer" = ["role.write"])),
    responses(
        (status = 200, description = "The changed role", body = Role),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn update_role(
    mut auth: Authorized<need::RoleWrite>,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<RolePatch>,
) -> Result<Json<Role>, ApiError> {
    let tx = auth.begin().await?;
    let current = role(&tx, id).await?;
    let name = patched(current.name, patch.name);
    let description = patched(current.description, patch.description);
    let row = q::update()
        .bind(&tx, &name, &description, &id)
        .opt()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(Json(row.into()))
}

/// Delete a role and its grants, for good; refused while a member or an API key has it.
#[utoipa::path(
    delete,
    path = "/v1/roles/{id}",
    tag = "roles",
    operation_id = "delete_role",
    params(("id" = i64, Path, description = "The role's id")),
    security(("bearer" = ["role.write"])),
    responses(
        (status = 204, description = "Deleted"),
        Denied,
        Malformed,
        Missing,
        Limited,
        InUse
    )
)]
async fn delete_role(
    mut auth: Authorized<need::RoleWrite>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let tx = auth.begin().await?;
    q::delete()
        .bind(&tx, &id)
        .opt()
        .await
        .map_err(|e| match DomainError::from_query(ENTITY, e) {
            // Memberships and keys refer to roles without a cascade: the refusal is
            // about the role's state, not about a value the request sent.
            DomainError::Invalid { constraint } if constraint.ends_with("_fkey") => {
                ApiError::Conflict {
                    field: None,
                    constraint,
                }
            }
            other => ApiError::domain(ENTITY, FIELDS, other),
        })?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
