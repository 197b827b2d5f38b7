//! HyperLogLog sketches of unique contacts. Daily exact counts cannot be summed into a
//! week's, a month's or a campaign's unique contacts, but sketches can be merged: ingest
//! writes one small sketch fragment per batch and day, and the aggregator merges them
//! into week, month and lifetime sketches (docs/decisions.md has the measurements).
//!
//! Registers follow Ertl's formulation ("New cardinality estimation algorithms for
//! HyperLogLog sketches", 2017): 2^14 registers of the trailing-zero count of a 64-bit
//! hash, estimated with his improved raw estimator, which needs neither bias tables nor a
//! switch to linear counting. The standard error is 1.04 / sqrt(2^14) = 0.81%.

use std::collections::BTreeMap;

use schema::{EventType, PgEnum};

/// Bits of the hash that choose a register.
pub const PRECISION: u32 = 14;
/// Number of registers.
const M: usize = 1 << PRECISION;
/// Bits of the hash left to count trailing zeros in.
const Q: u32 = 64 - PRECISION;
/// A sketch is encoded sparse up to this many set registers: three bytes each, so this
/// is where sparse stops being the smaller of the two encodings.
const SPARSE_LIMIT: usize = M / 3;
/// A sparse sketch that is merged into turns dense past this many registers: merging
/// into a sorted list costs its length, into dense registers only the other's, and an
/// accumulator of many small fragments would otherwise pay the former each time.
const MERGE_SPARSE_LIMIT: usize = 256;
/// The first byte of every encoding, so that a later format can be told apart.
const VERSION: u8 = 1;
const SPARSE: u8 = 0;
const DENSE: u8 = 1;

/// A bad encoding: the bytes did not come from [`Sketch::encode`] or [`Fragment::encode`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("corrupt sketch: {0}")]
pub struct SketchError(&'static str);

/// A mergeable estimate of the number of distinct contacts it has seen.
#[derive(Debug, Clone, Default)]
pub struct Sketch {
    repr: Repr,
}

/// Equal when the registers are, whichever representation holds them.
impl PartialEq for Sketch {
    fn eq(&self, other: &Sketch) -> bool {
        self.set_registers() == other.set_registers()
    }
}

impl Eq for Sketch {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    /// Set registers only, sorted by index, no index twice.
    Sparse(Vec<(u16, u8)>),
    /// Every register.
    Dense(Box<[u8]>),
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Sparse(Vec::new())
    }
}

/// The register a contact lands in and the value it offers that register.
fn register(contact_id: i64) -> (u16, u8) {
    let h = mix(contact_id as u64);
    let index = (h & (M as u64 - 1)) as u16;
    let rest = h >> PRECISION;
    // `rest` holds Q bits; all zero means Q trailing zeros, hence the cap.
    let value = rest.trailing_zeros().min(Q) + 1;
    (index, value as u8)
}

