//! The run over every partition, with the rewrite of whole days as a parameter: the
//! benchmark and the tests compare the methods; production takes the measured choice.

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::Client;

use super::partition::{self, Rewrite};
use super::{AnonymizeError, AnonymizePolicy, AnonymizeReport, audit, refuse_row_security};

/// How a day partition that crossed the line whole is rewritten; the day the line falls
/// in and late events are always updated in place.
// The forced methods are for the benchmark's and the tests' comparisons.
#[cfg_attr(not(feature = "testsuite"), allow(dead_code))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AnonymizeMethod {
    /// Rebuild when a quarter or more of the day's rows carry personal data, update in
    /// place otherwise (the measured choice, docs/decisions.md).
    #[default]
    Auto,
    /// Always UPDATE in place.
    Update,
    /// Always rebuild and swap (when any row carries personal data).
    Rebuild,
}

/// [`anonymize`] with the rewrite of whole days forced, to compare the methods.
pub async fn anonymize_with(
    client: &mut Client,
    now: DateTime<Utc>,
    policy: &AnonymizePolicy,
    method: AnonymizeMethod,
) -> Result<AnonymizeReport, AnonymizeError> {
    policy.check()?;
    let line = now.checked_sub_signed(policy.horizon).ok_or_else(|| {
        AnonymizeError::Policy(format!(
            "the horizon of {} days reaches before the calendar's start",
            policy.horizon.num_days()
        ))
    })?;
    refuse_row_security(client).await?;

    let days: Vec<NaiveDate> = client
        .query(include_str!("pending.sql"), &[&line, &policy.pii_keys])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut report = AnonymizeReport::default();
    for day in days {
        let outcome = partition::anonymize_day(client, day, (now, line), policy, method)
            .await
            .map_err(|source| AnonymizeError::Partition {
                partition: schema::DayPartition::of(day).name(),
                day,
                source,
            })?;
        let Some(done) = outcome else { continue };
        report.partitions += u64::from(done.pass.advances);
        report.late_partitions += u64::from(done.pass.late);
        report.rebuilt += u64::from(done.method == Rewrite::Rebuild);
        report.event_rows += done.rows;
    }

    if let Some(rows) = audit::anonymize_audit_logs(client, (now, line), &policy.pii_keys)
        .await
        .map_err(AnonymizeError::AuditLogs)?
    {
        report.audit_rows = rows;
    }
    Ok(report)
}
