//! `/v1/contacts`: recipients, one per address per list (`contact.read`,
//! `contact.write`), and their bulk import into a list from a CSV file
//! (`contact.import`).

use axum::Json;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::ValidationStatus;
use schema::domains::contacts as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod created;
mod import;

use super::{created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, Taken};
use crate::domains::rows::row_routes;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{self, Page, PageRequest, patched};
use crate::state::AppState;

/// The entity named in errors.
const ENTITY: &str = "contact";
/// The request fields a refused constraint may name.
const FIELDS: &[&str] = &[
    "contact_list_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "attributes",
];

/// A contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    /// Its id.
    pub id: i64,
    /// The list it belongs to.
    pub contact_list_id: i64,
    /// Its address, unique in the list among live contacts (case-insensitively).
    pub email: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// The outcome of validation (`pending` until validated).
    #[schema(schema_with = crate::docs::validation_status)]
    pub validation_status: ValidationStatus,
    /// The rule versions applied and the failed ones.
    #[schema(value_type = Object)]
    pub validation_details: serde_json::Value,
    /// Any other imported column.
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<q::Contact> for Contact {
    fn from(row: q::Contact) -> Self {
        Contact {
            id: row.id,
            contact_list_id: row.contact_list_id,
            email: row.email,
            first_name: row.first_name,
            last_name: row.last_name,
            phone: row.phone,
            validation_status: row.validation_status,
            validation_details: row.validation_details,
            attributes: row.attributes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// The list to add it to.
    pub contact_list_id: i64,
    /// Its address.
    pub email: String,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Any other attributes, a JSON object (`{}` when absent).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Changes to a contact: an absent field is kept, a null one cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    /// A new address (not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub email: Option<String>,
    /// A new first name, or null.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub first_name: Option<Option<String>>,
    /// A new last name, or null.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub last_name: Option<Option<String>>,
    /// A new phone number, or null.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// New attributes, a JSON object replacing the old (not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = Object)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The filters and paging of the contact list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ContactParams {
    /// Rows with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Rows per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
    /// Only the contacts of this contact list.
    list: Option<i64>,
    /// Only contacts with this validation status.
    #[param(schema_with = crate::docs::validation_status)]
    status: Option<ValidationStatus>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(created::list_contacts_created))
        .routes(routes!(get_contact, update_contact, delete_contact))
        .routes(routes!(restore_contact))
        .routes(routes!(import::import_contacts))
}

row_routes! {
    queries = q,
    row = Contact,
    tag = "contacts",
    path = "/v1/contacts/{id}",
    restore_path = "/v1/contacts/{id}/restore",
    id = "The contact's id",
    read = ContactRead "contact.read",
    write = ContactWrite "contact.write",
    get = get_contact "get_contact" "Get a contact.",
    delete = delete_contact "delete_contact" "Delete a contact (soft: it can be restored).",
    restore = restore_contact "restore_contact" "Restore a deleted contact." [Taken],
    deleted = "deleted contact",
}

/// List contacts, optionally of one list or one validation status.
#[utoipa::path(
    get,
    path = "/v1/contacts",
    tag = "contacts",
    operation_id = "list_contacts",
    params(ContactParams),
    security(("bearer" = ["contact.read"])),
    responses(
        (status = 200, description = "A page of contacts", body = Page<Contact>),
        Denied,
        Malformed
    )
)]
async fn list_contacts(
    mut auth: Authorized<need::ContactRead>,
    Params(params): Params<ContactParams>,
) -> Result<Json<Page<Contact>>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(
            &tx,
            &page.after,
            &params.list,
            &params.status,
            &page.fetch(),
        )
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, Contact::from)))
}

/// Create a contact in a list.
#[utoipa::path(
    post,
    path = "/v1/contacts",
    tag = "contacts",
    operation_id = "create_contact",
    request_body = NewContact,
    security(("bearer" = ["contact.write"])),
    responses(
        (status = 201, description = "Created", body = Contact,
         headers(("location" = String, description = "The new contact's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn create_contact(
    mut auth: Authorized<need::ContactWrite>,
    JsonBody(new): JsonBody<NewContact>,
) -> Result<Response, ApiError> {
    let attributes = serde_json::Value::Object(new.attributes.unwrap_or_default());
    let tx = auth.begin().await?;
    let row = q::create()
        .bind(
            &tx,
            &new.contact_list_id,
            &new.email,
            &new.first_name,
            &new.last_name,
            &new.phone,
            &attributes,
        )
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    tx.commit().await?;
    Ok(created(
        format!("/v1/contacts/{}", row.id),
        Contact::from(row),
    ))
}

/// Change a contact.
#[utoipa::path(
    patch,
    path = "/v1/contacts/{id}",
    tag = "contacts",
    operation_id = "update_contact",
    params(("id" = i64, Path, description = "The contact's id")),
    request_body = ContactPatch,
    security(("bearer" = ["contact.write"])),
    responses(
        (status = 200, description = "The changed contact", body = Contact),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn update_contact(
    mut auth: Authorized<need::ContactWrite>,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<ContactPatch>,
) -> Result<Json<Contact>, ApiError> {
    let tx = auth.begin().await?;
    let current = q::get()
        .bind(&tx, &id)
        .opt()
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    let email = patched(current.email, patch.email);
    let first_name = patched(current.first_name, patch.first_name);
    let last_name = patched(current.last_name, patch.last_name);
    let phone = patched(current.phone, patch.phone);
    let attributes = patched(
        current.attributes,
        patch.attributes.map(serde_json::Value::Object),
    );
    let row = q::update()
        .bind(
            &tx,
            &email,
            &first_name,
            &last_name,
            &phone,
            &attributes,
            &id,
        )
        .opt()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(Json(row.into()))
}
