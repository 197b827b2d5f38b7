//! What can stop a GDPR request.

use schema::describe_pg_error;

/// Why a request could not be carried out. Every unit of work commits on its own, so a
/// request that stopped is resumed where it stopped by the next run. Messages name the
/// organization and the request, never the subject's address, because they are stored
/// in `gdpr_requests.error`.
#[derive(Debug, thiserror::Error)]
pub enum GdprError {
    /// Postgres refused a statement or the connection failed; what was committed stays.
    #[error(
        "{what} failed in Postgres: {}; what was done before stays done and a rerun resumes",
        describe_pg_error(source)
    )]
    Database {
        /// What was being done.
        what: String,
        /// What Postgres said.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The events partitions could not be listed.
    #[error("{0}; nothing of the request was changed by this step, rerun when fixed")]
    Partitions(#[from] schema::PartitionListError),
    /// The archive could not be read or an archived object could not be rewritten.
    #[error("the archive: {0}")]
    Archive(#[from] archiver::ArchiveError),
    /// The object store failed to write, read, list or delete an object.
    #[error(
        "object store error on {key}: {source}; rerun when the store (TALLY_ARCHIVE_URL) is reachable"
    )]
    Store {
        /// The object's key, relative to the archive URL.
        key: String,
        /// The store's error.
        #[source]
        source: object_store::Error,
    },
    /// An object of the erasure log could not be written or read back as an entry.
    #[error(
        "erasure log object {key} is not a valid entry ({reason}); it was written by tally \
         (gdpr/erasures/ beside the archive): restore it from the store's versions or remove \
         it, knowing its erasure will not be reapplied"
    )]
    BadLogEntry {
        /// The object's key, relative to the archive URL.
        key: String,
        /// What was wrong.
        reason: String,
    },
    /// An erasure was asked for without the key erased addresses are hashed under.
    #[error(
        "erasing needs the secret key erased addresses are hashed under: set TALLY_GDPR_KEY \
         (or --gdpr-key) to at least 32 random bytes, the same on every replica and for ever"
    )]
    NoKey,
    /// The key is too short to be a secret.
    #[error(
        "TALLY_GDPR_KEY is {bytes} bytes long; use at least 32 random bytes (e.g. `openssl rand \
         -hex 32`) and never change it afterwards"
    )]
    KeyTooShort {
        /// Its length.
        bytes: usize,
    },
    /// The address is not one the platform could hold.
    #[error(
        "the subject's address is not a valid email address (it needs one @ and a dot in its \
         domain, no spaces, at most 254 characters); check the request"
    )]
    BadEmail,
    /// No such organization.
    #[error(
        "there is no organization {organization}: check the id (`GET /v1/organization` with one of its keys)"
    )]
    OrganizationNotFound {
        /// The id given.
        organization: i64,
    },
    /// No such request in the organization.
    #[error("organization {organization} has no GDPR request {id}: check both ids")]
    RequestNotFound {
        /// The organization.
        organization: i64,
        /// The request.
        id: i64,
    },
    /// Another runner is carrying out this request, or the archive is busy.
    #[error(
        "{what} is busy in another session (a scheduler or another `tally gdpr`); retry when it has finished"
    )]
    Busy {
        /// What is taken.
        what: String,
    },
    /// Row-level security applies to the connected role, which would see no tenant's
    /// rows and so export or erase nothing while reporting success.
    #[error(
        "row-level security applies to {table} for this role, so the request would silently \
         miss every row: run it as the owner of the tables (the role that runs the migrations) \
         or as a superuser"
    )]
    RowSecurity {
        /// The table whose rows the role cannot all see.
        table: &'static str,
    },
    /// A platform user's account is shared with other organizations, which this
    /// organization cannot erase for.
    #[error(
        "user {user_id} is also a member of {others} other organization(s): their account is \
         global, so erase it only once every organization has removed their membership, or \
         file the request with each of them"
    )]
    UserElsewhere {
        /// The user.
        user_id: i64,
        /// Other organizations they belong to.
        others: i64,
    },
    /// An archived day's manifest row changed while its object was being rewritten.
    #[error(
        "the archive of {day} was written again while the erasure rewrote it; rerun the \
         request, which reads the new object"
    )]
    ManifestChanged {
        /// The archived day.
        day: chrono::NaiveDate,
    },
    /// A stored `event_data` is not a JSON object.
    #[error(
        "event_data of an event in {place} is not a JSON object ({source}); the row or object is damaged"
    )]
    BadEventData {
        /// The partition or archive object.
        place: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// An export could not be encoded.
    #[error("encoding the export as {format} failed: {reason}")]
    Encode {
        /// JSON or CSV.
        format: &'static str,
        /// Why.
        reason: String,
    },
    /// The fault-injection hook stopped the erasure right after a unit was committed.
    #[cfg(feature = "testsuite")]
    #[error("stopped after {step:?} (EraseOptions::stop_after, a fault-injection hook)")]
    Stopped {
        /// The step whose unit was just committed.
        step: crate::EraseStep,
    },
}

impl GdprError {
    /// A closure that wraps a Postgres error with what was being done.
    pub(crate) fn db(what: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> GdprError {
        let what = what.into();
        move |source| GdprError::Database { what, source }
    }

    pub(crate) fn store(key: impl Into<String>) -> impl FnOnce(object_store::Error) -> GdprError {
        let key = key.into();
        move |source| GdprError::Store { key, source }
    }

    /// Whether a later run may succeed without anyone changing anything: the request
    /// stays `processing` and is resumed, rather than marked `failed`.
    pub fn is_transient(&self) -> bool {
        use archiver::ArchiveError as A;
        match self {
            GdprError::Database { source, .. } => source.as_db_error().is_none_or(|e| {
                // Lock waits, deadlocks, serialization failures, shutdowns: not the
                // request's fault.
                let code = e.code().code();
                code.starts_with("40") || code.starts_with("55") || code.starts_with("57")
            }),
            GdprError::Store { .. }
            | GdprError::Busy { .. }
            | GdprError::ManifestChanged { .. } => true,
            GdprError::Archive(e) => matches!(e, A::Database(_) | A::Store { .. } | A::Busy),
            #[cfg(feature = "testsuite")]
            GdprError::Stopped { .. } => true,
            _ => false,
        }
    }
}