/// MurmurHash3's 64-bit finalizer: contact ids are small and sequential, and every bit
/// of the result must look random.
fn mix(mut x: u64) -> u64 {
    x ^= 0x9e37_79b9_7f4a_7c15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

impl Sketch {
    /// An empty sketch.
    pub fn new() -> Sketch {
        Sketch::default()
    }

    /// A sketch of `contacts` (repeats are harmless).
    pub fn of(contacts: impl IntoIterator<Item = i64>) -> Sketch {
        Sketch::from_registers(contacts.into_iter().map(register).collect())
    }

    /// Builds from (index, value) pairs in any order, keeping each index's maximum.
    fn from_registers(mut pairs: Vec<(u16, u8)>) -> Sketch {
        pairs.sort_unstable();
        // Sorted ascending, so the last pair of a run holds the index's maximum.
        let mut out: Vec<(u16, u8)> = Vec::with_capacity(pairs.len());
        for (i, v) in pairs {
            match out.last_mut() {
                Some(last) if last.0 == i => last.1 = v,
                _ => out.push((i, v)),
            }
        }
        let mut sketch = Sketch {
            repr: Repr::Sparse(out),
        };
        sketch.densify_if_large();
        sketch
    }

    /// Whether no contact was ever added.
    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Sparse(p) => p.is_empty(),
            Repr::Dense(r) => r.iter().all(|&v| v == 0),
        }
    }

    /// Adds every contact `other` has seen: the sketch of the union of both sets.
    pub fn merge(&mut self, other: &Sketch) {
        if let (Repr::Sparse(mine), Repr::Sparse(theirs)) = (&self.repr, &other.repr)
            && mine.len() + theirs.len() > MERGE_SPARSE_LIMIT
        {
            self.densify();
        }
        let merged = match (&mut self.repr, &other.repr) {
            (Repr::Dense(mine), Repr::Dense(theirs)) => {
                for (a, b) in mine.iter_mut().zip(theirs.iter()) {
                    *a = (*a).max(*b);
                }
                None
            }
            (Repr::Dense(mine), Repr::Sparse(theirs)) => {
                for &(i, v) in theirs {
                    let r = &mut mine[usize::from(i)];
                    *r = (*r).max(v);
                }
                None
            }
            (Repr::Sparse(mine), Repr::Dense(theirs)) => {
                let mut dense = theirs.clone();
                for &(i, v) in mine.iter() {
                    let r = &mut dense[usize::from(i)];
                    *r = (*r).max(v);
                }
                Some(Repr::Dense(dense))
            }
            (Repr::Sparse(mine), Repr::Sparse(theirs)) => {
                Some(Repr::Sparse(merge_sorted(mine, theirs)))
            }
        };
        if let Some(repr) = merged {
            self.repr = repr;
        }
    }

    fn densify_if_large(&mut self) {
        if let Repr::Sparse(pairs) = &self.repr
            && pairs.len() > SPARSE_LIMIT
        {
            self.densify();
        }
    }

    fn densify(&mut self) {
        if let Repr::Sparse(pairs) = &self.repr {
            let mut dense = vec![0u8; M].into_boxed_slice();
            for &(i, v) in pairs {
                dense[usize::from(i)] = v;
            }
            self.repr = Repr::Dense(dense);
        }
    }

    /// The set registers as sorted (index, value) pairs, whatever the representation.
    fn set_registers(&self) -> Vec<(u16, u8)> {
        match &self.repr {
            Repr::Sparse(pairs) => pairs.clone(),
            Repr::Dense(registers) => registers
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != 0)
                .map(|(i, v)| (i as u16, *v))
                .collect(),
        }
    }

    /// The estimated number of distinct contacts (0.81% standard error).
    pub fn estimate(&self) -> u64 {
        // How many registers hold each value 0 ..= Q + 1.
        let mut histogram = [0u32; Q as usize + 2];
        match &self.repr {
            Repr::Sparse(pairs) => {
                histogram[0] = (M - pairs.len()) as u32;
                for &(_, v) in pairs {
                    histogram[usize::from(v)] += 1;
                }
            }
            Repr::Dense(registers) => {
                for &v in registers.iter() {
                    histogram[usize::from(v)] += 1;
                }
            }
        }
        let m = M as f64;
        let mut z = m * tau((m - f64::from(histogram[Q as usize + 1])) / m);
        for k in (1..=Q as usize).rev() {
            z = 0.5 * (z + f64::from(histogram[k]));
        }
        z += m * sigma(f64::from(histogram[0]) / m);
        let alpha_inf = 1.0 / (2.0 * std::f64::consts::LN_2);
        (alpha_inf * m * m / z).round() as u64
    }

    /// The bytes stored in Postgres: version, kind, then the registers.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(VERSION);
        let sparse = match &self.repr {
            Repr::Sparse(pairs) => Some(std::borrow::Cow::Borrowed(pairs)),
            Repr::Dense(registers) => {
                let set = registers.iter().filter(|v| **v != 0).count();
                (set <= SPARSE_LIMIT).then(|| std::borrow::Cow::Owned(self.set_registers()))
            }
        };
        if let Some(pairs) = sparse {
            out.push(SPARSE);
            out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
            for &(i, v) in pairs.iter() {
                out.extend_from_slice(&i.to_le_bytes());
                out.push(v);
            }
        } else if let Repr::Dense(registers) = &self.repr {
            out.push(DENSE);
            out.extend_from_slice(registers);
        }
    }

    /// Reads what [`Sketch::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<Sketch, SketchError> {
        let mut reader = Reader(bytes);
        let sketch = Sketch::read(&mut reader)?;
        if !reader.0.is_empty() {
            return Err(SketchError("trailing bytes"));
        }
        Ok(sketch)
    }

    fn read(r: &mut Reader<'_>) -> Result<Sketch, SketchError> {
        if r.u8()? != VERSION {
            return Err(SketchError("unknown version"));
        }
        let repr = match r.u8()? {
            SPARSE => {
                let n = r.u32()? as usize;
                if n > M {
                    return Err(SketchError("more registers than the sketch has"));
                }
                let mut pairs = Vec::with_capacity(n);
                for _ in 0..n {
                    let i = r.u16()?;
                    let v = r.u8()?;
                    if usize::from(i) >= M || u32::from(v) > Q + 1 || v == 0 {
                        return Err(SketchError("register out of range"));
                    }
                    if pairs.last().is_some_and(|&(last, _)| last >= i) {
                        return Err(SketchError("registers out of order"));
                    }
                    pairs.push((i, v));
                }
                Repr::Sparse(pairs)
            }
            DENSE => {
                let registers = r.take(M)?;
                if registers.iter().any(|&v| u32::from(v) > Q + 1) {
                    return Err(SketchError("register out of range"));
                }
                Repr::Dense(registers.to_vec().into_boxed_slice())
            }
            _ => return Err(SketchError("unknown kind")),
        };
        Ok(Sketch { repr })
    }
}

