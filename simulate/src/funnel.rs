//! The funnel each (campaign, contact) pair walks, and the order of the stream: a clock
//! that runs from the window's start to its end over the stream's records, walks that
//! start with a SENT at the clock, and their later steps waiting in a min-heap until the
//! clock reaches them. So the valid events come out in `occurred_at` order, many pairs'
//! walks interleaved, as a live stream would carry them; the pairs are visited in a
//! shuffled order.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use schema::EventType;

use super::clock::{Span, Window};
use super::{FunnelRates, SimulationPlan};

/// One event of a (campaign, contact) pair's funnel walk.
#[derive(Clone, Copy)]
pub(super) struct Step {
    /// Organization index (0-based).
    pub org: u32,
    /// Campaign index within the organization (0-based).
    pub campaign: u32,
    /// Contact index within the organization (0-based).
    pub contact: u32,
    /// What happened.
    pub event_type: EventType,
    /// When, in Unix milliseconds.
    pub at: i64,
}

impl Step {
    /// The walk's event after this one, if it goes on. After SENT comes either BOUNCE
    /// (the end) or OPEN -> CLICK -> FORM_VIEW -> FORM_SUBMIT as far as the rates take
    /// it, then maybe UNSUBSCRIBE; each a few seconds to hours after the previous,
    /// pulled back into the window.
    fn next(&self, rng: &mut ChaCha8Rng, rates: &FunnelRates, window: Window) -> Option<Step> {
        let funnel = match self.event_type {
            EventType::Sent => {
                if rng.random::<f64>() < rates.bounce {
                    let delay = rng.random_range(1_000..60_000);
                    return Some(self.then(EventType::Bounce, delay, window));
                }
                Some((rates.open, EventType::Open))
            }
            EventType::Open => Some((rates.click, EventType::Click)),
            EventType::Click => Some((rates.form_view, EventType::FormView)),
            EventType::FormView => Some((rates.form_submit, EventType::FormSubmit)),
            EventType::FormSubmit => None,
            EventType::Bounce | EventType::Unsubscribe => return None,
        };
        if let Some((rate, event_type)) = funnel
            && rng.random::<f64>() < rate
        {
            let delay = match event_type {
                EventType::Open => human_delay(rng),
                EventType::Click => rng.random_range(1_000..600_000),
                EventType::FormView => rng.random_range(500..15_000),
                _ => rng.random_range(20_000..900_000),
            };
            return Some(self.then(event_type, delay, window));
        }
        if rng.random::<f64>() < rates.unsubscribe {
            let delay = rng.random_range(5_000..3_600_000);
            return Some(self.then(EventType::Unsubscribe, delay, window));
        }
        None
    }

    fn then(&self, event_type: EventType, delay: i64, window: Window) -> Step {
        Step {
            event_type,
            at: window.clamp(self.at + delay),
            ..*self
        }
    }
}

/// How long after delivery an email is opened: seconds (often), minutes, or hours.
/// Integer arithmetic only, so the output is identical on every platform.
fn human_delay(rng: &mut ChaCha8Rng) -> i64 {
    match rng.random_range(0..100u32) {
        0..40 => rng.random_range(2_000..60_000),
        40..75 => rng.random_range(60_000..900_000),
        75..92 => rng.random_range(900_000..7_200_000),
        _ => rng.random_range(7_200_000..28_800_000),
    }
}

/// The walks in progress, in time order: each one's next step waits in a min-heap keyed
/// by (time, sequence number), so ties come out in the order they were scheduled. Only
/// pending steps are held: memory grows with the sends per hour, not with the stream.
pub(super) struct Walks {
    pending: BinaryHeap<Reverse<Pending>>,
    scheduled: u64,
    pairs: Pairs,
    rates: FunnelRates,
    window: Window,
}

/// A step waiting for the clock, and the sequence number that breaks ties.
struct Pending {
    step: Step,
    seq: u64,
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.step.at, self.seq).cmp(&(other.step.at, other.seq))
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pending {}

impl Walks {
    /// No walk in progress yet; the pairs of a valid plan in shuffled order.
    pub fn new(plan: &SimulationPlan, rng: &mut ChaCha8Rng, window: Window) -> Walks {
        Walks {
            pending: BinaryHeap::new(),
            scheduled: 0,
            pairs: Pairs::new(plan, rng),
            rates: plan.rates,
            window,
        }
    }

    /// The next valid event, for a record whose clock span is `span`: the earliest
    /// pending step if it is due before the span ends, else the SENT that starts the
    /// next pair's walk, in the span. Never earlier than the event before it.
    pub fn next(&mut self, rng: &mut ChaCha8Rng, span: Span) -> Step {
        if let Some(mut due) = self.pending.peek_mut()
            && due.0.step.at < span.to
        {
            let step = due.0.step;
            match step.next(rng, &self.rates, self.window) {
                // Replacing the top sifts once, where a pop and a push would twice.
                Some(next) => {
                    self.scheduled += 1;
                    *due = Reverse(Pending {
                        step: next,
                        seq: self.scheduled,
                    });
                }
                None => {
                    PeekMut::pop(due);
                }
            }
            return step;
        }
        let (org, campaign, contact) = self.pairs.next(rng);
        let sent = Step {
            org,
            campaign,
            contact,
            event_type: EventType::Sent,
            at: span.random(rng),
        };
        if let Some(next) = sent.next(rng, &self.rates, self.window) {
            self.scheduled += 1;
            self.pending.push(Reverse(Pending {
                step: next,
                seq: self.scheduled,
            }));
        }
        sent
    }

