//! A form's fields: `GET`/`POST /v1/forms/{id}/fields` and `/v1/form-fields/{id}`. A
//! field's key is fixed once created: stored answers are keyed by it.

use axum::Json;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::domains::{form_fields as q, forms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, Taken};
use crate::domains::rows::row_routes;
use crate::domains::{created, refused};
use crate::error::ApiError;
use crate::extract::{JsonBody, Path};
use crate::page::{self, patched};
use crate::state::AppState;

/// The entity named in errors.
const ENTITY: &str = "form field";
/// The request fields a refused constraint may name.
const FIELDS: &[&str] = &[
    "form_id",
    "field_key",
    "label",
    "field_type",
    "position",
    "options",
];
/// The unique index of a form's live field keys, whose name does not contain the
/// field's.
const KEY_INDEX: &str = "form_fields_key_key";

/// What a field asks for: the `form_fields_field_type_known` check's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// One of the choices in `options`.
    Select,
    /// A yes or no.
    Checkbox,
    /// Several lines of text.
    Textarea,
    /// A number.
    Number,
    /// A date.
    Date,
}

impl FieldType {
    /// Every type, in the check's order.
    pub const ALL: [FieldType; 8] = [
        FieldType::Text,
        FieldType::Email,
        FieldType::Phone,
        FieldType::Select,
        FieldType::Checkbox,
        FieldType::Textarea,
        FieldType::Number,
        FieldType::Date,
    ];

    /// The `field_type` text.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Select => "select",
            FieldType::Checkbox => "checkbox",
            FieldType::Textarea => "textarea",
            FieldType::Number => "number",
            FieldType::Date => "date",
        }
    }
}

/// The schema of a stored `field_type`: one of [`FieldType`]'s labels.
fn field_type_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(FieldType::ALL.iter().map(|t| t.as_str())))
        .build()
}

/// A field of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FormField {
    /// Its id.
    pub id: i64,
    /// The form it belongs to.
    pub form_id: i64,
    /// The key its answers are stored under in a response's `response_data`, unique in
    /// the form among live fields.
    pub field_key: String,
    /// What the visitor reads.
    pub label: String,
    /// What it asks for.
    #[schema(schema_with = field_type_schema)]
    pub field_type: String,
    /// Whether an answer is required.
    pub required: bool,
    /// Its place in the form, lowest first.
    pub position: i32,
    /// A select's choices, or type-specific settings: a JSON array or object.
    #[schema(value_type = Option<Value>)]
    pub options: Option<serde_json::Value>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<q::FormField> for FormField {
    fn from(row: q::FormField) -> Self {
        FormField {
            id: row.id,
            form_id: row.form_id,
            field_key: row.field_key,
            label: row.label,
            field_type: row.field_type,
            required: row.required,
            position: row.position,
            options: row.options,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A form's live fields.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FormFields {
    /// The fields in display order (by position, then id).
    pub items: Vec<FormField>,
}

/// A new field of a form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFormField {
    /// The key its answers are stored under: a lower-case letter, then lower-case
    /// letters, digits and underscores.
    pub field_key: String,
    /// What the visitor reads (not blank).
    pub label: String,
    /// What it asks for.
    pub field_type: FieldType,
    /// Whether an answer is required; false when absent.
    #[serde(default)]
    pub required: bool,
    /// Its place in the form (0 or more); after the form's last field when absent.
    #[serde(default)]
    pub position: Option<i32>,
    /// A select's choices, or type-specific settings: a JSON array or object.
    #[serde(default)]
    #[schema(value_type = Option<Value>)]
    pub options: Option<serde_json::Value>,
}

/// Changes to a field: an absent field is kept, a null one cleared. Its key cannot
/// change: answers already stored are keyed by it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormFieldPatch {
    /// A new label (not blank, not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = String)]
    pub label: Option<String>,
    /// A new type (not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = FieldType)]
    pub field_type: Option<FieldType>,
    /// Whether an answer is required (not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = bool)]
    pub required: Option<bool>,
    /// A new place in the form (0 or more, not null).
    #[serde(default, deserialize_with = "page::present")]
    #[schema(value_type = i32)]
    pub position: Option<i32>,
    /// New options, a JSON array or object, or null to clear them.
    #[serde(default, deserialize_with = "page::nullable")]
    #[schema(value_type = Option<Value>)]
    pub options: Option<Option<serde_json::Value>>,
}

/// The routes of forms' fields.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_form_fields, create_form_field))
        .routes(routes!(
            get_form_field,
            update_form_field,
            delete_form_field
        ))
        .routes(routes!(restore_form_field))
}

row_routes! {
    queries = q,
    row = FormField,
    tag = "forms",
    path = "/v1/form-fields/{id}",
    restore_path = "/v1/form-fields/{id}/restore",
    id = "The field's id",
    read = FormRead "form.read",
    write = FormWrite "form.write",
    get = get_form_field "get_form_field" "Get a form's field.",
    delete = delete_form_field "delete_form_field" "Delete a form's field (soft: it can be restored).",
    restore = restore_form_field "restore_form_field" "Restore a deleted field, unless a live field of its form took its key." [Taken],
    deleted = "deleted form field",
}

