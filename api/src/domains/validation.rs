//! `/v1/validation-rules` and `/v1/validation-logs`: the address validation rules a
//! contact import applies, and the log of the checks contacts failed (`contact.read`,
//! `contact.write`: rules decide what the organization's contacts are marked).
//!
//! Rules are versioned like templates: creating a rule under a name in use publishes
//! its next version and deactivates the one before, in one transaction, so the log keeps
//! pointing at the exact definition that judged a contact. A rule is never changed or
//! deleted; it is deactivated.

use axum::Json;
use axum::response::Response;
use chrono::{DateTime, Utc};
use schema::ValidationStatus;
use schema::domains::validation as q;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{created, refused};
use crate::auth::{Authorized, need};
use crate::docs::{BodyRefused, Denied, Limited, Malformed, Missing, Taken};
use crate::domains::rows::get_route;
use crate::error::ApiError;
use crate::extract::{JsonBody, Params, Path};
use crate::page::{Page, PageRequest};
use crate::state::AppState;

/// The entity named in errors.
const ENTITY: &str = "validation rule";
/// The request fields a refused constraint may name.
const FIELDS: &[&str] = &["name", "rule_type", "definition"];

/// The rule types the contact import applies (`contacts::RuleType`): a type it does not
/// know would be skipped by every import, so it is refused here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// The address syntax the import enforces; recorded only. Any definition.
    Syntax,
    /// One contact per address within a file; recorded only. Any definition.
    DuplicateInFile,
    /// `{"domains": [...]}`: an address at one of these domains is invalid.
    BlockedDomain,
    /// `{"domains": [...]}`: an address at one of these domains is risky.
    DisposableDomain,
    /// `{"local_parts": [...]}` (the import's default list when absent): an address
    /// with one of these local parts is risky.
    RoleAccount,
}

impl RuleKind {
    /// The import's type of the same name.
    fn import_type(self) -> contacts::RuleType {
        match self {
            RuleKind::Syntax => contacts::RuleType::Syntax,
            RuleKind::DuplicateInFile => contacts::RuleType::DuplicateInFile,
            RuleKind::BlockedDomain => contacts::RuleType::BlockedDomain,
            RuleKind::DisposableDomain => contacts::RuleType::DisposableDomain,
            RuleKind::RoleAccount => contacts::RuleType::RoleAccount,
        }
    }

    /// Refuses a definition the import could not apply (it would fail every import of
    /// the organization until the rule is replaced), naming the member at fault.
    fn check(self, definition: &serde_json::Map<String, Value>) -> Result<(), ApiError> {
        let (key, required) = match self {
            RuleKind::Syntax | RuleKind::DuplicateInFile => return Ok(()),
            RuleKind::BlockedDomain | RuleKind::DisposableDomain => ("domains", true),
            RuleKind::RoleAccount => ("local_parts", false),
        };
        let field = format!("definition.{key}");
        match definition.get(key) {
            None if required => Err(ApiError::field(
                field,
                format!("a {} rule needs a {key:?} list of strings", self.name()),
            )),
            None => Ok(()),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
            Some(_) => Err(ApiError::field(
                field,
                format!("{key:?} must be a list of strings"),
            )),
        }
    }

    /// The `rule_type` text.
    fn name(self) -> &'static str {
        self.import_type().as_str()
    }
}

/// The schema of a stored `rule_type`: one of [`RuleKind`]'s labels.
fn rule_type_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(contacts::RuleType::ALL.iter().map(|t| t.as_str())))
        .build()
}

/// One version of a validation rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ValidationRule {
    /// Its id (each version has its own).
    pub id: i64,
    /// The rule's name, shared by its versions.
    pub name: String,
    /// 1 for the first version of a name, then one more per new version.
    pub version: i32,
    /// What it checks (a type an import does not know is skipped by it).
    #[schema(schema_with = rule_type_schema)]
    pub rule_type: String,
    /// Its parameters, a JSON object.
    #[schema(value_type = Object)]
    pub definition: Value,
    /// Whether imports apply it: at most one version of a name is active.
    pub is_active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed (its deactivation).
    pub updated_at: DateTime<Utc>,
}

