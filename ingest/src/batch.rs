//! A batch under construction: decoded events, dead letters, and the offset range of
//! every Kafka partition it covers.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use schema::Event;

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

impl Row {
    /// What identifies an event, in a batch as in the `events` table's primary key: a
    /// record with the key of a stored event is a repeat of it.
    pub fn key(&self) -> (uuid::Uuid, DateTime<Utc>) {
        (self.event.event_id, self.event.occurred_at)
    }
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

/// The detail of a record whose organization or campaign the catalog does not know;
/// a replay that finds it still unknown writes the same.
pub(crate) fn unknown_detail(org: i64, campaign: i64, reason: Reason) -> String {
    format!(
        "organization {org}, campaign {campaign}: {}",
        reason.as_str()
    )
}

/// What a batch accumulates until it is flushed.
#[derive(Debug)]
pub(crate) struct Batch {
    pub rows: Vec<Row>,
    pub dead: Vec<DeadLetter>,
    pub ranges: BTreeMap<i32, Range>,
    pub unknown_fields: u64,
    pub opened: Instant,
}

impl Batch {
    pub fn new() -> Batch {
        Batch {
            rows: Vec::new(),
            dead: Vec::new(),
            ranges: BTreeMap::new(),
            unknown_fields: 0,
            opened: Instant::now(),
        }
    }

    /// Records taken so far: rows (repeats included, sorted out when the batch is
    /// written) and dead letters.
    pub fn len(&self) -> usize {
        self.rows.len() + self.dead.len()
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
            // A repeat of an event already in the batch is kept until the batch is
            // written: only then is it known whether the first copy was stored, or
            // refused by the catalog or by Postgres, in which case the repeat stands in.
            Ok(decoded) => {
                self.unknown_fields += u64::from(decoded.unknown_fields);
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
                    detail: unknown_detail(org, campaign, reason),
                    payload: row.payload,
                    reason,
                    organization_id: Some(org),
                }),
            }
        }
        self.rows = kept;
    }

    /// Drops everything of `partition` (fenced, revoked or re-read); returns whether the
    /// batch had any of it.
    pub fn drop_partition(&mut self, partition: i32) -> bool {
        if self.ranges.remove(&partition).is_none() {
            return false;
        }
        self.rows.retain(|r| r.partition != partition);
        self.dead.retain(|d| d.partition != partition);
        true
    }

    /// Puts the rows in the order of the events' primary key, `(occurred_at,
    /// event_id)` (migration 0024), and the copies of one event (same [`Row::key`])
    /// next to each other in the order they were read. A batch read from many
    /// partitions interleaves their streams; in the key's order, consecutive rows land
    /// on neighbouring pages of the key's index instead of jumping between as many
    /// places as there are partitions (docs/performance.md). Offsets are kept per
    /// partition in `ranges`, so the rows' order carries no other meaning. A row is
    /// large (the event and its record), so the keys are sorted with the rows'
    /// positions and each row then moves once, rather than at every step of the sort
    /// (6% of the ingest's CPU).
    pub fn sort_rows(&mut self) {
        self.rows
            .sort_by_cached_key(|r| (r.event.occurred_at, r.event.event_id, r.partition, r.offset));
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
    fn tracks_ranges_keeps_repeats_for_the_writer_and_keeps_bad_records() {
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
        assert_eq!(batch.rows.len(), 3, "the repeat waits for the writer");
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
        assert_eq!(batch.dead.len(), 4);

        assert!(batch.drop_partition(0));
        assert_eq!(batch.dead.len(), 1);
        assert!(!batch.drop_partition(0));
    }

    #[test]
    fn sorting_puts_the_copies_of_an_event_together_in_the_order_read() {
        let mut batch = Batch::new();
        let limits = Limits::default();
        let (a, b) = (
            "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f41",
            "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40",
        );
        for (partition, offset, id) in [(1, 5, a), (0, 9, b), (1, 6, a), (0, 10, a), (0, 11, b)] {
            batch.push(
                Record {
                    partition,
                    offset,
                    payload: payload(id),
                },
                0,
                &limits,
                now(),
            );
        }
        batch.sort_rows();
        let order: Vec<(i32, i64)> = batch.rows.iter().map(|r| (r.partition, r.offset)).collect();
        assert_eq!(order, [(0, 9), (0, 11), (0, 10), (1, 5), (1, 6)]);
    }

    #[test]
    fn sorting_follows_the_primary_key_time_first() {
        let mut batch = Batch::new();
        let limits = Limits::default();
        // The smaller id happened later: the key (occurred_at, event_id) puts it last.
        let records = [
            (
                0,
                "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40",
                "2026-11-21T11:00:00Z",
            ),
            (
                1,
                "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f41",
                "2026-11-21T10:00:00Z",
            ),
            (
                2,
                "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f42",
                "2026-11-21T11:00:00Z",
            ),
        ];
        for (offset, id, at) in records {
            let payload = String::from_utf8(payload(id))
                .unwrap()
                .replace("2026-11-21T10:00:00Z", at);
            let record = Record {
                partition: 0,
                offset,
                payload: payload.into_bytes(),
            };
            batch.push(record, 0, &limits, now());
        }
        batch.sort_rows();
        let order: Vec<i64> = batch.rows.iter().map(|r| r.offset).collect();
        assert_eq!(order, [1, 0, 2]);
    }
}
