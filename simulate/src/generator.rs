//! The lazy, deterministic record stream, in the order a live stream carries it: funnel
//! events of many campaigns and contacts interleaved, valid events in `occurred_at`
//! order from the window's start to its end (the records share the window evenly), exact
//! re-sends of earlier records (so with an earlier time), and malformed records of every
//! dead-letter kind, each labelled with what the ingest must do with it.

use chrono::NaiveDate;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schema::DeadLetterReason as Reason;
use schema::{EventType, PgEnum};
use uuid::Uuid;

use super::SimulateError;
use super::clock::{Clock, Span, Window};
use super::funnel::Walks;
use super::payload::{Data, EventJson, client_ip, push_i64, write_event};
use super::plan::SimulationPlan;

/// One Kafka record and what the ingest must do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The record key: the contact id as decimal text (so a contact's events share a
    /// partition).
    pub key: Vec<u8>,
    /// The record value: one JSON event in the wire format.
    pub payload: Vec<u8>,
    /// The outcome the ingest must reach for this record.
    pub expect: Expect,
}

/// What the ingest must do with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Store it once, in its day's partition.
    Stored {
        /// The event's id.
        event_id: Uuid,
        /// The event's tenant.
        organization_id: i64,
        /// The event's campaign.
        campaign_id: i64,
        /// The event's type.
        event_type: EventType,
        /// The UTC day of `occurred_at`.
        day: NaiveDate,
    },
    /// Drop it: the exact payload of an earlier `Stored` record with this id.
    Duplicate {
        /// The id shared with the earlier record.
        event_id: Uuid,
    },
    /// Put it in dead_letters with this reason code.
    DeadLetter {
        /// One of [`DEAD_LETTER_REASONS`].
        reason: Reason,
    },
}

/// The malformed kinds, in the order the generator cycles through them, named by the
/// dead-letter reason the ingest gives each.
pub const DEAD_LETTER_REASONS: [Reason; 7] = [
    Reason::MalformedJson,
    Reason::MissingField,
    Reason::InvalidField,
    Reason::UnknownEventType,
    Reason::OutOfWindow,
    Reason::EventDataTooLarge,
    Reason::UnknownCampaign,
];

/// Size of the string in `event_data_too_large` records.
pub const OVERSIZED_EVENT_DATA_BYTES: usize = 20 * 1024;

/// How far before the window `out_of_window` records lie (5 * 365 days).
const OUT_OF_WINDOW_MS: i64 = 5 * 365 * 86_400_000;
/// Recent valid records a duplicate is drawn from.
const RECENT: usize = 256;
/// Older valid records (every `OLD_EVERY`-th) a duplicate is sometimes drawn from.
const OLD: usize = 64;
const OLD_EVERY: u64 = 1024;
/// Typical payload size, to allocate once per record.
const PAYLOAD_CAPACITY: usize = 512;

/// Days from 0001-01-01 (day 1 in chrono's count) to 1970-01-01.
const UNIX_EPOCH_DAYS_CE: i64 = 719_163;

/// The record stream of a plan; see [`generate`].
pub struct Generator {
    plan: SimulationPlan,
    rng: ChaCha8Rng,
    remaining: u64,
    clock: Clock,
    walks: Walks,
    recent: Ring,
    old: Ring,
    valid: u64,
    next_malformed: usize,
}

/// A lazy, deterministic stream of exactly `plan.total_events` records: the same plan
/// gives byte-identical records on every machine, in memory bounded by the walks in
/// progress (the pending steps of a few hours of sends), whatever the stream's length.
pub fn generate(plan: &SimulationPlan) -> Result<Generator, SimulateError> {
    plan.validate().map_err(SimulateError::InvalidPlan)?;
    let plan = plan.clone();
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let (start, end) = plan.window();
    let window = Window {
        start: start.timestamp_millis(),
        len: end.timestamp_millis() - start.timestamp_millis(),
    };
    let walks = Walks::new(&plan, &mut rng, window);
    Ok(Generator {
        remaining: plan.total_events,
        clock: Clock::new(window, plan.total_events),
        plan,
        rng,
        walks,
        recent: Ring::new(RECENT),
        old: Ring::new(OLD),
        valid: 0,
        next_malformed: 0,
    })
}

impl Iterator for Generator {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let span = self.clock.tick();
        let u: f64 = self.rng.random();
        if u < self.plan.malformed_rate {
            return Some(self.malformed(span));
        }
        if u < self.plan.malformed_rate + self.plan.duplicate_rate
            && let Some(record) = self.duplicate()
        {
            return Some(record);
        }
        Some(self.valid(span))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (n, usize::try_from(self.remaining).ok())
    }
}