impl From<q::ValidationRule> for ValidationRule {
    fn from(row: q::ValidationRule) -> Self {
        ValidationRule {
            id: row.id,
            name: row.name,
            version: row.version,
            rule_type: row.rule_type,
            definition: row.definition,
            is_active: row.is_active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new version of a rule: the first under a new name, the next one (replacing the
/// active one) under a name in use.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewValidationRule {
    /// The rule's name (not blank).
    pub name: String,
    /// What it checks.
    pub rule_type: RuleKind,
    /// Its parameters, a JSON object (`{}` when absent); see the rule types.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub definition: Option<serde_json::Map<String, Value>>,
}

/// The filters and paging of the rule list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RuleParams {
    /// Rows with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Rows per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
    /// Only the active versions (`true`) or only the retired ones (`false`); every
    /// version when absent.
    active: Option<bool>,
}

/// One check a contact failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ValidationLog {
    /// Its id.
    pub id: i64,
    /// The contact checked.
    pub contact_id: i64,
    /// The rule version that judged it.
    pub rule_id: i64,
    /// What the rule made of it.
    #[schema(schema_with = crate::docs::validation_status)]
    pub result: ValidationStatus,
    /// What matched, a JSON object.
    #[schema(value_type = Object)]
    pub details: Value,
    /// When.
    pub validated_at: DateTime<Utc>,
}

impl From<q::ValidationLog> for ValidationLog {
    fn from(row: q::ValidationLog) -> Self {
        ValidationLog {
            id: row.id,
            contact_id: row.contact_id,
            rule_id: row.rule_id,
            result: row.result,
            details: row.details,
            validated_at: row.validated_at,
        }
    }
}

/// A contact's validation history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ValidationLogs {
    /// The entries, newest first.
    pub items: Vec<ValidationLog>,
}

/// Whose history, and how much of it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct LogParams {
    /// The contact whose history to read (another organization's contact has none).
    contact: i64,
    /// The newest entries to return, 1 to 1000; 100 by default.
    limit: Option<i64>,
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_validation_rules, create_validation_rule))
        .routes(routes!(get_validation_rule))
        .routes(routes!(deactivate_validation_rule))
        .routes(routes!(list_validation_logs))
}

get_route! {
    queries = q,
    row = ValidationRule,
    tag = "validation",
    path = "/v1/validation-rules/{id}",
    id = "The rule version's id",
    read = ContactRead "contact.read",
    get = get_validation_rule "get_validation_rule" "Get one version of a validation rule, active or retired.",
}

/// List the organization's validation rules, every version or only active or retired
/// ones.
#[utoipa::path(
    get,
    path = "/v1/validation-rules",
    tag = "validation",
    operation_id = "list_validation_rules",
    params(RuleParams),
    security(("bearer" = ["contact.read"])),
    responses(
        (status = 200, description = "A page of rule versions", body = Page<ValidationRule>),
        Denied,
        Malformed
    )
)]
async fn list_validation_rules(
    mut auth: Authorized<need::ContactRead>,
    Params(params): Params<RuleParams>,
) -> Result<Json<Page<ValidationRule>>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let tx = auth.begin().await?;
    let rows = q::list()
        .bind(&tx, &page.after, &params.active, &page.fetch())
        .all()
        .await?;
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, ValidationRule::from)))
}

/// Publish a validation rule: its first version, or the next one, which replaces the
/// active version of that name.
#[utoipa::path(
    post,
    path = "/v1/validation-rules",
    tag = "validation",
    operation_id = "create_validation_rule",
    request_body = NewValidationRule,
    security(("bearer" = ["contact.write"])),
    responses(
        (status = 201, description = "Created: the new, active version", body = ValidationRule,
         headers(("location" = String, description = "The new version's URL"))),
        Denied,
        Malformed,
        BodyRefused,
        Limited,
        Taken
    )
)]
async fn create_validation_rule(
    mut auth: Authorized<need::ContactWrite>,
    JsonBody(new): JsonBody<NewValidationRule>,
) -> Result<Response, ApiError> {
    let definition = new.definition.unwrap_or_default();
    new.rule_type.check(&definition)?;
    let definition = Value::Object(definition);
    let tx = auth.begin().await?;
    // Two versions of one name published at once: the later one is refused by the
    // unique (name, version) or active-name index, a 409 to retry.
    q::deactivate()
        .bind(&tx, &new.name)
        .all()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    let row = q::create()
        .bind(&tx, &new.name, &new.rule_type.name(), &definition)
        .one()
        .await
        .map_err(refused(ENTITY, FIELDS))?;
    tx.commit().await?;
    Ok(created(
        format!("/v1/validation-rules/{}", row.id),
        ValidationRule::from(row),
    ))
}

