//! `/v1/members`: the organization's users and the role each has in it (`user.read`,
//! `user.write`). A member is addressed by its user's id. Users are global: inviting
//! makes a new user who belongs to this organization alone, and the database lets an
//! organization change a user (their name, address or role) only while the user
//! belongs to it alone; removing them is always allowed.

use std::collections::HashMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::PooledTransaction as Transaction;
use schema::domains::{roles, users as q};
use serde::{Deserialize, Serialize};
use tokio_postgres::error::SqlState;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, Taken};
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{self, Page, patched};
use crate::state::AppState;

const ENTITY: &str = "member";
const FIELDS: &[&str] = &["email", "full_name", "role_id"];

/// A user of the organization, with their role in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    /// The user's id (the member's id in paths).
    pub id: i64,
    /// The user's address, unique among all users (case-insensitively).
    pub email: String,
    /// The user's name.
    pub full_name: String,
    /// The role the user has in the organization.
    pub role_id: i64,
    /// The membership's id (the `memberships` entries of the audit trail).
    pub membership_id: i64,
    /// When the user joined the organization.
    pub joined_at: DateTime<Utc>,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user or their membership last changed.
    pub updated_at: DateTime<Utc>,
}

impl Member {
    fn new(user: q::User, membership: &roles::Membership) -> Member {
        Member {
            id: user.id,
            email: user.email,
            full_name: user.full_name,
            role_id: membership.role_id,
            membership_id: membership.id,
            joined_at: membership.created_at,
            created_at: user.created_at,
            updated_at: user.updated_at.max(membership.updated_at),
        }
    }
}

/// Someone to invite: a new user who joins with a role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Their address (no user may have it yet).
    pub email: String,
    /// Their name (not blank).
    pub full_name: String,
    /// The role they get.
    pub role_id: i64,
}

/// Changes to a member: an absent field is kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// A new address (not null); only for a user who belongs to no other organization.
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub email: Option<String>,
    /// A new name (not null); only for a user who belongs to no other organization.
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub full_name: Option<String>,
    /// Another role (not null); only for a user who belongs to no other organization.
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = i64)]
    pub role_id: Option<i64>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, invite_member))
        .routes(routes!(get_member, update_member, remove_member))
}

/// The memberships of `users`, by user id.
async fn memberships(
    tx: &Transaction<'_>,
    users: &[i64],
) -> Result<HashMap<i64, roles::Membership>, ApiError> {
    let rows = roles::members_of().bind(tx, &users).all().await?;
    Ok(rows.into_iter().map(|m| (m.user_id, m)).collect())
}

/// A refusal of a membership change, where the database's rule against adopting
/// another organization's user (checked on every new membership row, a changed one too)
/// refuses any change of a user who also belongs elsewhere: a 422, not a fault.
fn shared_membership(error: tokio_postgres::Error) -> ApiError {
    let policy = error.as_db_error().is_some_and(|db| {
        db.code() == &SqlState::INSUFFICIENT_PRIVILEGE
            && db.message().contains("row-level security")
    });
    if policy {
        ApiError::Unprocessable {
            field: None,
            constraint: "no_adoption".to_owned(),
        }
    } else {
        refused(ENTITY, FIELDS)(error)
    }
}

/// The member whose user is `id`, or 404 (another organization's user is invisible).
async fn member(tx: &Transaction<'_>, id: i64) -> Result<(q::User, roles::Membership), ApiError> {
    let missing = ApiError::NotFound { entity: ENTITY, id };
    let Some(user) = q::get().bind(tx, &id).opt().await? else {
        return Err(missing);
    };
    let membership = memberships(tx, &[id]).await?.remove(&id).ok_or(missing)?;
    Ok((user, membership))
}