    /// How many steps are waiting.
    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

/// Visits every (organization, campaign, contact) pair once per round, in an order
/// shuffled by an affine permutation (`a * i + b mod n`, `a` coprime to `n`), then
/// starts a new round with a new permutation (campaigns are sent again).
pub(super) struct Pairs {
    n: u64,
    organizations: u64,
    campaigns: u64,
    i: u64,
    a: u64,
    b: u64,
}

impl Pairs {
    /// The pairs of a valid plan.
    pub fn new(plan: &SimulationPlan, rng: &mut ChaCha8Rng) -> Pairs {
        let organizations = u64::from(plan.organizations);
        let campaigns = u64::from(plan.campaigns_per_organization);
        let mut pairs = Pairs {
            n: organizations * campaigns * u64::from(plan.contacts_per_organization),
            organizations,
            campaigns,
            i: 0,
            a: 1,
            b: 0,
        };
        pairs.shuffle(rng);
        pairs
    }

    fn shuffle(&mut self, rng: &mut ChaCha8Rng) {
        if self.n < 2 {
            return;
        }
        let mut a = rng.random_range(1..self.n);
        while gcd(a, self.n) != 1 {
            a = if a + 1 >= self.n { 1 } else { a + 1 };
        }
        self.a = a;
        self.b = rng.random_range(0..self.n);
        self.i = 0;
    }

    /// The next pair as (organization, campaign, contact) indexes.
    pub fn next(&mut self, rng: &mut ChaCha8Rng) -> (u32, u32, u32) {
        if self.i >= self.n {
            self.shuffle(rng);
            self.i = 0;
        }
        let idx = ((u128::from(self.a) * u128::from(self.i) + u128::from(self.b))
            % u128::from(self.n.max(1))) as u64;
        self.i += 1;
        let per_contact = self.organizations * self.campaigns;
        let rest = idx % per_contact;
        // Bounded by the plan's u32 counts, so the narrowing is lossless.
        (
            (rest % self.organizations) as u32,
            (rest / self.organizations) as u32,
            (idx / per_contact) as u32,
        )
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::clock::Clock;

    #[test]
    fn each_round_visits_every_pair_once() {
        let mut plan = SimulationPlan::new(chrono::NaiveDate::MIN, 1, 0);
        plan.organizations = 3;
        plan.campaigns_per_organization = 4;
        plan.contacts_per_organization = 25;
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut pairs = Pairs::new(&plan, &mut rng);
        for _round in 0..3 {
            let mut seen = std::collections::HashSet::new();
            for _ in 0..300 {
                let (o, c, k) = pairs.next(&mut rng);
                assert!(o < 3 && c < 4 && k < 25);
                assert!(seen.insert((o, c, k)));
            }
        }
    }

    #[test]
    fn walks_follow_the_funnel_in_time_order_and_in_the_window() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let window = Window {
            start: 1_000_000,
            len: 86_400_000,
        };
        let rates = FunnelRates {
            bounce: 0.1,
            open: 0.9,
            click: 0.9,
            form_view: 0.9,
            form_submit: 0.9,
            unsubscribe: 0.5,
        };
        let mut seen = std::collections::HashSet::new();
        for i in 0..10_000 {
            let mut step = Step {
                org: 0,
                campaign: 0,
                contact: 0,
                event_type: EventType::Sent,
                at: window.start + i * 8_640,
            };
            let mut walk = vec![step.event_type];
            while let Some(next) = step.next(&mut rng, &rates, window) {
                assert!(next.at >= step.at && next.at < window.start + window.len);
                walk.push(next.event_type);
                step = next;
            }
            seen.insert(walk);
        }
        let funnel = [
            EventType::Sent,
            EventType::Open,
            EventType::Click,
            EventType::FormView,
            EventType::FormSubmit,
        ];
        let mut allowed = vec![vec![EventType::Sent, EventType::Bounce]];
        for len in 1..=funnel.len() {
            allowed.push(funnel[..len].to_vec());
            allowed.push([&funnel[..len], &[EventType::Unsubscribe]].concat());
        }
        for walk in &seen {
            assert!(allowed.contains(walk), "{walk:?}");
        }
        assert_eq!(seen.len(), allowed.len());
    }

    #[test]
    fn pending_steps_come_out_in_time_order() {
        let mut plan = SimulationPlan::new(chrono::NaiveDate::MIN, 1, 0);
        plan.rates.open = 0.9;
        plan.rates.click = 0.9;
        plan.rates.unsubscribe = 0.3;
        let window = Window {
            start: 0,
            len: 86_400_000,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        // Then ten times more records than milliseconds: most spans are empty.
        for n in [50_000u64, 864_000_000] {
            let mut walks = Walks::new(&plan, &mut rng, window);
            let mut clock = Clock::new(window, n);
            let mut last = i64::MIN;
            for _ in 0..50_000 {
                let step = walks.next(&mut rng, clock.tick());
                assert!(step.at >= last, "{} after {last}", step.at);
                last = step.at;
            }
        }
    }
}