fn merge_sorted(a: &[(u16, u8)], b: &[(u16, u8)]) -> Vec<(u16, u8)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1.max(b[j].1)));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Ertl's sigma: the correction for registers still at zero.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if z == before {
            return z;
        }
    }
}

/// Ertl's tau: the correction for registers at their maximum.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if z == before {
            return z / 3.0;
        }
    }
}

/// The key a fragment's sketches are kept under.
pub type SketchKey = (i64, i64, EventType);

/// A sketch with the number of events it was built from, which bounds the estimate: a
/// set of contacts is never larger than the events that named them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counted {
    /// Events seen, repeats of a contact included.
    pub events: u64,
    /// Their distinct contacts.
    pub sketch: Sketch,
}

impl Counted {
    /// Adds `other`'s events and contacts.
    pub fn merge(&mut self, other: &Counted) {
        self.events += other.events;
        self.sketch.merge(&other.sketch);
    }

    /// The estimated distinct contacts, never more than the events.
    pub fn estimate(&self) -> u64 {
        self.sketch.estimate().min(self.events)
    }
}

/// The sketches of one ingest batch's events of one day, per organization, campaign and
/// event type: what ingest stores with the batch for the aggregator to merge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fragment {
    /// Per (organization, campaign, event type).
    pub sketches: BTreeMap<SketchKey, Counted>,
}

impl Fragment {
    /// The fragment of `(organization, campaign, event type, contact)` tuples.
    pub fn of(events: impl IntoIterator<Item = (i64, i64, EventType, i64)>) -> Fragment {
        let mut pairs: Vec<(SketchKey, (u16, u8))> = events
            .into_iter()
            .map(|(org, campaign, kind, contact)| ((org, campaign, kind), register(contact)))
            .collect();
        pairs.sort_unstable_by_key(|(key, _)| *key);
        let mut sketches = BTreeMap::new();
        for group in pairs.chunk_by(|a, b| a.0 == b.0) {
            let registers = group.iter().map(|(_, r)| *r).collect();
            sketches.insert(
                group[0].0,
                Counted {
                    events: group.len() as u64,
                    sketch: Sketch::from_registers(registers),
                },
            );
        }
        Fragment { sketches }
    }

    /// The bytes stored in event_sketch_fragments.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION];
        out.extend_from_slice(&(self.sketches.len() as u32).to_le_bytes());
        for ((org, campaign, kind), counted) in &self.sketches {
            out.extend_from_slice(&org.to_le_bytes());
            out.extend_from_slice(&campaign.to_le_bytes());
            out.push(type_index(*kind));
            out.extend_from_slice(&counted.events.to_le_bytes());
            counted.sketch.encode_into(&mut out);
        }
        out
    }

    /// Reads what [`Fragment::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<Fragment, SketchError> {
        let mut r = Reader(bytes);
        if r.u8()? != VERSION {
            return Err(SketchError("unknown fragment version"));
        }
        let n = r.u32()?;
        let mut sketches = BTreeMap::new();
        for _ in 0..n {
            let org = r.i64()?;
            let campaign = r.i64()?;
            let kind = *EventType::ALL
                .get(usize::from(r.u8()?))
                .ok_or(SketchError("unknown event type"))?;
            let events = r.u64()?;
            let sketch = Sketch::read(&mut r)?;
            sketches.insert((org, campaign, kind), Counted { events, sketch });
        }
        if !r.0.is_empty() {
            return Err(SketchError("trailing bytes"));
        }
        Ok(Fragment { sketches })
    }
}

fn type_index(kind: EventType) -> u8 {
    EventType::ALL
        .iter()
        .position(|k| *k == kind)
        .map_or(u8::MAX, |i| i as u8)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SketchError> {
        if self.0.len() < n {
            return Err(SketchError("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SketchError> {
        self.take(N)?
            .try_into()
            .map_err(|_| SketchError("truncated"))
    }

    fn u8(&mut self) -> Result<u8, SketchError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, SketchError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, SketchError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, SketchError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, SketchError> {
        Ok(i64::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests;