/// The form's live row, or 404: a field is only reached through a live form of the
/// caller's organization (the foreign key alone would answer 422 for another's).
async fn live_form(tx: &tokio_postgres::Transaction<'_>, id: i64) -> Result<(), ApiError> {
    forms::get()
        .bind(tx, &id)
        .opt()
        .await?
        .map(|_| ())
        .ok_or(ApiError::NotFound { entity: "form", id })
}

/// A refusal of a field's write, naming `field_key` for a key already taken.
fn refused_field(error: tokio_postgres::Error) -> ApiError {
    match refused(ENTITY, FIELDS)(error) {
        ApiError::Conflict {
            field: None,
            constraint,
        } if constraint == KEY_INDEX => ApiError::Conflict {
            field: Some("field_key".to_owned()),
            constraint,
        },
        other => other,
    }
}

/// List a form's live fields in display order.
#[utoipa::path(
    get,
    path = "/v1/forms/{id}/fields",
    tag = "forms",
    operation_id = "list_form_fields",
    params(("id" = i64, Path, description = "The form's id")),
    security(("bearer" = ["form.read"])),
    responses(
        (status = 200, description = "The form's fields", body = FormFields),
        Denied,
        Malformed,
        Missing
    )
)]
async fn list_form_fields(
    mut auth: Authorized<need::FormRead>,
    Path(id): Path<i64>,
) -> Result<Json<FormFields>, ApiError> {
    let tx = auth.begin().await?;
    live_form(&tx, id).await?;
    let rows = q::list().bind(&tx, &id).all().await?;
    tx.commit().await?;
    Ok(Json(FormFields {
        items: rows.into_iter().map(FormField::from).collect(),
    }))
}

/// Add a field to a form.
#[utoipa::path(
    post,
    path = "/v1/forms/{id}/fields",
    tag = "forms",
    operation_id = "create_form_field",
    params(("id" = i64, Path, description = "The form's id")),
    request_body = NewFormField,
    security(("bearer" = ["form.write"])),
    responses(
        (status = 201, description = "Created", body = FormField,
         headers(("location" = String, description = "The new field's URL"))),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn create_form_field(
    mut auth: Authorized<need::FormWrite>,
    Path(form): Path<i64>,
    JsonBody(new): JsonBody<NewFormField>,
) -> Result<Response, ApiError> {
    let tx = auth.begin().await?;
    live_form(&tx, form).await?;
    let position = match new.position {
        Some(position) => position,
        None => q::list()
            .bind(&tx, &form)
            .all()
            .await?
            .iter()
            .map(|f| f.position.saturating_add(1))
            .max()
            .unwrap_or(0),
    };
    let row = q::create()
        .bind(
            &tx,
            &form,
            &new.field_key,
            &new.label,
            &new.field_type.as_str(),
            &new.required,
            &position,
            &new.options,
        )
        .one()
        .await
        .map_err(refused_field)?;
    tx.commit().await?;
    Ok(created(
        format!("/v1/form-fields/{}", row.id),
        FormField::from(row),
    ))
}

/// Change a field's label, type, requirement, position or options.
#[utoipa::path(
    patch,
    path = "/v1/form-fields/{id}",
    tag = "forms",
    operation_id = "update_form_field",
    params(("id" = i64, Path, description = "The field's id")),
    request_body = FormFieldPatch,
    security(("bearer" = ["form.write"])),
    responses(
        (status = 200, description = "The changed field", body = FormField),
        Denied,
        Malformed,
        Missing,
        BodyRefused,
        Limited
    )
)]
async fn update_form_field(
    mut auth: Authorized<need::FormWrite>,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<FormFieldPatch>,
) -> Result<Json<FormField>, ApiError> {
    let tx = auth.begin().await?;
    let current = q::get()
        .bind(&tx, &id)
        .opt()
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    let label = patched(current.label, patch.label);
    let field_type = patched(
        current.field_type,
        patch.field_type.map(|t| t.as_str().to_owned()),
    );
    let required = patched(current.required, patch.required);
    let position = patched(current.position, patch.position);
    let options = patched(current.options, patch.options);
    let row = q::update()
        .bind(
            &tx,
            &label,
            &field_type,
            &required,
            &position,
            &options,
            &id,
        )
        .opt()
        .await
        .map_err(refused_field)?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(Json(row.into()))
}

#[cfg(test)]
mod tests {
    use super::FieldType;

    #[test]
    fn field_types_serialize_as_their_labels() {
        for t in FieldType::ALL {
            assert_eq!(
                serde_json::to_value(t).ok(),
                Some(serde_json::Value::String(t.as_str().to_owned()))
            );
        }
    }
}
