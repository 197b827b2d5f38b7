//! `/v1/contact-lists`: named lists of contacts (`list.read`, `list.write`).

use axum::Json;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::domains::contact_lists as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing};
use crate::domains::rows::row_routes;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{self, Page, patched};
use crate::state::AppState;

const ENTITY: &str = "contact list";
const FIELDS: &[&str] = &["name", "description"];

/// A contact list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactList {
    /// Its id.
    pub id: i64,
    /// Its name (not blank).
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<q::ContactList> for ContactList {
    fn from(row: q::ContactList) -> Self {
        ContactList {
            id: row.id,
            name: row.name,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new contact list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContactList {
    /// Its name (not blank).
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
}

/// Changes to a contact list: an absent field is kept, a null one cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactListPatch {
    /// A new name (not blank, not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    /// A new description, or null to clear it.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contact_lists, create_contact_list))
        .routes(routes!(
            get_contact_list,
            update_contact_list,
            delete_contact_list
        ))
        .routes(routes!(restore_contact_list))
}

row_routes! {
    queries = q,
    row = ContactList,
    tag = "contact-lists",
    path = "/v1/contact-lists/{id}",
    restore_path = "/v1/contact-lists/{id}/restore",
    id = "The contact list's id",
    read = ListRead "list.read",
    write = ListWrite "list.write",
    get = get_contact_list "get_contact_list" "Get a contact list.",
    delete = delete_contact_list "delete_contact_list" "Delete a contact list (soft: it can be restored).",
    restore = restore_contact_list "restore_contact_list" "Restore a deleted contact list." [],
    deleted = "deleted contact list",
}

/// List the organization's contact lists.
#[utoipa::path(
    get,
    path = "/v1/contact-lists",
    tag = "contact-lists",
    operation_id = "list_contact_lists",
    params(PageParams),
    security(("bearer" = ["list.read"])),
    responses(
        (status = 200, description = "A page of contact lists", body = Page<ContactList>),
        Denied,
        Malformed
    )
)]
async fn list_contact_lists(
    mut auth: Authorized<need::ListRead>,
    Params(params): Params<PageParams>,
) -> Result<Json<Page<ContactList>>, ApiError> {
    let page = params.page()?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, ContactList::from)))
}

/// Create a contact list.
#[utoipa::path(
    post,
    path = "/v1/contact-lists",
    tag = "contact-lists",
    operation_id = "create_contact_list",
    request_body = NewContactList,
    security(("bearer" = ["list.write"])),
    responses(
        (status = 201, description = "Created", body = ContactList,
         headers(("location" = String, description = "The new list's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited
    )
)]
async fn create_contact_list(
    mut auth: Authorized<need::ListWrite>,
    JsonBody(new): JsonBody<NewContactList>,
) -> Result<Response, ApiError> {
    let tx = auth.begin().await?;
    let row = q::create()
        .bind(&tx, &new.name, &new.description)
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    tx.commit().await?;
    Ok(created(
        format!("/v1/contact-lists/{}", row.id),
        ContactList::from(row),
    ))
}

/// Change a contact list's name or description.
#[utoipa::path(
    patch,
    path = "/v1/contact-lists/{id}",
    tag = "contact-lists",
    operation_id = "update_contact_list",
    params(("id" = i64, Path, description = "The list's id")),
    request_body = ContactListPatch,
    security(("bearer" = ["list.write"])),
    responses(
        (status = 200, description = "The changed contact list", body = ContactList),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited
    )
)]
async fn update_contact_list(
    mut auth: Authorized<need::ListWrite>,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<ContactListPatch>,
) -> Result<Json<ContactList>, ApiError> {
    let tx = auth.begin().await?;
    let current = q::get()
        .bind(&tx, &id)
        .opt()
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
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
