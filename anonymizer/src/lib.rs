//! Anonymization of events and audit logs past the GDPR horizon (docs/anonymization.md).
//!
//! The line is `now - horizon`. Every events day partition that began before it is
//! brought up to it, oldest first, each in a transaction of its own that also commits
//! its watermark (`anonymized_partitions`): a day wholly past the line is rewritten whole
//! (rebuilt and swapped, or updated in place when few rows carry personal data), the day
//! the line falls in is updated up to the line, and a day whose events ingest counted
//! after its last pass is re-passed for the late rows. audit_logs follows with its own
//! watermark (`anonymized_tables`). A run stopped anywhere is resumed by the next one, and
//! a run with nothing new to do changes nothing. The clock is a parameter, so the
//! scheduler, `tally run` and the tests share one code path.
//!
//! # Layout
//!
//! - `run`: the run over every pending partition, then audit_logs.
//! - `partition`: one day's pass under its lock; `plan`: what pass a day needs;
//!   `rebuild`: rewriting a whole day into a new table and swapping it in.
//! - `audit`: the audit_logs pass; `error`: [`AnonymizeError`].

mod audit;
mod error;
mod partition;
mod plan;
mod rebuild;
mod run;

use chrono::{DateTime, TimeDelta, Utc};
use tokio_postgres::Client;

pub use error::AnonymizeError;
#[cfg(not(feature = "testsuite"))]
use run::{AnonymizeMethod, anonymize_with};
#[cfg(feature = "testsuite")]
pub use run::{AnonymizeMethod, anonymize_with};

/// The PII keys removed by default from `events.event_data` and `audit_logs.changes`.
pub const DEFAULT_PII_KEYS: [&str; 7] = [
    "email",
    "phone",
    "name",
    "first_name",
    "last_name",
    "ip",
    "user_agent",
];

/// What the job removes, and from what age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnonymizePolicy {
    /// Events and audit entries older than this lose their personal data (default 90
    /// days).
    pub horizon: TimeDelta,
    /// Top-level keys removed from `events.event_data` and `audit_logs.changes` (default
    /// [`DEFAULT_PII_KEYS`]); `ip_address` (and the audit `user_agent`) always go.
    pub pii_keys: Vec<String>,
}

impl Default for AnonymizePolicy {
    fn default() -> Self {
        AnonymizePolicy {
            horizon: TimeDelta::days(90),
            pii_keys: DEFAULT_PII_KEYS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }
}

impl AnonymizePolicy {
    fn check(&self) -> Result<(), AnonymizeError> {
        if self.horizon <= TimeDelta::zero() {
            return Err(AnonymizeError::Policy(format!(
                "the horizon must be positive, got {} seconds",
                self.horizon.num_seconds()
            )));
        }
        if let Some(key) = self.pii_keys.iter().find(|k| k.trim().is_empty()) {
            return Err(AnonymizeError::Policy(format!(
                "PII keys must not be blank, got {key:?} in {:?}",
                self.pii_keys
            )));
        }
        Ok(())
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnonymizeReport {
    /// Partitions anonymized further: a whole day, or up to the line.
    pub partitions: u64,
    /// Partitions passed again because ingest counted events after their last pass.
    pub late_partitions: u64,
    /// Partitions rebuilt and swapped (the others were updated in place).
    pub rebuilt: u64,
    /// Event rows that lost personal data.
    pub event_rows: u64,
    /// audit_logs rows that lost personal data.
    pub audit_rows: u64,
}

impl AnonymizeReport {
    /// Rows the run changed, as job_runs records them.
    pub fn rows_affected(&self) -> u64 {
        self.event_rows + self.audit_rows
    }
}

/// Anonymizes every events partition and the audit log up to `now - policy.horizon`,
/// choosing per day between rebuild and update by the share of rows with personal data.
pub async fn anonymize(
    client: &mut Client,
    now: DateTime<Utc>,
    policy: &AnonymizePolicy,
) -> Result<AnonymizeReport, AnonymizeError> {
    anonymize_with(client, now, policy, AnonymizeMethod::Auto).await
}

/// The owner is exempt from row-level security (enabled, not forced); any other role
/// would see no tenant's rows without a tenant set, and anonymize nothing.
async fn refuse_row_security(client: &Client) -> Result<(), AnonymizeError> {
    let row = client
        .query_one(
            "SELECT row_security_active('events'), row_security_active('audit_logs')",
            &[],
        )
        .await?;
    for (i, table) in ["events", "audit_logs"].into_iter().enumerate() {
        if row.get::<_, bool>(i) {
            return Err(AnonymizeError::RowSecurity { table });
        }
    }
    Ok(())
}
