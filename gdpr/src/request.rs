//! A request's life in `gdpr_requests`: filed, taken into processing, completed or
//! failed; and the requests past the legal deadline.

use chrono::{DateTime, TimeDelta, Utc};
use schema::GdprRequestType;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Transaction};

use crate::GdprError;

/// The legal deadline for answering a request (GDPR article 12(3): one month).
pub const DEADLINE: TimeDelta = TimeDelta::days(30);

/// Who a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    /// A contact of the organization (every list's row for the address).
    Contact,
    /// A platform user who is a member of the organization.
    User,
}

impl SubjectKind {
    /// The label `gdpr_subjects.kind` stores.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Contact => "contact",
            SubjectKind::User => "user",
        }
    }

    fn parse(label: &str) -> SubjectKind {
        // The column's check allows these two only.
        if label == "user" {
            SubjectKind::User
        } else {
            SubjectKind::Contact
        }
    }
}

/// A data subject: an address, read as a contact's or a user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Contact or user.
    pub kind: SubjectKind,
    /// The address as given.
    pub email: String,
}

/// A request as a run carries it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claimed {
    pub organization: i64,
    pub id: i64,
    pub request_type: GdprRequestType,
    pub subject: Subject,
    /// The contact the request named when it was filed, if any.
    pub contact_id: Option<i64>,
}

/// A request filed, or found unfinished and returned to be resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filed {
    /// Its id.
    pub id: i64,
    /// Whether it is new (false: an unfinished request of the same type about the same
    /// subject existed, and is the one returned).
    pub new: bool,
}

/// Files a request of `request_type` about `subject` in `organization`, or returns the
/// unfinished one (pending, processing or failed) that already asks the same.
pub async fn file_request(
    client: &Client,
    organization: i64,
    request_type: GdprRequestType,
    subject: &Subject,
) -> Result<Filed, GdprError> {
    let row = client
        .query_one(
            include_str!("request/file.sql"),
            &[
                &organization,
                &subject.email.trim(),
                &request_type,
                &subject.kind.as_str(),
            ],
        )
        .await
        .map_err(|e| match e.as_db_error() {
            Some(db) if db.constraint() == Some("email_address_format") => GdprError::BadEmail,
            Some(db) if *db.code() == SqlState::FOREIGN_KEY_VIOLATION => {
                GdprError::OrganizationNotFound { organization }
            }
            _ => GdprError::db(format!("filing a request in organization {organization}"))(e),
        })?;
    Ok(Filed {
        id: row.get(0),
        new: row.get(1),
    })
}

/// Takes request `id` of `organization` into processing (see claim.sql); None when it
/// is finished.
pub(crate) async fn claim(
    client: &mut Client,
    organization: i64,
    id: i64,
    retry_failed: bool,
) -> Result<Option<Claimed>, GdprError> {
    let what = || format!("taking request {id} of organization {organization}");
    let tx = begin(client, what()).await?;
    let exists = tx
        .query_opt(
            "SELECT 1 FROM gdpr_requests WHERE organization_id = $1 AND id = $2",
            &[&organization, &id],
        )
        .await
        .map_err(GdprError::db(what()))?
        .is_some();
    if !exists {
        return Err(GdprError::RequestNotFound { organization, id });
    }
    let row = tx
        .query_opt(
            include_str!("request/claim.sql"),
            &[&organization, &id, &retry_failed],
        )
        .await
        .map_err(GdprError::db(what()))?;
    tx.commit().await.map_err(GdprError::db(what()))?;
    Ok(row.map(|row| Claimed {
        organization,
        id,
        request_type: row.get(0),
        subject: Subject {
            email: row.get(1),
            kind: SubjectKind::parse(row.get(4)),
        },
        contact_id: row.get(2),
    }))
}

