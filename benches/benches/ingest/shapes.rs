//! The stream shapes the ingest benchmark feeds: which event ids the producers make, how
//! many of the records are producer retries, how many Kafka partitions carry them and in
//! what order (and when) they reach Kafka. Real producer fleets send random v4 ids, retry,
//! often use a handful of partitions and fall behind; the benchmark's first shape (v7
//! ids, no retries, 128 partitions, a backlog) was none of these.

use chrono::{Days, NaiveDate};
use simulate::{Expect, Record, SimulationPlan};
use uuid::fmt::Hyphenated;

/// How the producers make event ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ids {
    /// Random (UUIDv4), as most tracking SDKs send them.
    V4,
    /// Time-ordered (UUIDv7), as the simulator makes them.
    V7,
}

/// The order records reach Kafka in, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// A live stream: time-ordered, produced while the ingest drains it, held within
    /// what the mock broker retains ahead of the ingest's committed offsets.
    Live,
    /// A backlog, as after an outage: the time-ordered stream in Kafka before the ingest
    /// starts, each partition one contiguous time range that the ingest reads in large
    /// per-partition chunks.
    Backlog,
    /// A backlog whose timestamps are spread over 3 days in random order.
    Shuffled,
}

/// One stream shape: what the benchmark feeds the ingest and its baselines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// The event ids.
    pub ids: Ids,
    /// Share of the records that are exact producer retries, in percent.
    pub duplicates: u32,
    /// Kafka partitions of the topic.
    pub partitions: i32,
    /// Order and timing of the records.
    pub order: Order,
}

/// The shapes `TALLY_BENCH_SHAPES=matrix` runs, by name: each value of each knob at
/// least once, the issue's targets' shapes first and the benchmark's first shape last.
pub const MATRIX: &[&str] = &[
    "v4-1-4-live",
    "v4-1-4-shuffled",
    "v4-1-4-backlog",
    "v4-5-16-backlog",
    "v4-0-128-backlog",
    "v7-0-128-backlog",
];

impl Shape {
    /// The shape of the individual knobs: `TALLY_BENCH_IDS` (v7), `TALLY_BENCH_DUPLICATES`
    /// (0), `TALLY_BENCH_ORDER` (backlog; live with the older `TALLY_BENCH_LIVE=1`),
    /// `TALLY_BENCH_PARTITIONS` (128, or 8 live). The defaults are the benchmark's first
    /// shape.
    pub fn from_knobs() -> Result<Shape, String> {
        let live = benches::knob("TALLY_BENCH_LIVE", 0) == 1;
        let text =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        let order = parse_order(&text(
            "TALLY_BENCH_ORDER",
            if live { "live" } else { "backlog" },
        ))?;
        let default_partitions = if order == Order::Live { "8" } else { "128" };
        Shape::parse(&format!(
            "{}-{}-{}-{}",
            text("TALLY_BENCH_IDS", "v7"),
            text("TALLY_BENCH_DUPLICATES", "0"),
            text("TALLY_BENCH_PARTITIONS", default_partitions),
            order.name(),
        ))
    }

    /// Parses a name `<ids>-<duplicate percent>-<partitions>-<order>`, e.g.
    /// `v4-1-4-live`; the error says which part is wrong.
    pub fn parse(name: &str) -> Result<Shape, String> {
        let parts: Vec<&str> = name.trim().split('-').collect();
        let [ids, duplicates, partitions, order] = parts[..] else {
            return Err(format!(
                "stream shape {name:?}: expected <v4|v7>-<duplicate percent>-<partitions>-<live|backlog|shuffled>, e.g. v4-1-4-live"
            ));
        };
        let ids = match ids {
            "v4" => Ids::V4,
            "v7" => Ids::V7,
            _ => {
                return Err(format!(
                    "stream shape {name:?}: ids {ids:?} is neither v4 nor v7"
                ));
            }
        };
        let duplicates = duplicates
            .parse()
            .ok()
            .filter(|d| *d < 100)
            .ok_or_else(|| {
                format!(
                    "stream shape {name:?}: duplicates {duplicates:?} is not a percent in 0..100"
                )
            })?;
        let partitions = partitions.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
            format!("stream shape {name:?}: partitions {partitions:?} is not a count of at least 1")
        })?;
        let order = parse_order(order).map_err(|e| format!("stream shape {name:?}: {e}"))?;
        Ok(Shape {
            ids,
            duplicates,
            partitions,
            order,
        })
    }

    /// The shape's name, as [`Shape::parse`] reads it.
    pub fn name(&self) -> String {
        let ids = match self.ids {
            Ids::V4 => "v4",
            Ids::V7 => "v7",
        };
        format!(
            "{ids}-{}-{}-{}",
            self.duplicates,
            self.partitions,
            self.order.name()
        )
    }

    /// The plan of the shape's distinct events: `base` (tenants, contacts) over the
    /// shape's days, which all lie in `[first_day, first_day + 7)`.
    fn plan(&self, base: &SimulationPlan, first_day: NaiveDate, distinct: u64) -> SimulationPlan {
        let mut plan = base.clone();
        plan.total_events = distinct;
        // Every record a distinct valid event: the retries are added afterwards, where a
        // retry of this shape's order goes.
        plan.duplicate_rate = 0.0;
        plan.malformed_rate = 0.0;
        (plan.start_day, plan.days) = match self.order {
            Order::Live | Order::Backlog => (first_day, 7),
            Order::Shuffled => (first_day.checked_add_days(Days::new(4)).unwrap(), 3),
        };
        plan
    }
}

