//! What a run does to one day partition, from its watermark and the line: a pure
//! function, so every case is tested without a database.

use chrono::{DateTime, NaiveDate, Utc};

/// A partition's anonymization state as the run reads it, inside the partition's
/// transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct State {
    /// `anonymized_through` of the partition's watermark, if it has one.
    pub through: Option<DateTime<Utc>>,
    /// `counted_before` of the watermark.
    pub counted_before: Option<DateTime<Utc>>,
    /// Whether the watermark's keys include every key of the policy.
    pub keys_covered: bool,
    /// The latest `event_counters.last_counted_at` of the day.
    pub last_counted_at: Option<DateTime<Utc>>,
}

/// One pass over a partition: rows that occurred in `[from, to)` lose their personal
/// data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pass {
    /// Start of the range.
    pub from: DateTime<Utc>,
    /// End of the range, and the partition's new `anonymized_through`.
    pub to: DateTime<Utc>,
    /// The whole day has crossed the line and was never anonymized whole with these
    /// keys: the partition may be rebuilt rather than updated.
    pub whole_day: bool,
    /// Events were counted after the last pass: the range starts at the day's start.
    pub late: bool,
    /// The watermark moves forward.
    pub advances: bool,
}

/// The pass `day` needs with the line at `line`, or None when it is up to date.
pub(super) fn plan(day: NaiveDate, line: DateTime<Utc>, state: &State) -> Option<Pass> {
    let (start, end) = schema::DayPartition::of(day).bounds();
    let target = line.min(end);
    // Keys added to the policy since the last pass were never removed: nothing of the
    // day counts as done for them.
    let done = match state.through {
        Some(through) if state.keys_covered => through,
        _ => start,
    };
    let late = match (state.through, state.counted_before, state.last_counted_at) {
        (Some(_), Some(before), Some(counted)) => state.keys_covered && counted > before,
        _ => false,
    };
    let from = if late { start } else { done };
    // A longer horizon moves the line back; what is anonymized stays so, and a late
    // re-pass still covers everything done before.
    let to = target.max(done);
    if from >= to {
        return None;
    }
    Some(Pass {
        from,
        to,
        whole_day: to == end && done < end,
        late,
        advances: to > done,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::at;

    fn day() -> NaiveDate {
        testkit::day("2026-08-20")
    }

    const NEVER: State = State {
        through: None,
        counted_before: None,
        keys_covered: false,
        last_counted_at: None,
    };

    fn done_through(through: &str) -> State {
        State {
            through: Some(at(through)),
            counted_before: Some(at("2026-11-22T03:00:00Z")),
            keys_covered: true,
            last_counted_at: Some(at("2026-08-20T23:59:00Z")),
        }
    }

    #[test]
    fn a_day_wholly_past_the_line_is_done_whole() {
        let pass = plan(day(), at("2026-08-25T03:00:00Z"), &NEVER).unwrap_or_else(|| panic!());
        assert_eq!(pass.from, at("2026-08-20T00:00:00Z"));
        assert_eq!(pass.to, at("2026-08-21T00:00:00Z"));
        assert!(pass.whole_day && pass.advances && !pass.late);
    }

    #[test]
    fn the_day_of_the_line_is_done_up_to_it_then_continued() {
        let line = at("2026-08-20T03:00:00Z");
        let pass = plan(day(), line, &NEVER).unwrap_or_else(|| panic!());
        assert_eq!((pass.from, pass.to), (at("2026-08-20T00:00:00Z"), line));
        assert!(!pass.whole_day);

        let state = done_through("2026-08-20T03:00:00Z");
        assert_eq!(plan(day(), line, &state), None);
        let pass = plan(day(), at("2026-08-20T09:00:00Z"), &state).unwrap_or_else(|| panic!());
        assert_eq!((pass.from, pass.to), (line, at("2026-08-20T09:00:00Z")));
        // Finishing a partly done day is a whole-day pass: a rebuild also sheds the
        // dead rows the partial update left.
        let pass = plan(day(), at("2026-08-27T03:00:00Z"), &state).unwrap_or_else(|| panic!());
        assert_eq!((pass.from, pass.to), (line, at("2026-08-21T00:00:00Z")));
        assert!(pass.whole_day);
    }

    #[test]
    fn a_day_not_begun_before_the_line_and_a_done_day_need_nothing() {
        assert_eq!(plan(day(), at("2026-08-20T00:00:00Z"), &NEVER), None);
        assert_eq!(plan(day(), at("2026-08-01T00:00:00Z"), &NEVER), None);
        let state = done_through("2026-08-21T00:00:00Z");
        assert_eq!(plan(day(), at("2026-09-30T00:00:00Z"), &state), None);
    }

    #[test]
    fn events_counted_after_the_last_pass_bring_a_re_pass_of_what_is_done() {
        let mut state = done_through("2026-08-21T00:00:00Z");
        state.last_counted_at = Some(at("2026-11-23T10:00:00Z"));
        let pass = plan(day(), at("2026-12-01T00:00:00Z"), &state).unwrap_or_else(|| panic!());
        assert_eq!(
            (pass.from, pass.to),
            (at("2026-08-20T00:00:00Z"), at("2026-08-21T00:00:00Z"))
        );
        assert!(pass.late && !pass.whole_day && !pass.advances);
        // Even when the line has moved back (a longer horizon).
        let pass = plan(day(), at("2026-08-01T00:00:00Z"), &state).unwrap_or_else(|| panic!());
        assert_eq!(pass.to, at("2026-08-21T00:00:00Z"));
    }

    #[test]
    fn a_new_key_makes_the_day_count_as_never_done() {
        let mut state = done_through("2026-08-21T00:00:00Z");
        state.keys_covered = false;
        let pass = plan(day(), at("2026-12-01T00:00:00Z"), &state).unwrap_or_else(|| panic!());
        assert_eq!(pass.from, at("2026-08-20T00:00:00Z"));
        assert!(pass.whole_day && pass.advances);
    }
}
