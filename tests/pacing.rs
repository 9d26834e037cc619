//! The predictive pacer's promises (issue 3), checked on the simulator: it is never below
//! progressive on a 3-agent team, it adapts within minutes when the answer rate changes, it stops
//! dialing for agents who log out, and its safety holds a tight target.
//!
//! Replications use fixed seeds; every comparison is paired (common random numbers: both pacers
//! meet the same callees) and each tolerance is a 95 % confidence bound, written at the assertion.

use reports::{AgentInterval, AgentState, Cdr, Direction, Metrics, Outcome, Time, student_t_975};
use sim::engine::{Sink, measure, run};
use sim::rng::replication_seed;
use sim::scenario::{Scenario, load};
use std::path::Path;

fn scenario(name: &str, overrides: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    load(&path, &overrides).unwrap_or_else(|e| panic!("{e}"))
}

fn runs(sc: &Scenario, n: u32) -> Vec<Metrics> {
    (0..n).map(|i| measure(sc, replication_seed(sc.seed, i), None).expect("runs")).collect()
}

/// Mean and 95 % half-width of a sample.
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, student_t_975(xs.len() as u64 - 1) * (var / n).sqrt())
}

#[test]
fn on_three_agents_predictive_is_never_below_progressive() {
    let n = 12;
    let pred = runs(&scenario("small-team-3.toml", &[]), n);
    let prog = runs(&scenario("small-team-3.toml", &["pacing.mode=\"progressive\""]), n);
    let diffs: Vec<f64> = pred.iter().zip(&prog).map(|(a, b)| a.agents.occupancy - b.agents.occupancy).collect();
    let (gain, ci) = mean_ci(&diffs);
    // The paired gain's 95 % lower bound is above zero (measured: about +3.5 points ± 1).
    assert!(gain - ci > 0.0, "occupancy gain over progressive {gain:.4} ± {ci:.4}");
    let worst = pred.iter().map(|m| m.outbound.abandon_rate).fold(0.0, f64::max);
    // The safety holds the cap in every run (a run may pass it only by calls already in flight).
    assert!(worst <= 0.03, "worst abandon rate {worst}");
}

/// Collects records by the hour of the run: live answers, abandons, and agents' logged-in and
/// busy time.
#[derive(Default)]
struct ByTime {
    /// (dial time, live, abandoned) of outbound calls.
    calls: Vec<(Time, bool, bool)>,
    intervals: Vec<AgentInterval>,
}

impl Sink for ByTime {
    fn cdr(&mut self, cdr: &Cdr) {
        if cdr.direction == Direction::Outbound && cdr.outcome != Outcome::Blocked {
            let live = matches!(cdr.outcome, Outcome::Connected | Outcome::Abandoned);
            self.calls.push((cdr.dial_time, live, cdr.outcome == Outcome::Abandoned));
        }
    }
    fn interval(&mut self, interval: &AgentInterval) {
        self.intervals.push(*interval);
    }
}

impl ByTime {
    /// Occupancy over [from, to): busy time over logged-in time, intervals clipped.
    fn occupancy(&self, from: Time, to: Time) -> f64 {
        let (mut busy, mut logged) = (0u64, 0u64);
        for iv in &self.intervals {
            let (a, b) = (iv.start.max(from), iv.end.min(to));
            if b <= a {
                continue;
            }
            let ms = b - a;
            logged += ms;
            if !matches!(iv.state, AgentState::Ready | AgentState::Reserved | AgentState::Paused) {
                busy += ms;
            }
        }
        busy as f64 / logged as f64
    }

    /// Abandons / live answers of calls dialled in [from, to).
    fn abandon_rate(&self, from: Time, to: Time) -> f64 {
        let window = self.calls.iter().filter(|(t, _, _)| (from..to).contains(t));
        let (live, abandoned) = window.fold((0, 0), |(l, a), &(_, live, ab)| (l + u32::from(live), a + u32::from(ab)));
        f64::from(abandoned) / f64::from(live)
    }

    fn dials(&self, from: Time, to: Time) -> usize {
        self.calls.iter().filter(|(t, _, _)| (from..to).contains(t)).count()
    }
}

fn by_time(sc: &Scenario, rep: u32) -> ByTime {
    let mut sink = ByTime::default();
    run(sc, replication_seed(sc.seed, rep), &mut sink, None).expect("runs");
    sink
}

