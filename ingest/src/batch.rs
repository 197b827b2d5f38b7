//! A batch under construction: decoded events, dead letters, and the offset range of
//! every Kafka partition it covers.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Utc};
use schema::Event;
use uuid::Uuid;

use crate::decode::{self, Limits, Reason, Rejection};

/// One Kafka record as the consumer hands it to a writer.
#[derive(Debug, Clone)]
pub struct Record {
    /// Kafka partition.
    pub partition: i32,
    /// Offset within the partition.
    pub offset: i64,
    /// The record value, verbatim.
    pub payload: Vec<u8>,
}

/// A decoded event with the record it came from.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub event: Event,
    pub partition: i32,
    pub offset: i64,
    /// Kept so that a row Postgres refuses can be dead-lettered verbatim.
    pub payload: Vec<u8>,
}

/// A record that will not be stored as an event.
#[derive(Debug, Clone)]
pub(crate) struct DeadLetter {
    pub partition: i32,
    pub offset: i64,
    pub payload: Vec<u8>,
    pub reason: Reason,
    pub detail: String,
    pub organization_id: Option<i64>,
}

/// Offsets `[from, to)` of one partition covered by a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub from: i64,
    pub to: i64,
}

/// What a batch accumulates until it is flushed.
#[derive(Debug)]
pub(crate) struct Batch {
    pub rows: Vec<Row>,
    pub dead: Vec<DeadLetter>,
    pub ranges: BTreeMap<i32, Range>,
    /// Repeats of an event_id already in this batch, dropped on arrival, by partition.
    duplicates: BTreeMap<i32, u64>,
    pub unknown_fields: u64,
    pub opened: Instant,
    seen: HashSet<Uuid>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch {
            rows: Vec::new(),
            dead: Vec::new(),
            ranges: BTreeMap::new(),
            duplicates: BTreeMap::new(),
            unknown_fields: 0,
            opened: Instant::now(),
            seen: HashSet::new(),
        }
    }

    /// Records handled so far (stored, duplicate or dead).
    pub fn len(&self) -> usize {
        self.rows.len() + self.dead.len() + self.duplicates() as usize
    }

    /// Repeats dropped on arrival because their event_id was already in the batch.
    pub fn duplicates(&self) -> u64 {
        self.duplicates.values().sum()
    }

    /// The offset after the last record of `partition` in this batch.
    pub fn next_offset(&self, partition: i32) -> Option<i64> {
        self.ranges.get(&partition).map(|r| r.to)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Decodes `record` into the batch. `position` is where the partition stands
    /// (the first offset not yet stored), used when the batch first sees the partition.
    pub fn push(&mut self, record: Record, position: i64, limits: &Limits, now: DateTime<Utc>) {
        if self.ranges.is_empty() {
            self.opened = Instant::now();
        }
        self.ranges
            .entry(record.partition)
            .and_modify(|r| r.to = record.offset + 1)
            .or_insert(Range {
                from: position,
                to: record.offset + 1,
            });
        match decode::decode(&record.payload, limits, now) {
            Ok(decoded) => {
                self.unknown_fields += u64::from(decoded.unknown_fields);
                if !self.seen.insert(decoded.event.event_id) {
                    *self.duplicates.entry(record.partition).or_default() += 1;
                    return;
                }
                self.rows.push(Row {
                    event: decoded.event,
                    partition: record.partition,
                    offset: record.offset,
                    payload: record.payload,
                });
            }
            Err(rejection) => self.reject(record, rejection),
        }
    }

    fn reject(&mut self, record: Record, rejection: Rejection) {
        self.dead.push(DeadLetter {
            partition: record.partition,
            offset: record.offset,
            payload: record.payload,
            reason: rejection.reason,
            detail: rejection.detail,
            organization_id: rejection.organization_id,
        });
    }

    /// Moves rows whose organization or campaign is unknown to the dead letters.
    pub fn reject_unknown(&mut self, check: impl Fn(i64, i64) -> Result<(), Reason>) {
        let mut kept = Vec::with_capacity(self.rows.len());
        for row in std::mem::take(&mut self.rows) {
            let (org, campaign) = (row.event.organization_id.0, row.event.campaign_id.0);
            match check(org, campaign) {
                Ok(()) => kept.push(row),
                Err(reason) => self.dead.push(DeadLetter {
                    partition: row.partition,
                    offset: row.offset,
                    detail: format!(
                        "organization {org}, campaign {campaign}: {}",
                        reason.as_str()
                    ),
                    payload: row.payload,
                    reason,
                    organization_id: Some(org),
                }),
            }
        }
        self.rows = kept;
    }

    /// Drops everything of `partition` (fenced, revoked or re-read); returns whether the
    /// batch had any of it. Its event ids are forgotten too: re-read into this same
    /// batch, its records must not pass for repeats of themselves.
    pub fn drop_partition(&mut self, partition: i32) -> bool {
        if self.ranges.remove(&partition).is_none() {
            return false;
        }
        let seen = &mut self.seen;
        self.rows.retain(|r| {
            let keep = r.partition != partition;
            if !keep {
                seen.remove(&r.event.event_id);
            }
            keep
        });
        self.dead.retain(|d| d.partition != partition);
        self.duplicates.remove(&partition);
        true
    }

    /// Puts the rows in event_id order. A batch read from many partitions interleaves
    /// their streams; in id order, consecutive rows land on neighbouring pages of the
    /// primary key instead of jumping between as many places as there are partitions
    /// (about 5% of PostgreSQL's insert time, docs/performance.md). Offsets are kept
    /// per partition in `ranges`, so the rows' order carries no meaning.
    pub fn sort_rows(&mut self) {
        self.rows.sort_unstable_by_key(|r| r.event.event_id);
    }

    /// Whether any organization/campaign check is needed at all.
    pub fn has_rows(&self) -> bool {
        !self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(id: &str) -> Vec<u8> {
        format!(
            r#"{{"event_id":"{id}","organization_id":1,"campaign_id":2,"contact_id":3,
                "event_type":"OPEN","occurred_at":"2026-11-21T10:00:00Z"}}"#
        )
        .into_bytes()
    }

    fn now() -> DateTime<Utc> {
        "2026-11-21T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn tracks_ranges_dedups_within_the_batch_and_keeps_bad_records() {
        let mut batch = Batch::new();
        let limits = Limits::default();
        let a = "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40";
        for (partition, offset, body) in [
            (0, 10, payload(a)),
            (0, 11, payload(a)),
            (3, 7, b"not json".to_vec()),
            (0, 13, payload("01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f41")),
        ] {
            let position = if partition == 0 { 10 } else { 5 };
            batch.push(
                Record {
                    partition,
                    offset,
                    payload: body,
                },
                position,
                &limits,
                now(),
            );
        }
        assert_eq!(batch.rows.len(), 2);
        assert_eq!(batch.duplicates(), 1);
        assert_eq!(batch.dead.len(), 1);
        assert_eq!(batch.dead[0].reason, Reason::MalformedJson);
        assert_eq!(batch.len(), 4);
        assert_eq!(batch.ranges[&0], Range { from: 10, to: 14 });
        assert_eq!(batch.ranges[&3], Range { from: 5, to: 8 });

        batch.reject_unknown(|_, campaign| {
            if campaign == 2 {
                Err(Reason::UnknownCampaign)
            } else {
                Ok(())
            }
        });
        assert!(batch.rows.is_empty());
        assert_eq!(batch.dead.len(), 3);

        assert!(batch.drop_partition(0));
        assert_eq!(batch.dead.len(), 1);
        assert_eq!(batch.duplicates(), 0);
        assert!(!batch.drop_partition(0));
    }

    #[test]
    fn records_re_read_after_their_partition_was_dropped_are_not_repeats() {
        let mut batch = Batch::new();
        let limits = Limits::default();
        let a = "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40";
        let record = |partition, offset| Record {
            partition,
            offset,
            payload: payload(a),
        };
        batch.push(record(0, 10), 10, &limits, now());
        batch.push(record(1, 3), 3, &limits, now());
        assert_eq!(
            batch.duplicates(),
            1,
            "the same event in another partition is a repeat"
        );
        // Partition 0 is re-positioned while partition 1 keeps the batch open.
        assert!(batch.drop_partition(0));
        assert!(batch.rows.is_empty());
        batch.push(record(0, 10), 10, &limits, now());
        assert_eq!(
            batch.rows.len(),
            1,
            "re-read, the event is stored, not taken for a repeat"
        );
        assert_eq!(batch.rows[0].partition, 0);
        assert_eq!(
            batch.duplicates(),
            1,
            "partition 1's copy is still a repeat"
        );
    }
}
