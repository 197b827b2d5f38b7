//! The reasons a Kafka record is dead-lettered: the values of `dead_letters.reason`.

use std::fmt;
use std::str::FromStr;

/// Why a record went to `dead_letters` instead of `events`: the stable snake_case
/// codes stored in `dead_letters.reason` and used as the ingest metrics' `reason`
/// label. docs/events.md documents each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeadLetterReason {
    /// Not valid UTF-8 JSON, not a JSON object, or trailing bytes after it.
    MalformedJson,
    /// A required field is absent.
    MissingField,
    /// A field has the wrong type or an invalid value, or appears twice, or `event_data`
    /// holds what Postgres's `jsonb` cannot store.
    InvalidField,
    /// `event_type` is a string that names no known event type.
    UnknownEventType,
    /// `occurred_at` is outside the accepted time window.
    OutOfWindow,
    /// `event_data` is longer than the limit.
    EventDataTooLarge,
    /// The whole record value is longer than the limit.
    PayloadTooLarge,
    /// The organization does not exist.
    UnknownOrganization,
    /// The campaign does not exist in the event's organization.
    UnknownCampaign,
    /// Postgres refused the row (found by splitting the batch).
    RejectedByDatabase,
}

impl DeadLetterReason {
    /// Every reason, in declaration order.
    pub const ALL: &[DeadLetterReason] = &[
        DeadLetterReason::MalformedJson,
        DeadLetterReason::MissingField,
        DeadLetterReason::InvalidField,
        DeadLetterReason::UnknownEventType,
        DeadLetterReason::OutOfWindow,
        DeadLetterReason::EventDataTooLarge,
        DeadLetterReason::PayloadTooLarge,
        DeadLetterReason::UnknownOrganization,
        DeadLetterReason::UnknownCampaign,
        DeadLetterReason::RejectedByDatabase,
    ];

    /// The stable code stored in `dead_letters.reason`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeadLetterReason::MalformedJson => "malformed_json",
            DeadLetterReason::MissingField => "missing_field",
            DeadLetterReason::InvalidField => "invalid_field",
            DeadLetterReason::UnknownEventType => "unknown_event_type",
            DeadLetterReason::OutOfWindow => "out_of_window",
            DeadLetterReason::EventDataTooLarge => "event_data_too_large",
            DeadLetterReason::PayloadTooLarge => "payload_too_large",
            DeadLetterReason::UnknownOrganization => "unknown_organization",
            DeadLetterReason::UnknownCampaign => "unknown_campaign",
            DeadLetterReason::RejectedByDatabase => "rejected_by_database",
        }
    }
}

impl fmt::Display for DeadLetterReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // pad, not write_str: a table of reasons aligns them with a width.
        f.pad(self.as_str())
    }
}

impl FromStr for DeadLetterReason {
    type Err = UnknownReason;

    fn from_str(text: &str) -> Result<DeadLetterReason, UnknownReason> {
        DeadLetterReason::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| UnknownReason(text.to_owned()))
    }
}

/// A text that names no dead-letter reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a dead-letter reason")]
pub struct UnknownReason(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_parse_back() {
        for r in DeadLetterReason::ALL {
            assert_eq!(r.as_str().parse::<DeadLetterReason>(), Ok(*r));
            assert_eq!(r.to_string(), r.as_str());
        }
        let mut codes: Vec<&str> = DeadLetterReason::ALL.iter().map(|r| r.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DeadLetterReason::ALL.len());
        assert!("Malformed_Json".parse::<DeadLetterReason>().is_err());
        assert_eq!(
            format!("{:<16}|", DeadLetterReason::OutOfWindow),
            "out_of_window   |"
        );
    }
}
