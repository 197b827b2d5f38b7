//! Why a request failed, as handlers and extractors say it, and the problem each answer
//! is. A response never carries SQL text or a backtrace: the cause of an internal error
//! is logged with tracing and the client gets its kind only.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use schema::DomainError;

use crate::auth::Permission;
use crate::problem::{Problem, ProblemKind};

/// Why a request failed, as the handlers and extractors report it; answered as a
/// [`Problem`].
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed input; `field` names the offending field when known.
    #[error("{detail}")]
    Validation {
        /// The field at fault.
        field: Option<String>,
        /// What is wrong with it.
        detail: String,
    },
    /// No usable `Authorization: Bearer` key.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The key's role lacks `0`.
    #[error("this API key's role lacks the permission {}", .0.key())]
    Forbidden(Permission),
    /// No live row with that id in the organization.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What was looked for, e.g. `contact list`.
        entity: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// No live landing page at that address: no active campaign with the slug, a form
    /// and a list in the organization.
    #[error("organization {organization} has no landing page {slug:?}")]
    NoLandingPage {
        /// The organization of the address.
        organization: i64,
        /// The campaign's slug asked for.
        slug: String,
    },
    /// A refused status move.
    #[error("{entity} cannot move from {from} to {to}")]
    StatusMove {
        /// `campaign` or `lead`.
        entity: &'static str,
        /// The current state.
        from: String,
        /// The state asked for.
        to: String,
    },
    /// A unique value already taken.
    #[error("conflict on {constraint}")]
    Conflict {
        /// The field holding it, when known.
        field: Option<String>,
        /// The refusing index or constraint (logged, not sent).
        constraint: String,
    },
    /// A value the database refused.
    #[error("value refused by {constraint}")]
    Unprocessable {
        /// The field holding it, when known.
        field: Option<String>,
        /// The refusing constraint (logged, not sent).
        constraint: String,
    },
    /// A rate limit is spent; a request may succeed after `retry_after`.
    #[error("the rate limit of {limit} is spent; retry in {} s", retry_after_seconds(*.retry_after))]
    RateLimited {
        /// Whose limit, e.g. `this API key's writes`.
        limit: &'static str,
        /// How long until a token is back.
        retry_after: std::time::Duration,
    },
    /// A request held more records than one may.
    #[error("the request holds {records} records; send at most {most} per request")]
    TooManyRecords {
        /// Records sent.
        records: usize,
        /// Most allowed.
        most: usize,
    },
    /// The body was larger than allowed.
    #[error("the request body is larger than the server accepts")]
    PayloadTooLarge,
    /// The body was not declared as JSON.
    #[error("the body must be sent with Content-Type: application/json")]
    UnsupportedMediaType,
    /// The database could not be reached or gave up (logged).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A statement prepared on the connection no longer fits the schema (a migration
    /// changed its result's columns): the replica's prepared statements are dropped
    /// and the request may be retried at once.
    #[error("the database's schema changed under a prepared statement: {0}")]
    StaleStatement(String),
    /// The database cancelled the statement at the request timeout.
    #[error("the request took longer than the server's request timeout")]
    Timeout,
    /// Anything else (logged).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A validation error naming `field`.
    pub fn field(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        ApiError::Validation {
            field: Some(field.into()),
            detail: detail.into(),
        }
    }

    /// A refusal of the database for `entity`, with `fields` the request's field names
    /// (the refused constraint is matched against them to name the field at fault).
    pub fn domain(entity: &'static str, fields: &[&str], error: DomainError) -> ApiError {
        match error {
            DomainError::NotFound { entity, id } => ApiError::NotFound { entity, id },
            DomainError::StatusMove { from, to, .. } => ApiError::StatusMove { entity, from, to },
            DomainError::Conflict { constraint } => ApiError::Conflict {
                field: field_of(&constraint, fields),
                constraint,
            },
            DomainError::Invalid { constraint } => ApiError::Unprocessable {
                field: field_of(&constraint, fields),
                constraint,
            },
            DomainError::Pool(e) => ApiError::Unavailable(e.to_string()),
            DomainError::Database(e) => ApiError::from(e),
        }
    }

    /// The problem sent for this error.
    pub fn problem(&self) -> Problem {
        match self {
            ApiError::Validation { field, detail } => {
                Problem::new(ProblemKind::Validation, detail.clone()).with_field(field.clone())
            }
            ApiError::Unauthorized(why) => Problem::new(ProblemKind::Unauthorized, *why),
            ApiError::Forbidden(permission) => Problem {
                permission: Some(permission.key().to_owned()),
                ..Problem::new(ProblemKind::Forbidden, self.to_string())
            },
            ApiError::NotFound { .. } | ApiError::NoLandingPage { .. } => {
                Problem::new(ProblemKind::NotFound, self.to_string())
            }
            ApiError::StatusMove { from, to, .. } => Problem {
                from: Some(from.clone()),
                to: Some(to.clone()),
                ..Problem::new(ProblemKind::StatusMove, self.to_string())
            },
            ApiError::Conflict { field, constraint } => Problem::new(
                ProblemKind::Conflict,
                match field {
                    Some(f) => format!("another live row already holds this {f}"),
                    // A delete refused by a reference to the row (a role still held).
                    None if constraint.ends_with("_fkey") => {
                        "other rows still refer to it (a member or an API key holding a role, say); change them first".to_owned()
                    }
                    None => "another live row already holds one of these values".to_owned(),
                },
            )
            .with_field(field.clone()),
            ApiError::Unprocessable { field, constraint } => Problem::new(
                ProblemKind::Unprocessable,
                match (field, constraint.ends_with("_fkey")) {
                    (Some(f), true) => format!("{f} names no row of this organization"),
                    (Some(f), false) => format!("{f} has a value the schema refuses"),
                    (None, _) => "a value was refused by the schema".to_owned(),
                },
            )
            .with_field(field.clone()),
            ApiError::PayloadTooLarge => {
                Problem::new(ProblemKind::PayloadTooLarge, self.to_string())
            }
            ApiError::UnsupportedMediaType => {
                Problem::new(ProblemKind::UnsupportedMediaType, self.to_string())
            }
            ApiError::Unavailable(_) => Problem::new(
                ProblemKind::Unavailable,
                "the database is unavailable; retry later",
            ),
            ApiError::StaleStatement(_) => Problem::new(
                ProblemKind::Unavailable,
                "the database's schema changed during the request; retry it",
            ),
            ApiError::Timeout => Problem::new(ProblemKind::Timeout, self.to_string()),
            ApiError::TooManyRecords { .. } => {
                Problem::new(ProblemKind::PayloadTooLarge, self.to_string())
            }
            ApiError::RateLimited { .. } => {
                Problem::new(ProblemKind::RateLimited, self.to_string())
            }
            ApiError::Internal(_) => Problem::new(
                ProblemKind::Internal,
                "the server failed; the error is logged",
            ),
        }
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(error: tokio_postgres::Error) -> ApiError {
        let cause = schema::describe_pg_error(&error);
        match error.as_db_error().map(|db| db.code()) {
            // statement_timeout, which the pool sets to the request timeout.
            Some(code) if code == &tokio_postgres::error::SqlState::QUERY_CANCELED => {
                ApiError::Timeout
            }
            Some(code)
                if code == &tokio_postgres::error::SqlState::FEATURE_NOT_SUPPORTED
                    && error.as_db_error().is_some_and(|db| {
                        db.message().starts_with("cached plan must not change")
                    }) =>
            {
                ApiError::StaleStatement(cause)
            }
            // Connection exceptions (08) and operator intervention (57: shutting down,
            // starting up).
            Some(code) if code.code().starts_with("08") || code.code().starts_with("57") => {
                ApiError::Unavailable(cause)
            }
            Some(_) => ApiError::Internal(cause),
            None => {
                let io =
                    std::error::Error::source(&error).is_some_and(|s| s.is::<std::io::Error>());
                if error.is_closed() || io {
                    ApiError::Unavailable(cause)
                } else {
                    ApiError::Internal(cause)
                }
            }
        }
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(error: deadpool_postgres::PoolError) -> ApiError {
        ApiError::Unavailable(error.to_string())
    }
}

/// Marks a response whose request met a prepared statement the schema outgrew; the
/// metrics middleware, which has the pool, drops every prepared statement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StaleStatements;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(cause) => tracing::error!(%cause, "request failed"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            ApiError::StaleStatement(cause) => {
                tracing::warn!(%cause, "the schema changed: dropping the prepared statements")
            }
            ApiError::Conflict { constraint, .. } | ApiError::Unprocessable { constraint, .. } => {
                tracing::debug!(%constraint, "value refused")
            }
            _ => {}
        }
        let mut response = self.problem().into_response();
        match self {
            ApiError::Unauthorized(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after, .. } => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_seconds(retry_after)),
                );
            }
            ApiError::StaleStatement(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(0));
                response.extensions_mut().insert(StaleStatements);
            }
            _ => {}
        }
        response
    }
}