/// List the organization's members.
#[utoipa::path(
    get,
    path = "/v1/members",
    tag = "members",
    operation_id = "list_members",
    params(PageParams),
    security(("bearer" = ["user.read"])),
    responses(
        (status = 200, description = "A page of members, by user id", body = Page<Member>),
        Denied,
        Malformed
    )
)]
async fn list_members(
    mut auth: Authorized<need::UserRead>,
    Params(params): Params<PageParams>,
) -> Result<Json<Page<Member>>, ApiError> {
    let page = params.page()?;
    let tx = auth.begin().await?;
    let users = q::list()
        .bind(&tx, &page.after, &page.fetch())
        .all()
        .await?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut memberships = memberships(&tx, &ids).await?;
    tx.commit().await?;
    let page = page.page(users, |u| u.id, |u| u);
    // A user is listed through their membership, so each has one (the transaction
    // saw both).
    let items = page
        .items
        .into_iter()
        .filter_map(|u| {
            let membership = memberships.remove(&u.id)?;
            Some(Member::new(u, &membership))
        })
        .collect();
    Ok(Json(Page {
        items,
        next_after: page.next_after,
    }))
}

/// Invite someone: a new user who joins the organization with a role.
#[utoipa::path(
    post,
    path = "/v1/members",
    tag = "members",
    operation_id = "invite_member",
    request_body = NewMember,
    security(("bearer" = ["user.write"])),
    responses(
        (status = 201, description = "Created", body = Member,
         headers(("location" = String, description = "The new member's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn invite_member(
    mut auth: Authorized<need::UserWrite>,
    JsonBody(new): JsonBody<NewMember>,
) -> Result<Response, ApiError> {
    let tx = auth.begin().await?;
    let made = q::create()
        .bind(&tx, &new.email, &new.full_name, &new.role_id)
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    let (user, membership) = member(&tx, made.user_id).await?;
    tx.commit().await?;
    Ok(created(
        format!("/v1/members/{}", user.id),
        Member::new(user, &membership),
    ))
}

/// Get a member.
#[utoipa::path(
    get,
    path = "/v1/members/{id}",
    tag = "members",
    operation_id = "get_member",
    params(("id" = i64, Path, description = "The member's user id")),
    security(("bearer" = ["user.read"])),
    responses(
        (status = 200, description = "The member", body = Member),
        Denied,
        Malformed,
        Missing
    )
)]
async fn get_member(
    mut auth: Authorized<need::UserRead>,
    Path(id): Path<i64>,
) -> Result<Json<Member>, ApiError> {
    let tx = auth.begin().await?;
    let (user, membership) = member(&tx, id).await?;
    tx.commit().await?;
    Ok(Json(Member::new(user, &membership)))
}

/// Change a member's role, or their address or name.
#[utoipa::path(
    patch,
    path = "/v1/members/{id}",
    tag = "members",
    operation_id = "update_member",
    params(("id" = i64, Path, description = "The member's user id")),
    request_body = MemberPatch,
    security(("bearer" = ["user.write"])),
    responses(
        (status = 200, description = "The changed member", body = Member),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn update_member(
    mut auth: Authorized<need::UserWrite>,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<MemberPatch>,
) -> Result<Json<Member>, ApiError> {
    let tx = auth.begin().await?;
    let (mut user, mut membership) = member(&tx, id).await?;
    if patch.email.is_some() || patch.full_name.is_some() {
        let email = patched(user.email, patch.email);
        let full_name = patched(user.full_name, patch.full_name);
        user = q::update()
            .bind(&tx, &email, &full_name, &id)
            .opt()
            .await
            .map_err(refused(ENTITY, FIELDS))?
            // Visible but not updatable: the user belongs to another organization too,
            // and only a user's own organization may change them.
            .ok_or_else(|| ApiError::Unprocessable {
                field: None,
                constraint: "own_users_only".to_owned(),
            })?;
    }
    if let Some(role_id) = patch.role_id {
        membership = roles::change_member_role()
            .bind(&tx, &role_id, &membership.id)
            .opt()
            .await
            .map_err(shared_membership)?
            .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    }
    tx.commit().await?;
    Ok(Json(Member::new(user, &membership)))
}

/// Remove a member from the organization (the user stays, without this membership).
#[utoipa::path(
    delete,
    path = "/v1/members/{id}",
    tag = "members",
    operation_id = "remove_member",
    params(("id" = i64, Path, description = "The member's user id")),
    security(("bearer" = ["user.write"])),
    responses(
        (status = 204, description = "Removed"),
        Denied,
        Malformed,
        Missing,
        Limited
    )
)]
async fn remove_member(
    mut auth: Authorized<need::UserWrite>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let tx = auth.begin().await?;
    let (_, membership) = member(&tx, id).await?;
    roles::remove_member()
        .bind(&tx, &membership.id)
        .opt()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
