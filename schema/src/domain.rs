//! What the CRUD domains' queries can refuse, as typed errors: the database is the
//! one judge (constraints, status-flow triggers, row-level security), this maps its
//! verdicts to variants a service can answer with (404, 409, 422) without SQL text.

use tokio_postgres::error::SqlState;

/// Why a domain query did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// No live row with that id in the tenant's organization (another tenant's row is
    /// reported exactly like a missing one).
    #[error("{entity} {id} not found")]
    NotFound {
        /// The entity asked for, e.g. `campaign`.
        entity: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// A status move the flow does not allow.
    #[error("{entity} cannot move from {from} to {to}")]
    StatusMove {
        /// `campaign` or `lead`.
        entity: &'static str,
        /// The state it is in (`none` when creating).
        from: String,
        /// The state asked for.
        to: String,
    },
    /// A live row already holds that unique value (slug, email, name, ...).
    #[error("conflict: {constraint} already holds that value")]
    Conflict {
        /// The unique index or constraint that refused it.
        constraint: String,
    },
    /// A value the schema refuses (format, range, blank) or a reference to a row that
    /// does not exist in the organization.
    #[error("invalid value: {constraint}")]
    Invalid {
        /// The constraint that refused it.
        constraint: String,
    },
    /// No connection could be taken from the pool.
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// Anything else: connection, server or permission trouble.
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
}

impl DomainError {
    /// Maps a query's error to what it means for the domain; `entity` names the table's
    /// rows for messages.
    pub fn from_query(entity: &'static str, error: tokio_postgres::Error) -> Self {
        let Some(db) = error.as_db_error() else {
            return DomainError::Database(error);
        };
        let constraint = db.constraint().unwrap_or_default().to_owned();
        if db.code() == &SqlState::CHECK_VIOLATION && constraint.ends_with("_status_flow") {
            let (from, to) = parse_move(db.detail().unwrap_or_default());
            return DomainError::StatusMove { entity, from, to };
        }
        match db.code() {
            c if c == &SqlState::UNIQUE_VIOLATION => DomainError::Conflict { constraint },
            c if c == &SqlState::CHECK_VIOLATION
                || c == &SqlState::NOT_NULL_VIOLATION
                || c == &SqlState::FOREIGN_KEY_VIOLATION =>
            {
                DomainError::Invalid { constraint }
            }
            _ => DomainError::Database(error),
        }
    }

    /// The error of a get, update or move that found no row.
    pub fn not_found(entity: &'static str, id: i64) -> Self {
        DomainError::NotFound { entity, id }
    }
}

/// `from=draft to=completed`, as the status-flow triggers write DETAIL.
fn parse_move(detail: &str) -> (String, String) {
    let mut from = String::new();
    let mut to = String::new();
    for part in detail.split_whitespace() {
        if let Some(v) = part.strip_prefix("from=") {
            from = v.to_owned();
        } else if let Some(v) = part.strip_prefix("to=") {
            to = v.to_owned();
        }
    }
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::parse_move;

    #[test]
    fn a_refused_move_names_both_states() {
        assert_eq!(
            parse_move("from=draft to=completed"),
            ("draft".to_owned(), "completed".to_owned())
        );
        assert_eq!(parse_move(""), (String::new(), String::new()));
    }
}
