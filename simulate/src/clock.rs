//! The stream's clock: the UTC window of a plan, shared evenly between the records of
//! the stream, so that events come out in time order and fill the window exactly.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The UTC window in Unix milliseconds: `[start, start + len)`.
#[derive(Clone, Copy)]
pub(super) struct Window {
    /// First millisecond of the window.
    pub start: i64,
    /// Length in milliseconds.
    pub len: i64,
}

impl Window {
    /// `t`, pulled back to the window's last millisecond if past it.
    pub fn clamp(self, t: i64) -> i64 {
        t.min(self.start + self.len - 1)
    }
}

/// Unix milliseconds `[from, to)`, possibly empty.
#[derive(Clone, Copy)]
pub(super) struct Span {
    /// First millisecond.
    pub from: i64,
    /// First millisecond after the span.
    pub to: i64,
}

impl Span {
    /// A uniformly random moment of the span (its start if it is empty).
    pub fn random(self, rng: &mut ChaCha8Rng) -> i64 {
        if self.to > self.from {
            rng.random_range(self.from..self.to)
        } else {
            self.from
        }
    }
}

/// The stream's clock: the window shared evenly between the `n` records of a stream,
/// record `i` getting `[start + len * i / n, start + len * (i + 1) / n)`, so the last
/// one ends at the window's end. Stepped in integers (a quotient and a carried
/// remainder): the same on every platform, and no division per record.
pub(super) struct Clock {
    now: i64,
    step: i64,
    carry: u128,
    remainder: u128,
    n: u128,
}

impl Clock {
    /// The clock of a stream of `n` records over `window`.
    pub fn new(window: Window, n: u64) -> Clock {
        let n = u128::from(n.max(1));
        let len = u128::try_from(window.len).unwrap_or(0);
        Clock {
            now: window.start,
            // At most the window's length, so the narrowing is lossless.
            step: (len / n) as i64,
            carry: len % n,
            remainder: 0,
            n,
        }
    }

    /// The next record's span; empty when the records outnumber the milliseconds.
    pub fn tick(&mut self) -> Span {
        let from = self.now;
        self.now += self.step;
        self.remainder += self.carry;
        if self.remainder >= self.n {
            self.remainder -= self.n;
            self.now += 1;
        }
        Span { from, to: self.now }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_shares_the_window_evenly_and_ends_at_its_end() {
        let window = Window {
            start: 5_000,
            len: 1_000,
        };
        for n in [1u64, 3, 7, 999, 1_000, 1_001, 2_500] {
            let mut clock = Clock::new(window, n);
            for i in 0..n {
                let span = clock.tick();
                let at = |i: u64| window.start + (1_000 * i / n) as i64;
                assert_eq!((span.from, span.to), (at(i), at(i + 1)), "{i} of {n}");
            }
        }
    }
}