/// The fields of one generated event before it is written.
struct Draft {
    org: u32,
    campaign_id: i64,
    contact_id: i64,
    event_type: EventType,
    at: i64,
}

impl Generator {
    /// The next funnel event, at or after every valid one before it.
    fn valid(&mut self, span: Span) -> Record {
        let step = self.walks.next(&mut self.rng, span);
        let (org, event_type, at) = (step.org, step.event_type, step.at);
        let draft = Draft {
            org,
            campaign_id: self.plan.campaign_id(org, step.campaign),
            contact_id: self.plan.contact_id(org, step.contact),
            event_type,
            at,
        };
        let (event_id, id_text) = self.event_id(at);
        let (key, payload) = self.write(&draft, &id_text, |_| {});
        self.valid += 1;
        self.recent.push(&key, &payload, event_id);
        if self.valid.is_multiple_of(OLD_EVERY) {
            self.old.push(&key, &payload, event_id);
        }
        let day = NaiveDate::from_num_days_from_ce_opt(
            i32::try_from(at.div_euclid(86_400_000) + UNIX_EPOCH_DAYS_CE).unwrap_or(1),
        )
        .unwrap_or(self.plan.start_day);
        Record {
            key,
            payload,
            expect: Expect::Stored {
                event_id,
                organization_id: self.plan.organization_id(org),
                campaign_id: draft.campaign_id,
                event_type,
                day,
            },
        }
    }

    /// A re-send of an earlier valid record: mostly one of the last few hundred,
    /// sometimes one tens of thousands of records back.
    fn duplicate(&mut self) -> Option<Record> {
        let ring = if self.old.len() > 0 && self.rng.random_range(0..10u32) == 0 {
            &self.old
        } else {
            &self.recent
        };
        if ring.len() == 0 {
            return None;
        }
        let slot = &ring.slots[self.rng.random_range(0..ring.len() as u32) as usize];
        Some(Record {
            key: slot.key.clone(),
            payload: slot.payload.clone(),
            expect: Expect::Duplicate {
                event_id: slot.event_id,
            },
        })
    }

    /// A bad record of the next kind, built around a fresh event id, at the clock (or
    /// years before the window).
    fn malformed(&mut self, span: Span) -> Record {
        let kind = self.next_malformed;
        self.next_malformed = (kind + 1) % DEAD_LETTER_REASONS.len();
        let reason = DEAD_LETTER_REASONS[kind];
        let org = self.rng.random_range(0..self.plan.organizations);
        let campaign = self
            .rng
            .random_range(0..self.plan.campaigns_per_organization);
        let contact = self
            .rng
            .random_range(0..self.plan.contacts_per_organization);
        let types = EventType::ALL;
        let event_type = types[self.rng.random_range(0..types.len() as u32) as usize];
        let mut at = span.random(&mut self.rng);
        if reason == Reason::OutOfWindow {
            at -= OUT_OF_WINDOW_MS;
        }
        let mut draft = Draft {
            org,
            campaign_id: self.plan.campaign_id(org, campaign),
            contact_id: self.plan.contact_id(org, contact),
            event_type,
            at,
        };
        if reason == Reason::UnknownCampaign {
            draft.campaign_id = self.plan.unknown_campaign_id(org);
        }
        let (_, id_text) = self.event_id(at);
        let id_text: &[u8] = if reason == Reason::InvalidField {
            b"not-a-uuid"
        } else {
            &id_text
        };
        let (key, mut payload) = self.write(&draft, id_text, |json| match reason {
            Reason::MissingField => json.campaign_id = None,
            Reason::UnknownEventType => json.event_type = "SHOUT",
            Reason::EventDataTooLarge => json.data = Data::Oversized(OVERSIZED_EVENT_DATA_BYTES),
            _ => {}
        });
        if reason == Reason::MalformedJson {
            // Cut inside the object: the closing braces are gone, so it cannot parse.
            payload.truncate(payload.len() * 2 / 3);
        }
        Record {
            key,
            payload,
            expect: Expect::DeadLetter { reason },
        }
    }

    /// A fresh UUID v7 at `at` from the random stream, and its text.
    fn event_id(&mut self, at: i64) -> (Uuid, [u8; 36]) {
        let mut random = [0u8; 10];
        self.rng.fill_bytes(&mut random);
        // Negative millis cannot occur: validate keeps the window after 1976.
        let id = uuid::Builder::from_unix_timestamp_millis(at.max(0) as u64, &random).into_uuid();
        let mut text = [0u8; 36];
        id.hyphenated().encode_lower(&mut text);
        (id, text)
    }

