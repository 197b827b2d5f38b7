//! The unique-contact sketches' cost: what ingest adds to every batch (building and
//! encoding one fragment of 10,000 events) and what the aggregator does per fragment
//! (decoding it and merging it into period sketches).
//!
//! Run with `cargo bench -p benches --bench sketch`. The baseline in the same run,
//! `batch/counters`, is the per-batch grouping ingest already does for its live
//! counters (a hash map count per organization, campaign, type and day); the ratio of
//! `batch/fragment` to it is steadier than either figure on a shared machine. The
//! fragment's encoded size is printed before the measurements.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use schema::{EventType, PgEnum};
use sketch::{Counted, Fragment};

/// A batch like the simulator's: 200 campaigns of 10 organizations, the seven types,
/// contacts drawn from a million.
fn batch(seed: u64) -> Vec<(i64, i64, EventType, i64)> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..10_000)
        .map(|_| {
            // xorshift: deterministic and cheap enough not to matter.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let campaign = (x % 200) as i64;
            let kind = EventType::ALL[((x >> 8) % 7) as usize];
            (
                1 + campaign / 20,
                1 + campaign,
                kind,
                ((x >> 16) % 1_000_000) as i64,
            )
        })
        .collect()
}

fn bench_sketch(c: &mut Criterion) {
    let events = batch(1);
    let encoded = Fragment::of(events.iter().copied()).encode();
    println!(
        "fragment of a 10,000-event batch: {} groups, {} bytes ({:.1} bytes per event)",
        Fragment::decode(&encoded).map_or(0, |f| f.sketches.len()),
        encoded.len(),
        encoded.len() as f64 / events.len() as f64
    );

    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("counters", |b| {
        b.iter(|| {
            let mut counts: HashMap<(i64, i64, EventType), i64> = HashMap::new();
            for (org, campaign, kind, _) in black_box(&events) {
                *counts.entry((*org, *campaign, *kind)).or_default() += 1;
            }
            counts
        })
    });
    group.bench_function("fragment", |b| {
        b.iter(|| Fragment::of(black_box(&events).iter().copied()).encode())
    });
    group.finish();

    // A day of 500 such batches merged into one period sketch per key, as one
    // aggregation transaction does.
    let fragments: Vec<Vec<u8>> = (0..500)
        .map(|i| Fragment::of(batch(i + 2)).encode())
        .collect();
    let mut group = c.benchmark_group("merge");
    group.sample_size(10);
    group.throughput(Throughput::Elements(500 * 10_000));
    group.bench_function("day_of_fragments", |b| {
        b.iter(|| {
            let mut merged: HashMap<(i64, i64, EventType), Counted> = HashMap::new();
            for bytes in &fragments {
                let fragment = Fragment::decode(bytes).unwrap_or_default();
                for (key, sketch) in fragment.sketches {
                    merged.entry(key).or_default().merge(&sketch);
                }
            }
            merged.values().map(Counted::estimate).sum::<u64>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_sketch);
criterion_main!(benches);
