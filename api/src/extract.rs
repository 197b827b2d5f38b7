//! axum's `Json`, `Query` and `Path` with their rejections answered as problems: a 400
//! `/problems/validation` naming the field serde stopped at (a wrong type, an unknown
//! variant, a missing or unknown field), 413 for a body over the limit, 415 for a body
//! that is not JSON.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// The query string's parameters.
#[derive(Debug)]
pub struct Params<T>(pub T);

/// The path's parameters.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => {
                let template = parts
                    .extensions
                    .get::<MatchedPath>()
                    .map(|m| m.as_str().to_owned());
                Err(path_rejection(&rejection, template.as_deref()))
            }
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_) => {
            match find::<serde_path_to_error::Error<serde_json::Error>>(rejection) {
                Some(e) => {
                    let message = strip_position(&e.inner().to_string());
                    // serde_json reports some type errors as syntax (a number where an
                    // enum's string belongs): the path still names the field.
                    let path = e.path().to_string();
                    let syntax = matches!(rejection, JsonRejection::JsonSyntaxError(_));
                    ApiError::Validation {
                        field: field(&path, &message),
                        detail: match (syntax, path.as_str()) {
                            (false, _) => message,
                            (true, ".") => format!("the body is not valid JSON: {message}"),
                            (true, _) => format!("{path}: not a valid value ({message})"),
                        },
                    }
                }
                None => ApiError::Validation {
                    field: None,
                    detail: "the body is not valid JSON".to_owned(),
                },
            }
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        other => ApiError::Validation {
            field: None,
            detail: format!("the body could not be read: {}", other.body_text()),
        },
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    match find::<serde_path_to_error::Error<serde::de::value::Error>>(rejection) {
        Some(e) => {
            let message = e.inner().to_string();
            ApiError::Validation {
                field: field(&e.path().to_string(), &message),
                detail: format!("query string: {message}"),
            }
        }
        None => ApiError::Validation {
            field: None,
            detail: rejection.body_text(),
        },
    }
}

fn path_rejection(rejection: &PathRejection, template: Option<&str>) -> ApiError {
    use axum::extract::path::ErrorKind;
    let PathRejection::FailedToDeserializePathParams(e) = rejection else {
        return ApiError::Internal(rejection.body_text());
    };
    let (field, detail) = match e.kind() {
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => (
            Some(key.clone()),
            format!("{value:?} is not {expected_type}"),
        ),
        ErrorKind::ParseError {
            value,
            expected_type,
        } => (
            template.and_then(single_parameter),
            format!("{value:?} is not {expected_type}"),
        ),
        ErrorKind::InvalidUtf8InPathParam { key } => {
            (Some(key.clone()), "not valid UTF-8".to_owned())
        }
        _ => (None, e.body_text()),
    };
    ApiError::Validation {
        field,
        detail: format!("path: {detail}"),
    }
}

/// The name of a route template's only parameter (`/v1/contacts/{id}` gives `id`).
fn single_parameter(template: &str) -> Option<String> {
    let mut names = template
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'));
    match (names.next(), names.next()) {
        (Some(name), None) => Some(name.to_owned()),
        _ => None,
    }
}

/// The field an error is about: serde_path_to_error's path, or for a missing field
/// (reported at its parent) the name serde quotes, joined to that path.
fn field(path: &str, message: &str) -> Option<String> {
    let parent = if path == "." { None } else { Some(path) };
    let quoted = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (parent, quoted) {
        (Some(p), Some(q)) => Some(format!("{p}.{q}")),
        (None, Some(q)) => Some(q.to_owned()),
        (Some(p), None) => Some(p.to_owned()),
        (None, None) => None,
    }
}

/// serde_json's message without its ` at line 1 column 7` suffix.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The first error of type `E` in the source chain of `error`.
fn find<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// The body's media type, lower case, without parameters (`text/csv; charset=utf-8` is
/// `text/csv`); `None` without a readable `Content-Type`.
pub(crate) fn media_type(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    Some(value.split(';').next()?.trim().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_come_from_the_path_or_the_quoted_name() {
        assert_eq!(field(".", "missing field `name`").as_deref(), Some("name"));
        assert_eq!(
            field("nmae", "unknown field `nmae`, expected one of `name`").as_deref(),
            Some("nmae")
        );
        assert_eq!(
            field("score", "invalid type: string \"x\", expected i32").as_deref(),
            Some("score")
        );
        assert_eq!(
            field(".", "invalid type: integer `1`, expected a map"),
            None
        );
        assert_eq!(
            field("attributes", "missing field `x`").as_deref(),
            Some("attributes.x")
        );
    }

    #[test]
    fn a_template_with_one_parameter_names_it() {
        assert_eq!(single_parameter("/v1/contacts/{id}").as_deref(), Some("id"));
        assert_eq!(single_parameter("/v1/contacts"), None);
        assert_eq!(single_parameter("/v1/a/{x}/b/{y}"), None);
    }

    #[test]
    fn positions_are_stripped() {
        assert_eq!(
            strip_position("invalid type: integer `5`, expected a string at line 1 column 10"),
            "invalid type: integer `5`, expected a string"
        );
    }
}