const MIN: u64 = 60_000;

#[test]
fn when_the_answer_rate_halves_it_dials_more_within_minutes() {
    // midday-drop: 30 % of dials reach a person until t = 4 h, 15 % after.
    let sc = scenario("midday-drop.toml", &["duration=\"6h\""]);
    let at = |m: u64| Time::from_ms(m * MIN);
    let n = 6;
    let mut settled = Vec::new();
    for rep in 0..n {
        let r = by_time(&sc, rep);
        // Dials per minute double: the pacer learnt the new answer rate.
        let before = r.dials(at(180), at(240)) as f64 / 60.0;
        let after = r.dials(at(250), at(310)) as f64 / 60.0;
        assert!(after > 1.6 * before, "run {rep}: {before:.1} → {after:.1} dials a minute");
        // Ten minutes after the change, occupancy is back to within 1.5 points of the afternoon's.
        let afternoon = r.occupancy(at(270), at(360));
        settled.push(afternoon - r.occupancy(at(250), at(270)));
    }
    let (gap, ci) = mean_ci(&settled);
    // The 95 % upper bound of the shortfall 10–30 minutes after the change is under 1.5 points.
    assert!(gap + ci < 0.015, "occupancy shortfall after the change {gap:.4} ± {ci:.4}");
}

#[test]
fn when_the_answer_rate_doubles_the_abandon_burst_is_short() {
    // The reverse change, the dangerous one: from 15 % to 30 % people at t = 4 h. The pacer,
    // dialing for the morning's rate, gets twice the live answers it expected.
    let sc = scenario(
        "midday-drop.toml",
        &[
            "duration=\"6h\"",
            "population.human=0.15",
            "population.no_answer=0.6",
            "population.phases.0.human=0.30",
            "population.phases.0.no_answer=0.45",
        ],
    );
    let at = |m: u64| Time::from_ms(m * MIN);
    let mut burst = Vec::new();
    let mut after = Vec::new();
    for rep in 0..6 {
        let r = by_time(&sc, rep);
        burst.push(r.abandon_rate(at(240), at(250)));
        after.push(r.abandon_rate(at(260), at(360)));
    }
    let (b, bci) = mean_ci(&burst);
    let (a, aci) = mean_ci(&after);
    // The first ten minutes pass the cap (measured: about 6 %, calls placed for the old rate
    // meet the new one), but the 95 % upper bound stays under 10 % …
    assert!(b + bci < 0.10, "abandon rate in the ten minutes after the change {b:.4} ± {bci:.4}");
    // … and from twenty minutes on it is back under the cap (95 % upper bound).
    assert!(a + aci < 0.03, "abandon rate from 20 minutes after the change {a:.4} ± {aci:.4}");
}

#[test]
fn it_stops_dialing_for_agents_who_log_out() {
    // Everyone asks to log out at t = 3 h (the run goes on to 4 h). Agents on a call finish it
    // first, but from the moment they ask, the pacer must not dial for them.
    let overrides = [
        "duration=\"4h\"",
        "agents.groups.0.logout=\"3h\"",
        "agents.groups.1.logout=\"3h\"",
        "agents.groups.2.logout=\"3h\"",
    ];
    let sc = scenario("logout-waves.toml", &overrides);
    for rep in 0..4 {
        let r = by_time(&sc, rep);
        let at = |m: u64| Time::from_ms(m * MIN);
        assert_eq!(r.dials(at(180), at(24 * 60)), 0, "run {rep}: dials after everyone asked to leave");
        // The calls already ringing when they asked may find no one; the run stays under the cap.
        let rate = r.abandon_rate(Time::ZERO, at(24 * 60));
        assert!(rate <= 0.03, "run {rep}: abandon rate {rate:.4}");
    }
}

#[test]
fn a_tight_target_is_held_by_the_safety() {
    // A 1 % target on the 10-agent team: the fall-back to progressive keeps every run's rate at
    // the target, give or take the calls in flight when it engages.
    let sc = scenario("small-team-10.toml", &["pacing.target_abandon=0.01"]);
    for (i, m) in runs(&sc, 8).iter().enumerate() {
        let rate = m.outbound.abandon_rate;
        let slack = 2.0 / m.outbound.connects as f64; // two calls in flight, as a rate
        assert!(rate <= 0.01 + slack, "run {i}: {rate:.4} > 1 % + {slack:.4}");
    }
}
