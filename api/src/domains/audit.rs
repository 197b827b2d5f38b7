//! `/v1/audit-logs`: the organization's audit trail, read only (`audit.read`). The
//! database writes it, one entry per changed row whoever changes it, with the actor
//! of the transaction (`api_key:<id>` for a key's requests).

use axum::Json;
use chrono::{DateTime, Utc};
use schema::domains::audit as q;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, need};
use crate::docs::{Denied, Malformed};
use crate::error::ApiError;
use crate::extract::Params;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

/// The longest entity type: a Postgres identifier.
const MAX_ENTITY_TYPE: usize = 63;

/// One change of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Its id; entries are ordered by it.
    pub id: i64,
    /// Who made the change: `api_key:<id>`, `user:<id>`, `operator`, `import`, `system`, ...
    pub actor: String,
    /// The user who made it, when the actor is a user.
    pub actor_user_id: Option<i64>,
    /// `insert`, `update`, `soft_delete`, `restore` or `delete`.
    pub action: String,
    /// The changed row's table, e.g. `contacts`.
    pub entity_type: String,
    /// The changed row's id; null for rows without one (a role's grant).
    pub entity_id: Option<i64>,
    /// `{"new": row}`, `{"old": row}`, or for an update `{"old": {...}, "new": {...}}`
    /// with the changed columns only.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    /// The client's address, when one was recorded.
    #[schema(value_type = Option<String>)]
    pub ip_address: Option<std::net::IpAddr>,
    /// The client's user agent, when one was recorded.
    pub user_agent: Option<String>,
    /// When the change was made.
    pub occurred_at: DateTime<Utc>,
}

impl From<q::AuditEntry> for AuditEntry {
    fn from(row: q::AuditEntry) -> Self {
        AuditEntry {
            id: row.id,
            actor: row.actor,
            actor_user_id: row.actor_user_id,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            changes: row.changes,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            occurred_at: row.occurred_at,
        }
    }
}

/// The filter and paging of the audit trail.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditParams {
    /// Entries with an id above this (the previous page's `next_after`); 0 by default.
    after: Option<i64>,
    /// Entries per page, 1 to 1000; 100 by default.
    limit: Option<i64>,
    /// With `entity_id`, one row's history: its table, e.g. `contacts`, `campaigns`,
    /// `roles`, `users`, `memberships`, `gdpr_requests`.
    entity_type: Option<String>,
    /// With `entity_type`, one row's history: its id.
    entity_id: Option<i64>,
}

/// One row's history, when both halves of the filter are given.
fn entity(params: &AuditParams) -> Result<Option<(&str, i64)>, ApiError> {
    if let Some(entity_type) = &params.entity_type {
        let plain = entity_type.len() <= MAX_ENTITY_TYPE
            && entity_type.starts_with(|c: char| c.is_ascii_lowercase())
            && entity_type
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            return Err(ApiError::field(
                "entity_type",
                "entity_type is a table's name: lowercase letters, digits and underscores",
            ));
        }
    }
    // The query matches a type and an id together; a type alone would match only its
    // entries without an id, which no client means.
    match (params.entity_type.as_deref(), params.entity_id) {
        (Some(entity_type), Some(id)) => Ok(Some((entity_type, id))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ApiError::field(
            "entity_id",
            "entity_type filters together with entity_id",
        )),
        (None, Some(_)) => Err(ApiError::field(
            "entity_type",
            "entity_id filters together with entity_type",
        )),
    }
}

/// This domain's routes.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_logs))
}

/// Read the audit trail, oldest first, or one row's history.
#[utoipa::path(
    get,
    path = "/v1/audit-logs",
    tag = "audit",
    operation_id = "list_audit_logs",
    params(AuditParams),
    security(("bearer" = ["audit.read"])),
    responses(
        (status = 200, description = "A page of audit entries", body = Page<AuditEntry>),
        Denied,
        Malformed
    )
)]
async fn list_audit_logs(
    mut auth: Authorized<need::AuditRead>,
    Params(params): Params<AuditParams>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let page = PageRequest::new(params.after, params.limit)?;
    let entity = entity(&params)?;
    let tx = auth.begin().await?;
    let rows = match entity {
        Some((entity_type, id)) => {
            q::for_entity()
                .bind(&tx, &entity_type, &Some(id), &page.after, &page.fetch())
                .all()
                .await?
        }
        None => {
            q::list()
                .bind(&tx, &page.after, &page.fetch())
                .all()
                .await?
        }
    };
    tx.commit().await?;
    Ok(Json(page.page(rows, |r| r.id, AuditEntry::from)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(entity_type: Option<&str>, entity_id: Option<i64>) -> AuditParams {
        AuditParams {
            after: None,
            limit: None,
            entity_type: entity_type.map(str::to_owned),
            entity_id,
        }
    }

    fn field(result: Result<Option<(&str, i64)>, ApiError>) -> Option<String> {
        match result {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_filter_takes_a_table_name_and_an_id_together() {
        assert_eq!(
            entity(&params(Some("contact_lists"), Some(3))).unwrap(),
            Some(("contact_lists", 3))
        );
        assert_eq!(entity(&params(None, None)).unwrap(), None);
        assert_eq!(
            field(entity(&params(Some("contacts"), None))).as_deref(),
            Some("entity_id")
        );
        assert_eq!(
            field(entity(&params(None, Some(3)))).as_deref(),
            Some("entity_type")
        );
        for bad in ["", "Contacts", "été", "1x", "a-b", &"x".repeat(64)] {
            assert_eq!(
                field(entity(&params(Some(bad), Some(1)))).as_deref(),
                Some("entity_type"),
                "{bad:?}"
            );
        }
    }
}
