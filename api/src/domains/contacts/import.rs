//! `POST /v1/contact-lists/{id}/import`: a CSV file of contacts into a list, through the
//! `contacts` crate's import (`tally contacts import` over HTTP), answered with its
//! report (`contact.import`).

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use contacts::{ImportError, ImportOptions};
use schema::Actor;
use serde::{Deserialize, Serialize};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoResponses, ToSchema};

use crate::auth::{Authorized, need};
use crate::docs::{Denied, Limited, Malformed, Missing};
use crate::error::ApiError;
use crate::extract::{Params, Path};
use crate::problem::{PROBLEM_JSON, Problem, ProblemKind};
use crate::state::AppState;

/// The media type of the file.
const CSV: &str = "text/csv";

/// How the import treats addresses already in the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportParams {
    /// Update the contacts already in the list from the file (blank fields keep the
    /// stored value, attributes are merged) and validate them again; false by default,
    /// which leaves them as they are.
    update_existing: Option<bool>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    /// Records read after the header (blank lines not counted): inserted, updated,
    /// unchanged and refused add up to it.
    pub records: u64,
    /// New contacts.
    pub inserted: u64,
    /// Contacts already in the list that the file changed (with `update_existing`).
    pub updated: u64,
    /// Contacts already in the list and left as they were.
    pub unchanged: u64,
    /// Lines not imported, in file order.
    pub refused: Vec<RefusedLine>,
    /// How many inserted or updated contacts got each validation status; statuses
    /// nobody got are left out.
    pub by_status: BTreeMap<String, u64>,
    /// The active validation rule versions applied.
    pub rules: Vec<AppliedRule>,
    /// Active rules of a type the import does not know, by name: not applied.
    pub skipped_rules: Vec<String>,
}

/// A line of the file that was not imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RefusedLine {
    /// Its number in the file, 1-based, the header being line 1; a record spanning
    /// lines (a quoted field with line breaks) is known by its first.
    pub line: u64,
    /// Why, one of a closed set.
    #[schema(schema_with = refused_reason)]
    pub reason: String,
    /// What exactly, for a person fixing the file.
    pub detail: String,
}

/// A validation rule version an import applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AppliedRule {
    /// The rule's name.
    pub name: String,
    /// Its active version.
    pub version: i32,
}

impl From<contacts::ImportReport> for ImportReport {
    fn from(report: contacts::ImportReport) -> Self {
        use schema::PgEnum as _;
        ImportReport {
            records: report.records,
            inserted: report.inserted,
            updated: report.updated,
            unchanged: report.unchanged,
            refused: report
                .refused
                .into_iter()
                .map(|r| RefusedLine {
                    line: r.line,
                    reason: r.reason.as_str().to_owned(),
                    detail: r.detail,
                })
                .collect(),
            by_status: report
                .by_status
                .into_iter()
                .map(|(status, n)| (status.as_str().to_owned(), n))
                .collect(),
            rules: report
                .rules
                .into_iter()
                .map(|r| AppliedRule {
                    name: r.name,
                    version: r.version,
                })
                .collect(),
            skipped_rules: report.skipped_rules,
        }
    }
}

/// The schema of a refused line's reason: the import's closed set.
fn refused_reason() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(
            contacts::RefusedReason::ALL.iter().map(|r| r.as_str()),
        ))
        .build()
}

/// A CSV body's refusals: 413, 415, and 422 for a rule the import cannot apply.
pub(crate) struct CsvRefused;

impl IntoResponses for CsvRefused {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let problem = |kind: ProblemKind, description: &str| {
            let response = ResponseBuilder::new()
                .description(format!("{description} (`{}`)", kind.type_uri()))
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            (kind.status().as_u16().to_string(), RefOr::T(response))
        };
        BTreeMap::from([
            problem(
                ProblemKind::PayloadTooLarge,
                "The file is larger than the server accepts (`--max-body`, 1 MiB by default)",
            ),
            problem(
                ProblemKind::UnsupportedMediaType,
                "The body is not sent as text/csv",
            ),
            problem(
                ProblemKind::Unprocessable,
                "An active validation rule has a definition the import cannot apply; \
                 nothing was imported",
            ),
        ])
    }
}

/// Why an import was answered with an error.
pub(super) enum Refusal {
    /// An error of the API's own vocabulary.
    Api(ApiError),
    /// A problem whose detail comes from the import.
    Problem(Problem),
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Refusal {
        Refusal::Api(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Api(error) => error.into_response(),
            Refusal::Problem(problem) => problem.into_response(),
        }
    }
}