/// `Retry-After` in whole seconds, rounded up and at least 1 (0 would invite an
/// immediate retry that is refused again).
pub(crate) fn retry_after_seconds(wait: std::time::Duration) -> u64 {
    u64::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The request field a refused constraint is about: the longest of `fields` its name
/// contains (`campaigns_landing_page_slug_key` is about `landing_page_slug`,
/// `email_address_format` about `email`).
fn field_of(constraint: &str, fields: &[&str]) -> Option<String> {
    fields
        .iter()
        .filter(|f| constraint.contains(**f))
        .max_by_key(|f| f.len())
        .map(|f| (*f).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constraint_names_the_longest_field_it_contains() {
        let fields = ["name", "landing_page_slug", "contact_list_id", "email"];
        assert_eq!(
            field_of("campaigns_landing_page_slug_key", &fields).as_deref(),
            Some("landing_page_slug")
        );
        assert_eq!(
            field_of("contacts_organization_id_contact_list_id_fkey", &fields).as_deref(),
            Some("contact_list_id")
        );
        assert_eq!(
            field_of("email_address_format", &fields).as_deref(),
            Some("email")
        );
        assert_eq!(field_of("campaigns_scheduled_has_time", &fields), None);
    }

    #[test]
    fn internal_causes_stay_out_of_the_response() {
        let problem = ApiError::Internal("relation \"x\" does not exist".into()).problem();
        assert!(!problem.detail.contains("relation"), "{problem:?}");
        let problem = ApiError::Conflict {
            field: Some("email".into()),
            constraint: "contacts_list_email_key".into(),
        }
        .problem();
        assert!(!problem.detail.contains("contacts_list_email_key"));
        assert_eq!(problem.field.as_deref(), Some("email"));
    }
}
