//! `/v1/email-templates`: versioned email templates (`template.read`,
//! `template.write`). There is no PATCH: an edit is a new version created under the same
//! name, so a campaign keeps pointing at exactly what it sent.

use axum::Json;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::domains::email_templates as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageParams, created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Taken};
use crate::domains::rows::row_routes;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params};
use crate::page::Page;
use crate::state::AppState;

/// The entity named in errors.
const ENTITY: &str = "email template";
/// The request fields a refused constraint may name.
const FIELDS: &[&str] = &["name", "subject", "body_html", "body_text"];

/// One version of an email template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EmailTemplate {
    /// Its id (each version has its own).
    pub id: i64,
    /// The template's name, shared by its versions.
    pub name: String,
    /// 1 for the first version of a name, then one more per new version.
    pub version: i32,
    /// The subject line (not blank).
    pub subject: String,
    /// The HTML body.
    pub body_html: String,
    /// The plain-text body.
    pub body_text: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed (a delete or restore).
    pub updated_at: DateTime<Utc>,
}

impl From<q::EmailTemplate> for EmailTemplate {
    fn from(row: q::EmailTemplate) -> Self {
        EmailTemplate {
            id: row.id,
            name: row.name,
            version: row.version,
            subject: row.subject,
            body_html: row.body_html,
            body_text: row.body_text,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new version of a template: the first under a new name, the next one under a name
/// in use.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmailTemplate {
    /// The template's name (not blank).
    pub name: String,
    /// The subject line (not blank).
    pub subject: String,
    /// The HTML body.
    pub body_html: String,
    /// The plain-text body.
    #[serde(default)]
    pub body_text: Option<String>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_email_templates, create_email_template))
        .routes(routes!(get_email_template, delete_email_template))
        .routes(routes!(restore_email_template))
}

row_routes! {
    queries = q,
    row = EmailTemplate,
    tag = "email-templates",
    path = "/v1/email-templates/{id}",
    restore_path = "/v1/email-templates/{id}/restore",
    id = "The template version's id",
    read = TemplateRead "template.read",
    write = TemplateWrite "template.write",
    get = get_email_template "get_email_template" "Get one version of an email template.",
    delete = delete_email_template "delete_email_template" "Delete a version of an email template (soft: it can be restored).",
    restore = restore_email_template "restore_email_template" "Restore a deleted version of an email template." [],
    deleted = "deleted email template",
}

/// List the organization's email templates, every live version.
#[utoipa::path(
    get,
    path = "/v1/email-templates",
    tag = "email-templates",
    operation_id = "list_email_templates",
    params(PageParams),
    security(("bearer" = ["template.read"])),
    responses(
        (status = 200, description = "A page of template versions", body = Page<EmailTemplate>),
        Denied,
        Malformed
    )
)]
async fn list_email_templates(
    mut auth: Authorized<need::TemplateRead>,
    Params(params): Params<PageParams>,
) -> Result<Json<Page<EmailTemplate>>, ApiError> {
    let page = params.page()?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, EmailTemplate::from)))
}

/// Create an email template, or the next version of the template of that name.
#[utoipa::path(
    post,
    path = "/v1/email-templates",
    tag = "email-templates",
    operation_id = "create_email_template",
    request_body = NewEmailTemplate,
    security(("bearer" = ["template.write"])),
    responses(
        (status = 201, description = "Created: the new version", body = EmailTemplate,
         headers(("location" = String, description = "The new version's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn create_email_template(
    mut auth: Authorized<need::TemplateWrite>,
    JsonBody(new): JsonBody<NewEmailTemplate>,
) -> Result<Response, ApiError> {
    let tx = auth.begin().await?;
    // Two versions of one name created at once both compute the same next version: the
    // later one is refused by the unique (name, version) index, a 409 to retry.
    let row = q::create()
        .bind(&tx, &new.name, &new.subject, &new.body_html, &new.body_text)
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    tx.commit().await?;
    Ok(created(
        format!("/v1/email-templates/{}", row.id),
        EmailTemplate::from(row),
    ))
}
