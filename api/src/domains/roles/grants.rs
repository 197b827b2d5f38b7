//! The permission vocabulary, and what each role grants of it: granted and revoked one
//! key at a time, both idempotent.

use axum::Json;
use schema::PooledTransaction as Transaction;
use schema::domains::roles as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ENTITY, role};
use crate::auth::{Authorized, need};
use crate::docs::{Denied, Limited, Malformed, Missing};
use crate::domains::refused;
use crate::error::ApiError;
use crate::extract::Path;

/// A permission a role can grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Permission {
    /// Its key, e.g. `contact.read`: what routes name in their security requirement.
    pub key: String,
    /// What it allows.
    pub description: Option<String>,
}

impl From<q::Permission> for Permission {
    fn from(row: q::Permission) -> Self {
        Permission {
            key: row.key,
            description: row.description,
        }
    }
}

/// A set of permissions, ordered by key; never paged, the vocabulary being small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Permissions {
    /// The permissions.
    pub items: Vec<Permission>,
}

/// The path of one permission of one role.
#[derive(Debug, Deserialize)]
pub(crate) struct RolePermissionPath {
    /// The role's id.
    id: i64,
    /// The permission's key.
    key: String,
}

/// The permissions role `id` grants.
async fn granted(tx: &Transaction<'_>, id: i64) -> Result<Permissions, ApiError> {
    let rows = q::role_permissions().bind(tx, &id).all().await?;
    Ok(Permissions {
        items: rows.into_iter().map(Permission::from).collect(),
    })
}

/// The refusal of a permission key that is not in the vocabulary.
fn unknown_key(key: &str) -> ApiError {
    ApiError::field(
        "key",
        format!("{key:?} is not a permission key; GET /v1/permissions lists them"),
    )
}

/// List every permission a role can grant.
#[utoipa::path(
    get,
    path = "/v1/permissions",
    tag = "roles",
    operation_id = "list_permissions",
    security(("bearer" = ["role.read"])),
    responses(
        (status = 200, description = "The vocabulary, by key", body = Permissions),
        Denied
    )
)]
pub(super) async fn list_permissions(
    mut auth: Authorized<need::RoleRead>,
) -> Result<Json<Permissions>, ApiError> {
    let tx = auth.begin().await?;
    let rows = q::permissions().bind(&tx).all().await?;
    tx.commit().await?;
    Ok(Json(Permissions {
        items: rows.into_iter().map(Permission::from).collect(),
    }))
}

/// List the permissions a role grants.
#[utoipa::path(
    get,
    path = "/v1/roles/{id}/permissions",
    tag = "roles",
    operation_id = "list_role_permissions",
    params(("id" = i64, Path, description = "The role's id")),
    security(("bearer" = ["role.read"])),
    responses(
        (status = 200, description = "The role's permissions, by key", body = Permissions),
        Denied,
        Malformed,
        Missing
    )
)]
pub(super) async fn list_role_permissions(
    mut auth: Authorized<need::RoleRead>,
    Path(id): Path<i64>,
) -> Result<Json<Permissions>, ApiError> {
    let tx = auth.begin().await?;
    role(&tx, id).await?;
    let permissions = granted(&tx, id).await?;
    tx.commit().await?;
    Ok(Json(permissions))
}

/// Grant a permission to a role (idempotent).
#[utoipa::path(
    put,
    path = "/v1/roles/{id}/permissions/{key}",
    tag = "roles",
    operation_id = "grant_permission",
    params(
        ("id" = i64, Path, description = "The role's id"),
        ("key" = String, Path, description = "The permission's key, e.g. `contact.read`")
    ),
    security(("bearer" = ["role.write"])),
    responses(
        (status = 200, description = "The role's permissions, by key, with this one", body = Permissions),
        Denied,
        Malformed,
        Missing,
        Limited
    )
)]
pub(super) async fn grant_permission(
    mut auth: Authorized<need::RoleWrite>,
    Path(path): Path<RolePermissionPath>,
) -> Result<Json<Permissions>, ApiError> {
    let tx = auth.begin().await?;
    role(&tx, path.id).await?;
    let inserted = q::grant()
        .bind(&tx, &path.id, &path.key)
        .await
        .map_err(refused(ENTITY, &["key"]))?;
    let permissions = granted(&tx, path.id).await?;
    // Nothing inserted: granted already, or a key the vocabulary lacks.
    if inserted == 0 && !permissions.items.iter().any(|p| p.key == path.key) {
        return Err(unknown_key(&path.key));
    }
    tx.commit().await?;
    auth.keys_changed();
    Ok(Json(permissions))
}

/// Revoke a permission from a role (idempotent).
#[utoipa::path(
    delete,
    path = "/v1/roles/{id}/permissions/{key}",
    tag = "roles",
    operation_id = "revoke_permission",
    params(
        ("id" = i64, Path, description = "The role's id"),
        ("key" = String, Path, description = "The permission's key, e.g. `contact.read`")
    ),
    security(("bearer" = ["role.write"])),
    responses(
        (status = 200, description = "The role's permissions, by key, without this one", body = Permissions),
        Denied,
        Malformed,
        Missing,
        Limited
    )
)]
pub(super) async fn revoke_permission(
    mut auth: Authorized<need::RoleWrite>,
    Path(path): Path<RolePermissionPath>,
) -> Result<Json<Permissions>, ApiError> {
    let tx = auth.begin().await?;
    role(&tx, path.id).await?;
    let deleted = q::revoke().bind(&tx, &path.id, &path.key).await?;
    // Nothing deleted: not granted, or a key the vocabulary lacks.
    if deleted == 0 {
        let vocabulary = q::permissions().bind(&tx).all().await?;
        if !vocabulary.iter().any(|p| p.key == path.key) {
            return Err(unknown_key(&path.key));
        }
    }
    let permissions = granted(&tx, path.id).await?;
    tx.commit().await?;
    auth.keys_changed();
    Ok(Json(permissions))
}