/// Deactivate a rule version, so imports stop applying it; a retired version is
/// answered as it is. To apply the rule again, publish a new version.
#[utoipa::path(
    post,
    path = "/v1/validation-rules/{id}/deactivate",
    tag = "validation",
    operation_id = "deactivate_validation_rule",
    params(("id" = i64, Path, description = "The rule version's id")),
    security(("bearer" = ["contact.write"])),
    responses(
        (status = 200, description = "The inactive rule version", body = ValidationRule),
        Denied,
        Malformed,
        Missing,
        Limited
    )
)]
async fn deactivate_validation_rule(
    mut auth: Authorized<need::ContactWrite>,
    Path(id): Path<i64>,
) -> Result<Json<ValidationRule>, ApiError> {
    let tx = auth.begin().await?;
    let current = q::get()
        .bind(&tx, &id)
        .opt()
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    if !current.is_active {
        tx.commit().await?;
        return Ok(Json(current.into()));
    }
    // The query retires a name's active version, which is this one: at most one version
    // of a name is active (the active-name index).
    let row = q::deactivate()
        .bind(&tx, &current.name)
        .all()
        .await
        .map_err(refused(ENTITY, FIELDS))?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(ApiError::NotFound { entity: ENTITY, id })?;
    tx.commit().await?;
    Ok(Json(row.into()))
}

/// A contact's validation history: the checks it failed, newest first.
#[utoipa::path(
    get,
    path = "/v1/validation-logs",
    tag = "validation",
    operation_id = "list_validation_logs",
    params(LogParams),
    security(("bearer" = ["contact.read"])),
    responses(
        (status = 200, description = "The contact's newest entries", body = ValidationLogs),
        Denied,
        Malformed
    )
)]
async fn list_validation_logs(
    mut auth: Authorized<need::ContactRead>,
    Params(params): Params<LogParams>,
) -> Result<Json<ValidationLogs>, ApiError> {
    let limit = PageRequest::new(None, params.limit)?.limit;
    let tx = auth.begin().await?;
    let rows = q::logs().bind(&tx, &params.contact, &limit).all().await?;
    tx.commit().await?;
    Ok(Json(ValidationLogs {
        items: rows.into_iter().map(ValidationLog::from).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::RuleKind;

    #[test]
    fn every_import_rule_type_is_a_kind_with_its_label() {
        for t in contacts::RuleType::ALL {
            let kind: RuleKind = serde_json::from_value(json!(t.as_str())).unwrap();
            assert_eq!(kind.import_type(), t);
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(t.as_str()));
        }
        assert!(serde_json::from_value::<RuleKind>(json!("mx_lookup")).is_err());
    }

    #[test]
    fn definitions_the_import_cannot_apply_are_refused_naming_the_member() {
        let object = |v: serde_json::Value| v.as_object().cloned().unwrap();
        assert!(
            RuleKind::BlockedDomain
                .check(&object(json!({"domains": ["x.example"]})))
                .is_ok()
        );
        for (kind, bad, field) in [
            (RuleKind::BlockedDomain, json!({}), "definition.domains"),
            (
                RuleKind::DisposableDomain,
                json!({"domains": "x.example"}),
                "definition.domains",
            ),
            (
                RuleKind::RoleAccount,
                json!({"local_parts": [1]}),
                "definition.local_parts",
            ),
        ] {
            match kind.check(&object(bad)) {
                Err(crate::error::ApiError::Validation { field: f, .. }) => {
                    assert_eq!(f.as_deref(), Some(field))
                }
                other => panic!("{kind:?}: {other:?}"),
            }
        }
        assert!(RuleKind::RoleAccount.check(&object(json!({}))).is_ok());
        assert!(RuleKind::Syntax.check(&object(json!({"any": 1}))).is_ok());
    }
}