    /// Writes the key and payload of `draft`, letting `adjust` corrupt the fields.
    fn write(
        &mut self,
        draft: &Draft,
        id_text: &[u8],
        adjust: impl FnOnce(&mut EventJson<'_>),
    ) -> (Vec<u8>, Vec<u8>) {
        let pick = self.rng.next_u32();
        let has_ip = !matches!(draft.event_type, EventType::Sent | EventType::Bounce);
        let mut json = EventJson {
            event_id: id_text,
            organization_id: self.plan.organization_id(draft.org),
            campaign_id: Some(draft.campaign_id),
            contact_id: draft.contact_id,
            event_type: draft.event_type.as_str(),
            occurred_at_ms: draft.at,
            ip: has_ip.then(|| client_ip(draft.contact_id, pick)),
            data: Data::Typical {
                event_type: draft.event_type,
                pick,
            },
        };
        adjust(&mut json);
        let mut payload = Vec::with_capacity(PAYLOAD_CAPACITY);
        write_event(&mut payload, &json);
        let mut key = Vec::with_capacity(20);
        push_i64(&mut key, draft.contact_id);
        (key, payload)
    }
}

/// A fixed number of remembered records whose buffers are reused once full.
struct Ring {
    slots: Vec<Remembered>,
    capacity: usize,
    next: usize,
}

struct Remembered {
    key: Vec<u8>,
    payload: Vec<u8>,
    event_id: Uuid,
}

impl Ring {
    fn new(capacity: usize) -> Ring {
        Ring {
            slots: Vec::with_capacity(capacity),
            capacity,
            next: 0,
        }
    }

    fn len(&self) -> usize {
        self.slots.len()
    }

    fn push(&mut self, key: &[u8], payload: &[u8], event_id: Uuid) {
        if self.slots.len() < self.capacity {
            self.slots.push(Remembered {
                key: key.to_vec(),
                payload: payload.to_vec(),
                event_id,
            });
        } else {
            let slot = &mut self.slots[self.next];
            slot.key.clear();
            slot.key.extend_from_slice(key);
            slot.payload.clear();
            slot.payload.extend_from_slice(payload);
            slot.event_id = event_id;
        }
        self.next = (self.next + 1) % self.capacity;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occurred_at(record: &Record) -> i64 {
        let v: serde_json::Value =
            serde_json::from_slice(&record.payload).expect("a valid record is JSON");
        let text = v["occurred_at"].as_str().expect("occurred_at is text");
        let at: chrono::DateTime<chrono::Utc> = text.parse().expect("occurred_at is RFC 3339");
        at.timestamp_millis()
    }

    /// Valid records come in `occurred_at` order, spread evenly over every day of the
    /// window, with or without duplicates and malformed records between them.
    #[test]
    fn valid_records_are_in_time_order_and_fill_the_window() {
        let start = NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date");
        for (duplicate_rate, malformed_rate) in [(0.0, 0.0), (0.01, 0.005)] {
            let mut plan = SimulationPlan::new(start, 7, 200_000);
            plan.duplicate_rate = duplicate_rate;
            plan.malformed_rate = malformed_rate;
            let mut per_day = [0u64; 7];
            let mut last = i64::MIN;
            let mut generator = generate(&plan).expect("a valid plan");
            let mut most_pending = 0;
            while let Some(record) = generator.next() {
                most_pending = most_pending.max(generator.walks.pending());
                let Expect::Stored { day, .. } = record.expect else {
                    assert!(duplicate_rate > 0.0, "{:?}", record.expect);
                    continue;
                };
                let at = occurred_at(&record);
                assert!(at >= last, "{at} after {last}");
                last = at;
                let index = (day - start).num_days();
                per_day[usize::try_from(index).expect("a day in the window")] += 1;
            }
            assert!(per_day[0] > 0 && per_day[6] > 0, "{per_day:?}");
            let mean = per_day.iter().sum::<u64>() / 7;
            for (i, n) in per_day.iter().enumerate() {
                assert!(n.abs_diff(mean) * 100 <= mean * 35, "day {i}: {per_day:?}");
            }
            // A few hours of sends are in progress at once, not the stream.
            assert!(most_pending < 1_000, "{most_pending} pending steps");
        }
    }
}