impl Order {
    fn name(self) -> &'static str {
        match self {
            Order::Live => "live",
            Order::Backlog => "backlog",
            Order::Shuffled => "shuffled",
        }
    }
}

fn parse_order(order: &str) -> Result<Order, String> {
    match order {
        "live" => Ok(Order::Live),
        "backlog" => Ok(Order::Backlog),
        "shuffled" => Ok(Order::Shuffled),
        _ => Err(format!(
            "order {order:?} is none of live, backlog, shuffled"
        )),
    }
}

/// A shape's records in the order they are produced; a retry is labelled
/// [`Expect::Duplicate`], every other record [`Expect::Stored`].
pub struct Stream {
    /// The records, retries included.
    pub records: Vec<Record>,
    /// How many distinct events they hold (the rows every baseline stores).
    pub distinct: u64,
}

/// Builds `events` records of `shape`: the simulator's distinct events of `base`'s
/// tenants over the shape's days in `[first_day, first_day + 7)`, with v4 ids if asked,
/// in the shape's order, then the retries. A retry is an exact copy (key and payload, so
/// the same partition) placed a little after its original, as a producer's retry after a
/// lost acknowledgement is: within 256 records of the stream mostly, within 65,536 one
/// time in ten (the simulator's own retries are drawn alike).
pub fn build(shape: &Shape, base: &SimulationPlan, first_day: NaiveDate, events: u64) -> Stream {
    let retries = events * u64::from(shape.duplicates) / 100;
    let distinct = events - retries;
    let plan = shape.plan(base, first_day, distinct);
    let mut records: Vec<Record> = simulate::generate(&plan).unwrap().collect();
    let mut rng = SplitMix(0x7a11_b3c4);
    if shape.ids == Ids::V4 {
        for record in &mut records {
            to_v4(record);
        }
    }
    if shape.order == Order::Shuffled {
        // Fisher-Yates.
        for i in (1..records.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            records.swap(i, j);
        }
    }
    // (position of the record the retry follows, its original).
    let last = records.len().saturating_sub(1);
    let mut placed: Vec<(usize, usize)> = (0..retries)
        .map(|_| {
            let original = rng.below(distinct) as usize;
            let reach = if rng.below(10) == 0 { 65_536 } else { 256 };
            let gap = 1 + rng.below(reach) as usize;
            ((original + gap).min(last), original)
        })
        .collect();
    placed.sort_unstable();
    let mut stream = Vec::with_capacity(records.len() + placed.len());
    // Where each original went in the stream (its retries come after it).
    let mut at = Vec::with_capacity(records.len());
    let mut next = placed.iter().peekable();
    for (i, record) in records.into_iter().enumerate() {
        at.push(stream.len());
        stream.push(record);
        while let Some(&(_, original)) = next.next_if(|(after, _)| *after == i) {
            let copy = retry(&stream[at[original]]);
            stream.push(copy);
        }
    }
    Stream {
        records: stream,
        distinct,
    }
}

/// An exact copy of `record`, labelled as the duplicate it is.
fn retry(record: &Record) -> Record {
    let Expect::Stored { event_id, .. } = record.expect else {
        unreachable!("the plan makes only valid events")
    };
    Record {
        key: record.key.clone(),
        payload: record.payload.clone(),
        expect: Expect::Duplicate { event_id },
    }
}

/// Replaces the record's v7 id with a random-looking v4 one derived from it, in the
/// payload and the label, so that the rows are the same events with other ids.
fn to_v4(record: &mut Record) {
    const PREFIX: &[u8] = br#"{"event_id":""#;
    let Expect::Stored { event_id, .. } = &mut record.expect else {
        unreachable!("the plan makes only valid events")
    };
    let (hi, lo) = event_id.as_u64_pair();
    let mut mix = SplitMix(hi ^ lo.rotate_left(32));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&mix.next().to_le_bytes());
    bytes[8..].copy_from_slice(&mix.next().to_le_bytes());
    let v4 = uuid::Builder::from_random_bytes(bytes).into_uuid();
    *event_id = v4;
    assert!(
        record.payload.starts_with(PREFIX),
        "the simulator's payload no longer starts with the event id: update to_v4"
    );
    let at = PREFIX.len();
    v4.hyphenated()
        .encode_lower(&mut record.payload[at..at + Hyphenated::LENGTH]);
}

/// SplitMix64: a few lines of deterministic randomness, so that a shape is the same
/// stream in every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (Lemire's multiply-shift).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}
