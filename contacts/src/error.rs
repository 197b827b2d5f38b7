//! Why an import failed as a whole (nothing of it is committed).

use schema::OrganizationId;

/// An import that failed as a whole: nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input holds no header line.
    #[error(
        "the file is empty: a contact import needs a header line naming its columns \
         (at least `email`), then one contact per line"
    )]
    EmptyFile,
    /// The header names no `email` column.
    #[error(
        "the header has no `email` column (found: {}); rename the column holding the \
         addresses to `email`",
        found_list(found)
    )]
    MissingEmailColumn {
        /// The columns the header does name, trimmed, in file order.
        found: Vec<String>,
    },
    /// The header line cannot be read as columns.
    #[error("the header line (line 1) {reason}; fix the header and import again")]
    BadHeader {
        /// What is wrong with it.
        reason: String,
    },
    /// The list does not exist in the organization (or is deleted, or belongs to
    /// another organization, which is not revealed).
    #[error(
        "contact list {list} not found in organization {organization}; \
         check the list id (`--list`) and the organization (`--organization`)"
    )]
    ListNotFound {
        /// The list asked for.
        list: i64,
        /// The organization it was looked for in.
        organization: OrganizationId,
    },
    /// An active validation rule of a known type has a definition this version cannot
    /// apply.
    #[error(
        "validation rule {name:?} (version {version}, type {rule_type}) has a bad \
         definition: {reason}; fix it in a new version or deactivate it"
    )]
    BadRule {
        /// The rule's name.
        name: String,
        /// Its active version.
        version: i32,
        /// Its type.
        rule_type: String,
        /// What is wrong.
        reason: String,
    },
    /// Reading the input failed.
    #[error("reading the contacts file failed after {bytes} bytes: {source}")]
    Read {
        /// Bytes read before the failure.
        bytes: u64,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A database step failed; the transaction was rolled back.
    #[error(
        "{step} failed: {}; nothing was imported",
        schema::describe_pg_error(source)
    )]
    Database {
        /// What the import was doing.
        step: &'static str,
        /// The error.
        #[source]
        source: tokio_postgres::Error,
    },
}

impl ImportError {
    /// Whether running the same import again may succeed without changing anything:
    /// a lost connection, a server shutting down, a deadlock or a serialization failure.
    pub fn is_transient(&self) -> bool {
        let ImportError::Database { source, .. } = self else {
            return false;
        };
        if source.is_closed() {
            return true;
        }
        source.code().is_some_and(|code| {
            let code = code.code();
            code.starts_with("08") || code.starts_with("40") || code.starts_with("57P0")
        })
    }
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        "no named columns".to_owned()
    } else {
        found
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Wraps a database error with the step it failed in.
pub(crate) fn db(step: &'static str) -> impl FnOnce(tokio_postgres::Error) -> ImportError {
    move |source| ImportError::Database { step, source }
}
