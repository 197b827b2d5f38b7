//! A job's cron schedule, in UTC, with seconds.

use std::fmt;

use chrono::{DateTime, Timelike, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds};

use crate::SchedulerError;

/// A 6-field cron expression (seconds first), read in UTC exactly as the cron engine
/// reads it: when both day of month and day of week are set, both must match.
#[derive(Debug, Clone)]
pub struct Schedule {
    expression: String,
    cron: Cron,
}

impl Schedule {
    /// Parses `expression` for `job`; the error names both.
    pub fn parse(job: &str, expression: &str) -> Result<Schedule, SchedulerError> {
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .dom_and_dow(true)
            .build()
            .parse(expression)
            .map_err(|e| SchedulerError::InvalidSchedule {
                job: job.to_owned(),
                expression: expression.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Schedule {
            expression: expression.to_owned(),
            cron,
        })
    }

    /// The expression as given.
    pub fn as_str(&self) -> &str {
        &self.expression
    }

    /// The latest slot at or before `now`: the one a run starting now serves.
    pub fn slot_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Slots are whole seconds; a reading a few milliseconds past one is in it.
        let now = now.with_nanosecond(0).unwrap_or(now);
        self.cron.find_previous_occurrence(&now, true).ok()
    }

    /// The first slot after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&now, false).ok()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::at;

    fn schedule(expression: &str) -> Schedule {
        Schedule::parse("test", expression).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn slots_of_the_default_schedules() {
        let nightly = schedule("0 0 2 * * *");
        assert_eq!(
            nightly.slot_at(at("2026-11-22T01:59:59Z")),
            Some(at("2026-11-21T02:00:00Z"))
        );
        assert_eq!(
            nightly.slot_at(at("2026-11-22T02:00:00Z")),
            Some(at("2026-11-22T02:00:00Z"))
        );
        assert_eq!(
            nightly.slot_at(at("2026-11-22T02:00:00.250Z")),
            Some(at("2026-11-22T02:00:00Z"))
        );
        assert_eq!(
            nightly.next_after(at("2026-11-22T02:00:00Z")),
            Some(at("2026-11-23T02:00:00Z"))
        );
        // 2026-11-22 is a Sunday.
        let weekly = schedule("0 0 3 * * Sun");
        assert_eq!(
            weekly.slot_at(at("2026-11-21T12:00:00Z")),
            Some(at("2026-11-15T03:00:00Z"))
        );
        let monthly = schedule("0 0 4 1 * *");
        assert_eq!(
            monthly.slot_at(at("2026-11-22T12:00:00Z")),
            Some(at("2026-11-01T04:00:00Z"))
        );
        let hourly = schedule("0 0 * * * *");
        assert_eq!(
            hourly.slot_at(at("2026-11-22T12:34:56Z")),
            Some(at("2026-11-22T12:00:00Z"))
        );
    }

    #[test]
    fn a_bad_expression_is_refused_naming_the_job_and_the_expression() {
        let err = Schedule::parse("aggregate", "0 2 * * *").map(|_| ());
        let Err(e) = err else {
            panic!("a 5-field expression must be refused")
        };
        let text = e.to_string();
        assert!(
            text.contains("aggregate") && text.contains("\"0 2 * * *\""),
            "{text}"
        );
    }
}
