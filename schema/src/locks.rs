//! Every advisory lock tally takes, in one place, so that no two of them can share a key
//! by accident. Session locks (`lock`, `try_lock`, `unlock`) are held until released or
//! until the connection dies; [`xact_lock`] until the transaction ends.

use chrono::{Datelike as _, NaiveDate};
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

/// The key space of tally's jobs and of archive/restore: 'tall' in ASCII.
const TALLY_CLASS: i32 = 0x7461_6c6c;
/// The key space of the anonymization's per-partition and audit-log locks: 'anon'.
const ANONYMIZE_CLASS: i32 = 0x616e_6f6e;
/// The migrations' single key: 'tallymig' in ASCII.
const MIGRATIONS_KEY: i64 = 0x7461_6c6c_796d_6967;
/// The test harness's single key, which serialises test processes building a template.
const TEST_TEMPLATE_KEY: i64 = 7_461_616;
/// The audit-log pass's key in the anonymization class: below every day's key (days
/// since 1970 of any date chrono can hold are above -100 million).
const AUDIT_LOGS_KEY: i32 = i32::MIN;
/// The archive's name in the job class; no job has it.
const ARCHIVE_NAME: &str = "archiver.archive";

/// A lock tally takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvisoryLock<'a> {
    /// Migrations run one at a time per database.
    Migrations,
    /// Test processes sharing a server build the template database one at a time.
    TestTemplate,
    /// One runner of the named scheduled job across every replica.
    Job(&'a str),
    /// Archive and restore exclude each other: both move a day between the partition
    /// and the object store.
    Archive,
    /// One anonymization pass over a day's partition at a time.
    AnonymizeDay(NaiveDate),
    /// One anonymization pass over audit_logs at a time.
    AnonymizeAuditLogs,
}

/// How a lock's key reaches Postgres.
enum Key<'a> {
    /// One bigint.
    Single(i64),
    /// A class and a number.
    Pair(i32, i32),
    /// A class and a name, hashed by Postgres's `hashtext`.
    Named(i32, &'a str),
}

impl AdvisoryLock<'_> {
    fn key(&self) -> Key<'_> {
        match *self {
            AdvisoryLock::Migrations => Key::Single(MIGRATIONS_KEY),
            AdvisoryLock::TestTemplate => Key::Single(TEST_TEMPLATE_KEY),
            AdvisoryLock::Job(name) => Key::Named(TALLY_CLASS, name),
            AdvisoryLock::Archive => Key::Named(TALLY_CLASS, ARCHIVE_NAME),
            AdvisoryLock::AnonymizeDay(day) => Key::Pair(ANONYMIZE_CLASS, days_since_1970(day)),
            AdvisoryLock::AnonymizeAuditLogs => Key::Pair(ANONYMIZE_CLASS, AUDIT_LOGS_KEY),
        }
    }
}

/// 1970-01-01 counted in days from 0001-01-01, as `num_days_from_ce` counts.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A day's number in the anonymization class: days since 1970. Every date chrono can
/// hold is within about ±96 million days, so this neither overflows nor reaches
/// [`AUDIT_LOGS_KEY`].
fn days_since_1970(day: NaiveDate) -> i32 {
    day.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE
}

/// Runs `function` (one of Postgres's advisory-lock functions) over `lock`'s key.
async fn call(
    client: &impl GenericClient,
    function: &str,
    lock: AdvisoryLock<'_>,
) -> Result<Option<bool>, tokio_postgres::Error> {
    let key = lock.key();
    let (sql, params): (String, Vec<&(dyn ToSql + Sync)>) = match &key {
        Key::Single(k) => (format!("SELECT {function}($1)::text"), vec![k]),
        Key::Pair(class, k) => (format!("SELECT {function}($1, $2)::text"), vec![class, k]),
        Key::Named(class, name) => (
            format!("SELECT {function}($1, hashtext($2))::text"),
            vec![class, name],
        ),
    };
    let row = client.query_one(&sql, &params).await?;
    // The lock functions return boolean or void; as text, void is the empty string.
    Ok(match row.get::<_, Option<String>>(0).as_deref() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    })
}

/// Takes `lock` for the session, waiting for it.
pub async fn lock(
    client: &impl GenericClient,
    lock: AdvisoryLock<'_>,
) -> Result<(), tokio_postgres::Error> {
    call(client, "pg_advisory_lock", lock).await.map(drop)
}

/// Takes `lock` for the session if it is free; returns whether it was taken.
pub async fn try_lock(
    client: &impl GenericClient,
    lock: AdvisoryLock<'_>,
) -> Result<bool, tokio_postgres::Error> {
    Ok(call(client, "pg_try_advisory_lock", lock).await? == Some(true))
}

/// Releases a session `lock`; returns whether this session held it.
pub async fn unlock(
    client: &impl GenericClient,
    lock: AdvisoryLock<'_>,
) -> Result<bool, tokio_postgres::Error> {
    Ok(call(client, "pg_advisory_unlock", lock).await? == Some(true))
}

/// Takes `lock` until the end of the transaction `client` is in, waiting for it.
pub async fn xact_lock(
    client: &impl GenericClient,
    lock: AdvisoryLock<'_>,
) -> Result<(), tokio_postgres::Error> {
    call(client, "pg_advisory_xact_lock", lock).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch() -> NaiveDate {
        chrono::DateTime::UNIX_EPOCH.date_naive()
    }

    #[test]
    fn day_keys_never_meet_the_audit_logs_key() {
        for day in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            epoch(),
            epoch().pred_opt().unwrap_or(NaiveDate::MIN),
        ] {
            assert_ne!(days_since_1970(day), AUDIT_LOGS_KEY, "{day}");
        }
        assert_eq!(days_since_1970(epoch()), 0);
    }
}
