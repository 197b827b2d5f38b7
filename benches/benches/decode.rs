//! Decoding and validating one wire-format record (`ingest::decode::decode`), the work
//! done for every Kafka record before batching.
//!
//! Run with `cargo bench -p benches --bench decode`; criterion reports the time per
//! record and, through `Throughput::Elements(1)`, records per second. `decode/json_scan`
//! is the baseline measured in the same run: serde_json only checking the example's
//! syntax (`IgnoredAny`), the least any JSON decoder must do; on a shared machine the
//! ratio of `example` to it is steadier than either absolute figure.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ingest::{Limits, decode};

/// The wire format's example record (`docs/events.md`).
const EXAMPLE: &str = r#"{"event_id": "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40", "organization_id": 7, "campaign_id": 4211, "contact_id": 991827,
 "event_type": "CLICK", "occurred_at": "2026-11-21T10:15:00.123Z", "ip_address": "203.0.113.7",
 "event_data": {"url": "https://example.com/offer", "user_agent": "Mozilla/5.0"}}"#;

/// The same record with the bad event type most often seen in practice (lower case).
const REFUSED: &str = r#"{"event_id": "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40", "organization_id": 7, "campaign_id": 4211, "contact_id": 991827,
 "event_type": "click", "occurred_at": "2026-11-21T10:15:00.123Z", "ip_address": "203.0.113.7",
 "event_data": {"url": "https://example.com/offer", "user_agent": "Mozilla/5.0"}}"#;

fn bench_decode(c: &mut Criterion) {
    let limits = Limits::default();
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad bench clock: {e}"));
    assert!(decode(EXAMPLE.as_bytes(), &limits, now).is_ok());
    assert!(decode(REFUSED.as_bytes(), &limits, now).is_err());

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("json_scan", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(EXAMPLE.as_bytes())))
    });
    for (name, payload) in [("example", EXAMPLE), ("refused", REFUSED)] {
        group.bench_with_input(BenchmarkId::from_parameter(name), payload, |b, payload| {
            b.iter(|| decode(black_box(payload.as_bytes()), &limits, now))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
