//! Errors as RFC 9457 problem details (`application/problem+json`): one stable `type`
//! per kind of failure, a human `detail`, and the member a client acts on (`field`,
//! `from` and `to`, `permission`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of every error response.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every kind of problem the API answers with; its `type` URI is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// 400: the request does not parse (JSON, query, path) or a value is out of range.
    Validation,
    /// 401: no API key, or one that is unknown or revoked.
    Unauthorized,
    /// 403: the key's role lacks the permission the route needs.
    Forbidden,
    /// 404: no such route, or no live row with that id in the key's organization.
    NotFound,
    /// 405: the route exists without that method.
    MethodNotAllowed,
    /// 409: a live row already holds that unique value.
    Conflict,
    /// 409: the status flow does not allow that move.
    StatusMove,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 415: a body not sent as the media type the route takes.
    UnsupportedMediaType,
    /// 422: well-formed, but the database refused a value (format, range, a reference to
    /// a row the organization does not have).
    Unprocessable,
    /// 429: reserved for rate limits (not sent yet).
    RateLimited,
    /// 500: a fault of the server, logged.
    Internal,
    /// 503: the database could not be reached.
    Unavailable,
    /// 503: the request took longer than the server's request timeout.
    Timeout,
}

impl ProblemKind {
    /// Every kind, for documentation and tests.
    pub const ALL: &'static [ProblemKind] = &[
        ProblemKind::Validation,
        ProblemKind::Unauthorized,
        ProblemKind::Forbidden,
        ProblemKind::NotFound,
        ProblemKind::MethodNotAllowed,
        ProblemKind::Conflict,
        ProblemKind::StatusMove,
        ProblemKind::PayloadTooLarge,
        ProblemKind::UnsupportedMediaType,
        ProblemKind::Unprocessable,
        ProblemKind::RateLimited,
        ProblemKind::Internal,
        ProblemKind::Unavailable,
        ProblemKind::Timeout,
    ];

    /// The problem's `type`, a URI reference relative to the API's origin.
    pub fn type_uri(self) -> &'static str {
        match self {
            ProblemKind::Validation => "/problems/validation",
            ProblemKind::Unauthorized => "/problems/unauthorized",
            ProblemKind::Forbidden => "/problems/forbidden",
            ProblemKind::NotFound => "/problems/not-found",
            ProblemKind::MethodNotAllowed => "/problems/method-not-allowed",
            ProblemKind::Conflict => "/problems/conflict",
            ProblemKind::StatusMove => "/problems/status-move",
            ProblemKind::PayloadTooLarge => "/problems/payload-too-large",
            ProblemKind::UnsupportedMediaType => "/problems/unsupported-media-type",
            ProblemKind::Unprocessable => "/problems/unprocessable",
            ProblemKind::RateLimited => "/problems/rate-limited",
            ProblemKind::Internal => "/problems/internal",
            ProblemKind::Unavailable => "/problems/unavailable",
            ProblemKind::Timeout => "/problems/timeout",
        }
    }

    /// The problem's `title`: the same for every occurrence of the kind.
    pub fn title(self) -> &'static str {
        match self {
            ProblemKind::Validation => "The request is malformed",
            ProblemKind::Unauthorized => "A valid API key is required",
            ProblemKind::Forbidden => "The API key's role lacks a permission",
            ProblemKind::NotFound => "Not found",
            ProblemKind::MethodNotAllowed => "Method not allowed",
            ProblemKind::Conflict => "A value is already taken",
            ProblemKind::StatusMove => "The status cannot move that way",
            ProblemKind::PayloadTooLarge => "The request body is too large",
            ProblemKind::UnsupportedMediaType => "The body is not of a media type the route takes",
            ProblemKind::Unprocessable => "A value was refused",
            ProblemKind::RateLimited => "Too many requests",
            ProblemKind::Internal => "Internal error",
            ProblemKind::Unavailable => "The service is unavailable",
            ProblemKind::Timeout => "The request took too long",
        }
    }

    /// The HTTP status it is sent with.
    pub fn status(self) -> StatusCode {
        match self {
            ProblemKind::Validation => StatusCode::BAD_REQUEST,
            ProblemKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ProblemKind::Forbidden => StatusCode::FORBIDDEN,
            ProblemKind::NotFound => StatusCode::NOT_FOUND,
            ProblemKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::Conflict | ProblemKind::StatusMove => StatusCode::CONFLICT,
            ProblemKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ProblemKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ProblemKind::Unavailable | ProblemKind::Timeout => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The kind of an error response some layer made without a problem body (axum's 404
    /// and 405, tower-http's body limit and timeout).
    pub(crate) fn of_status(status: StatusCode) -> ProblemKind {
        match status {
            StatusCode::BAD_REQUEST => ProblemKind::Validation,
            StatusCode::UNAUTHORIZED => ProblemKind::Unauthorized,
            StatusCode::FORBIDDEN => ProblemKind::Forbidden,
            StatusCode::NOT_FOUND => ProblemKind::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ProblemKind::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ProblemKind::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ProblemKind::UnsupportedMediaType,
            StatusCode::TOO_MANY_REQUESTS => ProblemKind::RateLimited,
            // The timeout layer's answer (see `routes::layers`).
            StatusCode::SERVICE_UNAVAILABLE => ProblemKind::Timeout,
            _ => ProblemKind::Internal,
        }
    }
}

/// A problem details object (RFC 9457), with this API's extension members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind, e.g. `/problems/not-found`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened this time, for a person.
    pub detail: String,
    /// The request field at fault (validation, conflict, unprocessable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The state a refused status move started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The state a refused status move asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The permission the route needs (forbidden).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
}

impl Problem {
    /// A problem of `kind` with `detail` and no extension member.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Problem {
        Problem {
            type_: kind.type_uri().to_owned(),
            title: kind.title().to_owned(),
            status: kind.status().as_u16(),
            detail: detail.into(),
            field: None,
            from: None,
            to: None,
            permission: None,
        }
    }

    pub(crate) fn with_field(mut self, field: Option<String>) -> Problem {
        self.field = field;
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_type_and_an_error_status() {
        let mut types: Vec<_> = ProblemKind::ALL.iter().map(|k| k.type_uri()).collect();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), ProblemKind::ALL.len());
        for kind in ProblemKind::ALL {
            assert!(kind.status().as_u16() >= 400, "{kind:?}");
            assert!(kind.type_uri().starts_with("/problems/"));
        }
    }
}