/// Marks the request completed (with its export's location) or failed (with why), and
/// writes its audit entry (`action`, `changes`) in the same transaction.
pub(crate) async fn finish(
    client: &mut Client,
    claimed: &Claimed,
    outcome: Result<Option<&str>, &str>,
    audit_entry: Option<(&str, &serde_json::Value)>,
) -> Result<(), GdprError> {
    let (ok, location, error) = match outcome {
        Ok(location) => (true, location, None),
        Err(error) => (false, None, Some(error)),
    };
    let what = format!(
        "finishing request {} of organization {}",
        claimed.id, claimed.organization
    );
    let tx = begin(client, what.clone()).await?;
    if let Some((action, changes)) = audit_entry {
        audit(&tx, claimed, action, changes).await?;
    }
    tx.execute(
        include_str!("request/finish.sql"),
        &[&claimed.organization, &claimed.id, &ok, &location, &error],
    )
    .await
    .map_err(GdprError::db(what.clone()))?;
    tx.commit().await.map_err(GdprError::db(what))?;
    Ok(())
}

/// Records why a run stopped while the request stays processing, to be resumed.
pub(crate) async fn still_processing(
    client: &mut Client,
    claimed: &Claimed,
    error: &str,
) -> Result<(), GdprError> {
    let what = format!(
        "recording why request {} of organization {} stopped",
        claimed.id, claimed.organization
    );
    let tx = begin(client, what.clone()).await?;
    tx.execute(
        include_str!("request/still_processing.sql"),
        &[&claimed.organization, &claimed.id, &error],
    )
    .await
    .map_err(GdprError::db(what.clone()))?;
    tx.commit().await.map_err(GdprError::db(what))?;
    Ok(())
}

/// Writes the audit entry of a request carried out, in `client`'s transaction.
pub(crate) async fn audit(
    client: &impl tokio_postgres::GenericClient,
    claimed: &Claimed,
    action: &str,
    changes: &serde_json::Value,
) -> Result<(), GdprError> {
    client
        .execute(
            include_str!("request/audit.sql"),
            &[&claimed.organization, &claimed.id, &action, changes],
        )
        .await
        .map_err(GdprError::db(format!(
            "recording the {action} of request {} in the audit log",
            claimed.id
        )))?;
    Ok(())
}

/// A transaction whose changes to audited tables the audit trail credits to the job
/// (`tally.actor`, transaction-local so a pooled connection carries nothing over).
pub(crate) async fn begin(
    client: &mut Client,
    what: impl Into<String>,
) -> Result<Transaction<'_>, GdprError> {
    let what = what.into();
    let tx = client
        .transaction()
        .await
        .map_err(GdprError::db(what.clone()))?;
    tx.execute("SELECT set_config('tally.actor', 'gdpr', true)", &[])
        .await
        .map_err(GdprError::db(what))?;
    Ok(tx)
}

/// The requests the job carries out, oldest first: `(organization, id)`.
pub(crate) async fn pending(client: &Client) -> Result<Vec<(i64, i64)>, GdprError> {
    Ok(client
        .query(include_str!("request/pending.sql"), &[])
        .await
        .map_err(GdprError::db("listing pending GDPR requests"))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// A request past the deadline and not completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    /// Its organization.
    pub organization: i64,
    /// Its id.
    pub id: i64,
    /// `export` or `deletion`.
    pub request_type: String,
    /// Where it is: pending, processing or failed.
    pub status: String,
    /// When it was filed.
    pub requested_at: DateTime<Utc>,
}

/// Requests filed more than [`DEADLINE`] before `now` and not completed, oldest first.
pub async fn overdue(client: &Client, now: DateTime<Utc>) -> Result<Vec<Overdue>, GdprError> {
    let line = now - DEADLINE;
    Ok(client
        .query(include_str!("request/overdue.sql"), &[&line])
        .await
        .map_err(GdprError::db("listing overdue GDPR requests"))?
        .iter()
        .map(|r| Overdue {
            organization: r.get(0),
            id: r.get(1),
            request_type: r.get(2),
            status: r.get(3),
            requested_at: r.get(4),
        })
        .collect())
}
