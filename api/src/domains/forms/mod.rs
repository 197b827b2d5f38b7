//! `/v1/forms`: lead-capture forms, and their fields under `/v1/forms/{id}/fields` and
//! `/v1/form-fields` (`form.read`, `form.write`).

use axum::Json;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::domains::forms as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod fields;

use super::{PageParams, created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing};
use crate::domains::rows::row_routes;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{self, Page, patched};
use crate::state::AppState;

/// The entity named in errors.
const ENTITY: &str = "form";
/// The request fields a refused constraint may name.
const FIELDS: &[&str] = &["name", "description"];

/// A form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Form {
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

impl From<q::Form> for Form {
    fn from(row: q::Form) -> Self {
        Form {
            id: row.id,
            name: row.name,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new form, without fields (they are added under `/v1/forms/{id}/fields`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewForm {
    /// Its name (not blank).
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
}

/// Changes to a form: an absent field is kept, a null one cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormPatch {
    /// A new name (not blank, not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    /// A new description, or null to clear it.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

/// This domain's routes: forms and their fields.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_forms, create_form))
        .routes(routes!(get_form, update_form, delete_form))
        .routes(routes!(restore_form))
        .merge(fields::routes())
}

row_routes! {
    queries = q,
    row = Form,
    tag = "forms",
    path = "/v1/forms/{id}",
    restore_path = "/v1/forms/{id}/restore",
    id = "The form's id",
    read = FormRead "form.read",
    write = FormWrite "form.write",
    get = get_form "get_form" "Get a form.",
    delete = delete_form "delete_form" "Delete a form (soft: it can be restored; its fields are kept).",
    restore = restore_form "restore_form" "Restore a deleted form." [],
    deleted = "deleted form",
}

/// List the organization's forms.
#[utoipa::path(
    get,
    path = "/v1/forms",
    tag = "forms",
    operation_id = "list_forms",
    params(PageParams),
    security(("bearer" = ["form.read"])),
    responses(
        (status = 200, description = "A page of forms", body = Page<Form>),
        Denied,
        Malformed
    )
)]
async fn list_forms(
    mut auth: Authorized<need::FormRead>,
    Params(params): Params<PageParams>,
) -> Result<Json<Page<Form>>, ApiError> {
    let page = params.page()?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, Form::from)))
}

/// Create a form.
#[utoipa::path(
    post,
    path = "/v1/forms",
    tag = "forms",
    operation_id = "create_form",
    request_body = NewForm,
    security(("bearer" = ["form.write"])),
    responses(
        (status = 201, description = "Created", body = Form,
         headers(("location" = String, description = "The new form's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited
    )
)]
async fn create_form(
    mut auth: Authorized<need::FormWrite>,
    JsonBody(new): JsonBody<NewForm>,
) -> Result<Response, ApiError> {
    let tx = auth.begin().await?;
    let row = q::create()
        .bind(&tx, &new.name, &new.description)
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    tx.commit().await?;
    Ok(created(format!("/v1/forms/{}", row.id), Form::from(row)))
}

/// Change a form's name or description.
#[utoipa::path(
    patch,
    path = "/v1/forms/{id}",
    tag = "forms",
    operation_id = "update_form",
    params(("id" = i64, Path, description = "The form's id")),
    request_body = FormPatch,
    security(("bearer" = ["form.write"])),
    responses(
        (status = 200, description = "The changed form", body = Form),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited
    )
)]
async fn update_form(
    mut auth: Authorized<need::FormWrite>,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<FormPatch>,
) -> Result<Json<Form>, ApiError> {
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
