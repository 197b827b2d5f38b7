//! What job_runs says of each job across every replica, for the metrics' gauges: read
//! by one statement for all jobs, so refreshing every few seconds costs little.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;

use crate::{Job, Schedule, SchedulerError};

/// Slots counted behind at most: enough to tell "missed many", cheap to count.
const MAX_SLOTS_BEHIND: u32 = 1000;

/// A job's state across every replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JobState {
    /// When its latest successful run finished.
    pub(crate) last_success_at: Option<DateTime<Utc>>,
    /// Whether its latest finished run failed.
    pub(crate) last_run_failed: bool,
    /// Slots due since the latest slot a run succeeded for.
    pub(crate) slots_behind: u32,
    /// Runs in progress.
    pub(crate) running: i64,
}

/// Reads every job's state from job_runs at clock reading `now` and sets its gauges.
pub async fn refresh(
    pool: &Pool,
    jobs: &[&dyn Job],
    now: DateTime<Utc>,
) -> Result<(), SchedulerError> {
    let names: Vec<&str> = jobs.iter().map(|j| j.name()).collect();
    let rows = pool
        .get()
        .await?
        .query(include_str!("sql/job_state.sql"), &[&names])
        .await?;
    for row in rows {
        let name: String = row.get(0);
        let Some(job) = jobs.iter().find(|j| j.name() == name) else {
            continue;
        };
        let state = JobState {
            last_success_at: row.get(1),
            slots_behind: slots_behind(job.schedule(), row.get(2), now),
            last_run_failed: row.get(3),
            running: row.get(4),
        };
        crate::metrics().job_state(&name, &state);
    }
    Ok(())
}

/// The slots of `schedule` after `last_done` up to `now`, at most [`MAX_SLOTS_BEHIND`];
/// with no slot ever done, the latest slot alone (the catch-up runs only that one).
fn slots_behind(schedule: &Schedule, last_done: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u32 {
    let Some(latest) = schedule.slot_at(now) else {
        return 0;
    };
    let Some(mut slot) = last_done else {
        return 1;
    };
    let mut behind = 0;
    while behind < MAX_SLOTS_BEHIND {
        match schedule.next_after(slot) {
            Some(next) if next <= latest => {
                behind += 1;
                slot = next;
            }
            _ => break,
        }
    }
    behind
}

#[cfg(test)]
mod tests {
    use testkit::at;

    use super::*;

    #[test]
    fn slots_behind_count_the_slots_due_since_the_last_one_done() {
        let hourly = Schedule::parse("premake", "0 0 * * * *").unwrap();
        let now = at("2026-11-22T12:34:56Z");
        let behind = |last: Option<&str>| slots_behind(&hourly, last.map(at), now);
        assert_eq!(behind(Some("2026-11-22T12:00:00Z")), 0);
        assert_eq!(behind(Some("2026-11-22T11:00:00Z")), 1);
        assert_eq!(behind(Some("2026-11-22T09:00:00Z")), 3);
        assert_eq!(behind(None), 1);
        assert_eq!(behind(Some("2020-01-01T00:00:00Z")), MAX_SLOTS_BEHIND);
        let monthly = Schedule::parse("archive", "0 0 4 1 * *").unwrap();
        assert_eq!(
            slots_behind(&monthly, Some(at("2026-10-01T04:00:00Z")), now),
            1
        );
    }
}