/// Import a CSV file of contacts into a contact list.
///
/// The file is UTF-8 CSV with a header line naming an `email` column; `first_name`,
/// `last_name`, `phone` and `name` fill those fields, any other column goes into
/// `attributes`. Lines that cannot become contacts (bad encoding, a wrong number of
/// fields, a missing, invalid or repeated address) are refused one by one and reported
/// with their line number; the others are validated against the organization's active
/// rules and inserted in one transaction: all of them, or on an error none.
#[utoipa::path(
    post,
    path = "/v1/contact-lists/{id}/import",
    tag = "contacts",
    operation_id = "import_contacts",
    params(("id" = i64, Path, description = "The contact list's id"), ImportParams),
    request_body(
        content = String,
        content_type = "text/csv",
        description = "The contacts: a header line naming an `email` column, then one contact per line",
        example = json!("email,first_name,last_name,plan\nada@example.com,Ada,Lovelace,pro\n")
    ),
    security(("bearer" = ["contact.import"])),
    responses(
        (status = 200, description = "What the import did, refused lines included", body = ImportReport),
        Denied,
        Malformed,
        Missing,
        CsvRefused,
        Limited
    )
)]
pub(super) async fn import_contacts(
    State(state): State<AppState>,
    auth: Authorized<need::ContactImport>,
    Path(list): Path<i64>,
    Params(params): Params<ImportParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, Refusal> {
    if !is_csv(&headers) {
        return Err(Refusal::Problem(Problem::new(
            ProblemKind::UnsupportedMediaType,
            "the contacts file must be sent with Content-Type: text/csv",
        )));
    }
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::Validation {
            field: None,
            detail: format!("the body could not be read: {}", rejection.body_text()),
        },
    })?;
    let organization = auth.caller().organization;
    let options = ImportOptions {
        update_existing: params.update_existing.unwrap_or(false),
        actor: Actor::ApiKey(auth.caller().key_id),
        erasure_key: state.erasure_key().cloned(),
    };
    // The import opens its own tenant transaction, on the key's connection; it answers
    // another organization's list as not found.
    let mut client = auth.into_client();
    let report = contacts::import(&mut client, organization, list, &body[..], options, |_| {})
        .await
        .map_err(refusal)?;
    Ok(Json(report.into()))
}

/// Whether the body is declared as CSV (parameters such as `charset` allowed).
fn is_csv(headers: &HeaderMap) -> bool {
    crate::extract::media_type(headers).is_some_and(|essence| essence == CSV)
}

/// The answer to a failed import: the file's faults are the client's to fix (400, with
/// the import's own explanation), a rule the import cannot apply is the organization's
/// (422), the rest the server's.
fn refusal(error: ImportError) -> Refusal {
    let detail = error.to_string();
    let api = match error {
        ImportError::MissingEmailColumn { .. } => ApiError::field("email", detail),
        ImportError::EmptyFile | ImportError::BadHeader { .. } => ApiError::Validation {
            field: None,
            detail,
        },
        ImportError::ListNotFound { list, .. } => ApiError::NotFound {
            entity: "contact list",
            id: list,
        },
        ImportError::BadRule { .. } => {
            return Refusal::Problem(Problem::new(ProblemKind::Unprocessable, detail));
        }
        ref transient if transient.is_transient() => ApiError::Unavailable(detail),
        ImportError::Database { source, step } => match ApiError::from(source) {
            ApiError::Internal(cause) => ApiError::Internal(format!("{step}: {cause}")),
            other => other,
        },
        ImportError::Read { .. } => ApiError::Internal(detail),
    };
    Refusal::Api(api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_recognised_with_parameters_and_in_any_case() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(axum::http::header::CONTENT_TYPE, value.parse().unwrap());
            is_csv(&headers)
        };
        assert!(with("text/csv"));
        assert!(with("Text/CSV; charset=utf-8"));
        assert!(!with("application/json"));
        assert!(!with("text/csvx"));
        assert!(!is_csv(&HeaderMap::new()));
    }

    #[test]
    fn a_file_without_an_email_column_names_it_and_the_columns_found() {
        let error = ImportError::MissingEmailColumn {
            found: vec!["mail".to_owned(), "name".to_owned()],
        };
        match refusal(error) {
            Refusal::Api(ApiError::Validation { field, detail }) => {
                assert_eq!(field.as_deref(), Some("email"));
                assert!(detail.contains("\"mail\", \"name\""), "{detail}");
            }
            _ => panic!("not a validation error"),
        }
    }
}
