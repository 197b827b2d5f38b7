#![allow(clippy::unwrap_used)]

use super::*;

/// Relative error of the estimate of `n` sequential contact ids starting at `start`.
fn error_of(start: i64, n: i64) -> f64 {
    let estimate = Sketch::of(start..start + n).estimate() as f64;
    (estimate - n as f64) / n as f64
}

#[test]
fn empty_sketch_estimates_zero() {
    assert_eq!(Sketch::new().estimate(), 0);
    assert!(Sketch::new().is_empty());
    assert!(!Sketch::of([7]).is_empty());
}

#[test]
fn small_sets_are_off_by_a_few_at_most() {
    for n in [1, 2, 10, 100, 1_000] {
        for trial in 0..20 {
            let estimate = Sketch::of(trial * 10_000_000..trial * 10_000_000 + n).estimate() as i64;
            let allowed = (n as f64 * 0.025).max(1.0) as i64;
            assert!(
                (estimate - n).abs() <= allowed,
                "n = {n}, trial {trial}: estimate {estimate}"
            );
        }
    }
}

#[test]
fn large_sets_are_within_three_standard_errors() {
    // 0.81% standard error; the hash is fixed, so this is deterministic, not flaky.
    let bound = 3.0 * 1.04 / (M as f64).sqrt();
    let mut worst: f64 = 0.0;
    for n in [5_000, 20_000, 100_000, 1_000_000] {
        for trial in 0..3 {
            let e = error_of(1 + trial * 100_000_000, n);
            worst = worst.max(e.abs());
            assert!(e.abs() <= bound, "n = {n}, trial {trial}: error {e:.4}");
        }
    }
    assert!(
        worst > 0.0,
        "an estimate this exact means the test measures nothing"
    );
}

#[test]
fn repeats_do_not_count() {
    let once = Sketch::of(0..5_000);
    let thrice = Sketch::of((0..5_000).chain(0..5_000).chain(2_000..3_000));
    assert_eq!(once, thrice);
}

#[test]
fn merge_is_the_sketch_of_the_union() {
    for (a, b) in [
        (0..300, 200..700),
        (0..9_000, 4_000..30_000),
        (0..50, 0..40_000),
    ] {
        let mut merged = Sketch::of(a.clone());
        merged.merge(&Sketch::of(b.clone()));
        assert_eq!(merged, Sketch::of(a.clone().chain(b.clone())));
        // Merging is idempotent and commutative.
        let mut again = Sketch::of(b.clone());
        again.merge(&Sketch::of(a.clone()));
        again.merge(&Sketch::of(a));
        assert_eq!(again, merged);
    }
}

#[test]
fn sparse_becomes_dense_when_large() {
    let small = Sketch::of(0..100);
    assert!(matches!(small.repr, Repr::Sparse(_)));
    let large = Sketch::of(0..50_000);
    assert!(matches!(large.repr, Repr::Dense(_)));
    assert!(small.encode().len() < 400);
    assert_eq!(large.encode().len(), M + 2);
}

#[test]
fn encodings_round_trip() {
    for sketch in [Sketch::new(), Sketch::of(0..100), Sketch::of(0..100_000)] {
        assert_eq!(Sketch::decode(&sketch.encode()).unwrap(), sketch);
    }
    let fragment = Fragment::of([
        (1, 10, EventType::Sent, 5),
        (1, 10, EventType::Sent, 6),
        (1, 10, EventType::Open, 5),
        (2, 20, EventType::FormSubmit, 9),
    ]);
    assert_eq!(fragment.sketches.len(), 3);
    assert_eq!(Fragment::decode(&fragment.encode()).unwrap(), fragment);
    assert_eq!(fragment.sketches[&(1, 10, EventType::Sent)].estimate(), 2);
    assert_eq!(fragment.sketches[&(1, 10, EventType::Sent)].events, 2);
}

#[test]
fn corrupt_bytes_are_refused() {
    let good = Fragment::of([(1, 10, EventType::Click, 5)]).encode();
    for cut in 0..good.len() {
        assert!(Fragment::decode(&good[..cut]).is_err(), "cut at {cut}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(
        Fragment::decode(&longer),
        Err(SketchError("trailing bytes"))
    );
    let mut bad_version = good;
    bad_version[0] = 9;
    assert!(Fragment::decode(&bad_version).is_err());
    assert!(Sketch::decode(&[VERSION, 7]).is_err());
    // A register value no hash can produce.
    assert!(Sketch::decode(&[VERSION, SPARSE, 1, 0, 0, 0, 3, 0, 60]).is_err());
}

#[test]
fn an_estimate_never_exceeds_the_events_counted() {
    // One event per contact: any overestimate of the sketch would show.
    let mut total = Counted::default();
    for start in (0..20_000).step_by(1_000) {
        total.merge(&Counted {
            events: 1_000,
            sketch: Sketch::of(start..start + 1_000),
        });
    }
    assert_eq!(total.events, 20_000);
    assert!(total.estimate() <= 20_000);
    assert!(total.estimate() >= 19_500, "{}", total.estimate());
}
