//! The funnel each (campaign, contact) pair walks, and the shuffled order in which
//! pairs are visited.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use schema::EventType;

use super::{FunnelRates, SimulationPlan};

/// Most events one walk can produce: SENT, OPEN, CLICK, FORM_VIEW, FORM_SUBMIT,
/// UNSUBSCRIBE.
const MAX_STEPS: usize = 6;

/// One (campaign, contact) pair's events, in time order, and how many were emitted.
#[derive(Clone, Copy)]
pub(super) struct Walk {
    /// Organization index (0-based).
    pub org: u32,
    /// Campaign index within the organization (0-based).
    pub campaign: u32,
    /// Contact index within the organization (0-based).
    pub contact: u32,
    steps: [(EventType, i64); MAX_STEPS],
    len: u8,
    pos: u8,
}

/// The UTC window in Unix milliseconds: `[start, start + len)`.
#[derive(Clone, Copy)]
pub(super) struct Window {
    /// First millisecond of the window.
    pub start: i64,
    /// Length in milliseconds.
    pub len: i64,
}

impl Window {
    /// A uniformly random moment in the window.
    pub fn random(self, rng: &mut ChaCha8Rng) -> i64 {
        self.start + rng.random_range(0..self.len)
    }

    /// `t`, pulled back to the window's last millisecond if past it.
    pub fn clamp(self, t: i64) -> i64 {
        t.min(self.start + self.len - 1)
    }
}

impl Walk {
    /// Walks the funnel for one pair: SENT at a random moment of the window, then
    /// either BOUNCE or OPEN -> CLICK -> FORM_VIEW -> FORM_SUBMIT as far as the rates
    /// take it, then maybe UNSUBSCRIBE; each a few seconds to hours after the previous.
    pub fn sample(
        rng: &mut ChaCha8Rng,
        rates: &FunnelRates,
        window: Window,
        (org, campaign, contact): (u32, u32, u32),
    ) -> Walk {
        let mut walk = Walk {
            org,
            campaign,
            contact,
            steps: [(EventType::Sent, 0); MAX_STEPS],
            len: 0,
            pos: 0,
        };
        let mut t = window.random(rng);
        walk.push(EventType::Sent, t);
        if rng.random::<f64>() < rates.bounce {
            walk.push(
                EventType::Bounce,
                window.clamp(t + rng.random_range(1_000..60_000)),
            );
            return walk;
        }
        if rng.random::<f64>() < rates.open {
            t = window.clamp(t + human_delay(rng));
            walk.push(EventType::Open, t);
            if rng.random::<f64>() < rates.click {
                t = window.clamp(t + rng.random_range(1_000..600_000));
                walk.push(EventType::Click, t);
                if rng.random::<f64>() < rates.form_view {
                    t = window.clamp(t + rng.random_range(500..15_000));
                    walk.push(EventType::FormView, t);
                    if rng.random::<f64>() < rates.form_submit {
                        t = window.clamp(t + rng.random_range(20_000..900_000));
                        walk.push(EventType::FormSubmit, t);
                    }
                }
            }
        }
        if rng.random::<f64>() < rates.unsubscribe {
            t = window.clamp(t + rng.random_range(5_000..3_600_000));
            walk.push(EventType::Unsubscribe, t);
        }
        walk
    }

    fn push(&mut self, event_type: EventType, at: i64) {
        self.steps[usize::from(self.len)] = (event_type, at);
        self.len += 1;
    }

    /// The next event (type, Unix millis), if any is left.
    pub fn next_step(&mut self) -> Option<(EventType, i64)> {
        let step = self.steps.get(usize::from(self.pos)).copied();
        if self.pos < self.len {
            self.pos += 1;
            step
        } else {
            None
        }
    }

    /// Whether every event has been emitted.
    pub fn done(&self) -> bool {
        self.pos >= self.len
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
    fn walks_are_in_time_order_and_in_the_window() {
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
        for _ in 0..10_000 {
            let mut walk = Walk::sample(&mut rng, &rates, window, (0, 0, 0));
            let mut last = i64::MIN;
            let mut first = true;
            while let Some((t, at)) = walk.next_step() {
                assert_eq!(first, t == EventType::Sent);
                first = false;
                assert!(at >= last && at >= window.start && at < window.start + window.len);
                last = at;
            }
            assert!(walk.done());
        }
    }
}
