//! What the predictive pacer learns from finished calls and agent intervals: when a call placed
//! now will need an agent, and when a busy agent will be free. Both are empirical distributions
//! over a sliding window of recent records, so they follow a change in the population within
//! minutes and assume no distribution family.

use crate::core::Time;
use reports::{AmdVerdict, Cdr, Outcome};
use std::collections::VecDeque;

/// Width of a ring-time bin.
const RING_BIN_MS: u64 = 250;
/// Ring times are resolved up to 2 minutes; longer ones share the last bin.
const RING_BINS: usize = 481;

/// How calls resolve: when each leaves ringing, and whether it then needs an agent (a live
/// answer, or a machine that AMD passed on). Learnt from the last calls' records.
#[derive(Clone, Debug)]
pub(super) struct RingModel {
    /// The calls in the window, oldest first.
    window: VecDeque<RingSample>,
    /// Keep at least this many calls, whatever their age …
    min_calls: usize,
    /// … and at most this many …
    max_calls: usize,
    /// … dropping older ones beyond `min_calls` once they are older than this.
    max_age_ms: u64,
    /// Calls by the bin of their ring time (to answer, or to the end when unanswered).
    resolved: Vec<u32>,
    /// Calls that needed an agent, by the bin of their ring time.
    needed: Vec<u32>,
    answered: u32,
    /// Prefix sums of `resolved` and `needed`, rebuilt when stale.
    resolved_cum: Vec<u32>,
    needed_cum: Vec<u32>,
    stale: bool,
    /// The AMD decision delay: answer to verdict, a moving average over machine verdicts.
    amd_delay_ms: f64,
}

#[derive(Clone, Copy, Debug)]
struct RingSample {
    ended: Time,
    bin: u16,
    needed: bool,
    answered: bool,
}

impl RingModel {
    pub(super) fn new() -> RingModel {
        RingModel {
            window: VecDeque::new(),
            min_calls: 200,
            max_calls: 3000,
            max_age_ms: 5 * 60_000,
            resolved: vec![0; RING_BINS],
            needed: vec![0; RING_BINS],
            answered: 0,
            resolved_cum: vec![0; RING_BINS],
            needed_cum: vec![0; RING_BINS],
            stale: false,
            amd_delay_ms: 0.0,
        }
    }

    /// Learns from a call that needs an agent, as it happens: its record would come only when
    /// the call ends, minutes later, and a model fed by records alone would see calls that need
    /// agents late and too few of them.
    pub(super) fn learn_need(&mut self, dialed: Time, answered: Time, now: Time) {
        let delay = now.since(answered) as f64;
        self.amd_delay_ms += 0.05 * (delay - self.amd_delay_ms);
        self.add(RingSample { ended: now, bin: ring_bin(answered.since(dialed)) as u16, needed: true, answered: true });
    }

    /// Learns from an outbound call's record, unless it needed an agent (learnt then).
    pub(super) fn learn(&mut self, cdr: &Cdr) {
        let needed = cdr.connect_time.is_some()
            || cdr.is_live_answer()
            || matches!(cdr.amd, Some(AmdVerdict::Human | AmdVerdict::NotSure));
        if cdr.outcome == Outcome::Blocked || needed {
            return;
        }
        let answered = cdr.answer_time.is_some();
        self.add(RingSample { ended: cdr.end_time, bin: ring_bin(cdr.ring_ms()) as u16, needed: false, answered });
    }

    fn add(&mut self, sample: RingSample) {
        self.count(sample, 1);
        self.window.push_back(sample);
        let now = sample.ended;
        while self.window.len() > self.max_calls
            || (self.window.len() > self.min_calls
                && self.window.front().is_some_and(|s| now.since(s.ended) > self.max_age_ms))
        {
            let old = self.window.pop_front().expect("window is not empty");
            self.count(old, -1);
        }
    }

    fn count(&mut self, s: RingSample, delta: i32) {
        let b = usize::from(s.bin);
        self.resolved[b] = self.resolved[b].wrapping_add_signed(delta);
        if s.needed {
            self.needed[b] = self.needed[b].wrapping_add_signed(delta);
        }
        if s.answered {
            self.answered = self.answered.wrapping_add_signed(delta);
        }
        self.stale = true;
    }

    /// Rebuilds the prefix sums if records arrived since the last time.
    pub(super) fn refresh(&mut self) {
        if !self.stale {
            return;
        }
        let (mut r, mut n) = (0, 0);
        for b in 0..RING_BINS {
            r += self.resolved[b];
            n += self.needed[b];
            self.resolved_cum[b] = r;
            self.needed_cum[b] = n;
        }
        self.stale = false;
    }

    /// Calls in the window.
    #[cfg(test)]
    pub(super) fn calls(&self) -> usize {
        self.window.len()
    }

    /// Calls in the window that needed an agent.
    pub(super) fn needers(&self) -> u32 {
        self.needed_cum[RING_BINS - 1]
    }

    /// The AMD delay added to a ring time before a call needs an agent (0 without AMD).
    pub(super) fn amd_delay_ms(&self) -> u64 {
        self.amd_delay_ms as u64
    }

    /// Share of answered calls that needed an agent: the chance that a call in AMD now will.
    pub(super) fn needed_share_of_answered(&self) -> f64 {
        if self.answered == 0 { 0.0 } else { f64::from(self.needers()) / f64::from(self.answered) }
    }

    /// The `q`-quantile of the time from dial to needing an agent, over calls that did.
    pub(super) fn need_time_quantile(&self, q: f64) -> u64 {
        let total = self.needers();
        let rank = (q * f64::from(total)).ceil().max(1.0) as u32;
        let bin = self.needed_cum.partition_point(|&c| c < rank).min(RING_BINS - 1);
        (bin as u64 * RING_BIN_MS + RING_BIN_MS / 2) + self.amd_delay_ms()
    }

    /// The chance that a call ringing for `age_ms` needs an agent within `horizon_ms` from now.
    pub(super) fn need_within(&self, age_ms: u64, horizon_ms: u64) -> f64 {
        let delay = self.amd_delay_ms();
        if horizon_ms < delay {
            return 0.0;
        }
        let from = ring_bin(age_ms);
        let before = if from == 0 { (0, 0) } else { (self.resolved_cum[from - 1], self.needed_cum[from - 1]) };
        let still_ringing = self.resolved_cum[RING_BINS - 1] - before.0;
        if still_ringing == 0 {
            return 0.0;
        }
        let to = ring_bin(age_ms + horizon_ms - delay);
        let needing = self.needed_cum[to] - before.1;
        f64::from(needing) / f64::from(still_ringing)
    }
}

fn ring_bin(ms: u64) -> usize {
    ((ms / RING_BIN_MS) as usize).min(RING_BINS - 1)
}

/// Width of a duration bin.
const DURATION_BIN_MS: u64 = 1_000;
/// Durations are resolved up to 2 hours; longer ones share the last bin.
const DURATION_BINS: usize = 7_201;
/// Rebuild the survival curve at most this often once it rests on many samples (a service-time
/// distribution drifts slowly) …
const DURATION_REFRESH_MS: u64 = 60_000;
/// … and this often while it rests on few.
const DURATION_REFRESH_EARLY_MS: u64 = 5_000;

fn duration_bin(ms: u64) -> usize {
    ((ms / DURATION_BIN_MS) as usize).min(DURATION_BINS - 1)
}

/// An empirical distribution of a duration (talk, wrap-up, machine handling), for the chance that
/// something already `elapsed` long ends within a horizon.
///
/// It is the Kaplan–Meier estimate over the last finished samples *and* the ones still running,
/// which are censored at their elapsed time. Without the running ones the estimate would be
/// biased short whenever many started together (the first talks of a shift to finish are the
/// short ones) and the pacer would expect agents free far too soon.
#[derive(Clone, Debug)]
pub(super) struct Durations {
    window: VecDeque<u16>,
    max_samples: usize,
    /// Finished samples by bin.
    counts: Vec<u32>,
    /// Running ones by the bin of their elapsed time, gathered for a rebuild.
    running: Vec<u32>,
    /// survival[b]: the chance a duration lasts beyond bin b.
    survival: Vec<f64>,
    /// How many were at risk at each bin (finished or running ones that reached it).
    at_risk: Vec<u32>,
    sum_ms: u64,
    stale: bool,
    refreshed: Option<Time>,
}

impl Durations {
    pub(super) fn new() -> Durations {
        Durations {
            window: VecDeque::new(),
            max_samples: 1000,
            counts: vec![0; DURATION_BINS],
            running: vec![0; DURATION_BINS],
            survival: vec![1.0; DURATION_BINS],
            at_risk: vec![0; DURATION_BINS],
            sum_ms: 0,
            stale: false,
            refreshed: None,
        }
    }

    pub(super) fn learn(&mut self, ms: u64) {
        let bin = duration_bin(ms);
        self.counts[bin] += 1;
        self.sum_ms += bin as u64 * DURATION_BIN_MS;
        self.window.push_back(bin as u16);
        if self.window.len() > self.max_samples {
            let old = usize::from(self.window.pop_front().expect("window is not empty"));
            self.counts[old] -= 1;
            self.sum_ms -= old as u64 * DURATION_BIN_MS;
        }
        self.stale = true;
    }

    /// Whether the curve is due a rebuild at `now`.
    pub(super) fn due(&self, now: Time) -> bool {
        let every = if self.window.len() < 200 { DURATION_REFRESH_EARLY_MS } else { DURATION_REFRESH_MS };
        self.stale && self.refreshed.is_none_or(|t| now.since(t) >= every)
    }

    /// Rebuilds the survival curve from the finished samples and the `running` elapsed times.
    pub(super) fn rebuild(&mut self, now: Time, running: impl Iterator<Item = u64>) {
        self.running.fill(0);
        for elapsed in running {
            self.running[duration_bin(elapsed)] += 1;
        }
        // At risk at bin b: finished in b or later, or running with elapsed in b or later.
        let mut n = 0;
        for b in (0..DURATION_BINS).rev() {
            n += self.counts[b] + self.running[b];
            self.at_risk[b] = n;
        }
        let mut s = 1.0;
        for b in 0..DURATION_BINS {
            if self.at_risk[b] > 0 {
                s *= 1.0 - f64::from(self.counts[b]) / f64::from(self.at_risk[b]);
            }
            self.survival[b] = s;
        }
        self.stale = false;
        self.refreshed = Some(now);
    }

    pub(super) fn samples(&self) -> usize {
        self.window.len()
    }

    /// Mean of the finished samples (bin starts), in ms; 0 without samples.
    fn mean_ms(&self) -> f64 {
        if self.window.is_empty() { 0.0 } else { self.sum_ms as f64 / self.window.len() as f64 }
    }

    /// The `q`-quantile, in ms (the middle of its bin); 0 before any rebuild with samples.
    pub(super) fn quantile(&self, q: f64) -> u64 {
        let bin = self.survival.partition_point(|&s| s > 1.0 - q).min(DURATION_BINS - 1);
        if self.at_risk[0] == 0 { 0 } else { bin as u64 * DURATION_BIN_MS + DURATION_BIN_MS / 2 }
    }

    /// The chance that something that has lasted `elapsed_ms` ends within `horizon_ms` more.
    /// Where fewer than a handful of samples reached `elapsed_ms`, an exponential tail with the
    /// finished samples' mean.
    pub(super) fn ends_within(&self, elapsed_ms: u64, horizon_ms: u64) -> f64 {
        if self.at_risk[0] == 0 {
            return 0.0;
        }
        let from = duration_bin(elapsed_ms);
        let before = if from == 0 { 1.0 } else { self.survival[from - 1] };
        if self.at_risk[from] < 5 || before <= 0.0 {
            let mean = self.mean_ms().max(1.0);
            return 1.0 - (-(horizon_ms as f64) / mean).exp();
        }
        let to = duration_bin(elapsed_ms + horizon_ms);
        (before - self.survival[to]) / before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::pacer::predictive::tests::cdr;

    fn call(ring_s: u64, outcome: Outcome) -> Cdr {
        cdr(100, ring_s, outcome)
    }

    /// What the core tells the pacer about a call: the moment it needs an agent (if it does),
    /// then its record.
    fn feed(m: &mut RingModel, cdr: &Cdr) {
        if matches!(cdr.outcome, Outcome::Connected | Outcome::Abandoned) {
            let answer = cdr.answer_time.expect("answered");
            m.learn_need(cdr.dial_time, answer, answer);
        }
        m.learn(cdr);
    }

    #[test]
    fn a_call_ringing_longer_is_less_likely_to_need_an_agent() {
        let mut m = RingModel::new();
        // Live answers at 5 s and 10 s, a machine at 10 s, two no-answers at 25 s.
        for (ring, outcome) in [
            (5, Outcome::Connected),
            (10, Outcome::Connected),
            (10, Outcome::Machine),
            (25, Outcome::NoAnswer),
            (25, Outcome::NoAnswer),
        ] {
            feed(&mut m, &call(ring, outcome));
        }
        m.refresh();
        // A new call: 1 in 5 needs an agent within 6 s, 2 in 5 within 11 s.
        assert_eq!(m.need_within(0, 6_000), 0.2);
        assert_eq!(m.need_within(0, 11_000), 0.4);
        // Still ringing at 7 s: 4 calls like it, 1 of which is answered live (at 10 s).
        assert_eq!(m.need_within(7_000, 4_000), 0.25);
        // Still ringing at 20 s: only the no-answers are like it.
        assert_eq!(m.need_within(20_000, 60_000), 0.0);
        assert_eq!(m.needed_share_of_answered(), 2.0 / 3.0);
        assert_eq!(m.need_time_quantile(0.5), 5_125, "the first needer's bin, 5.0–5.25 s");
    }

    #[test]
    fn the_window_forgets_old_calls() {
        let mut m = RingModel::new();
        for i in 0..3000 {
            m.learn_need(Time::from_secs(i), Time::from_secs(i + 5), Time::from_secs(i + 5));
        }
        m.refresh();
        assert_eq!(m.need_within(0, 10_000), 1.0);
        // Twenty minutes of no-answers push the live answers out of the five-minute window.
        for i in 0..1200 {
            feed(&mut m, &Cdr { end_time: Time::from_secs(3005 + i), ..call(25, Outcome::NoAnswer) });
        }
        m.refresh();
        assert_eq!(m.calls(), 301, "the last five minutes of calls, one a second, both ends included");
        assert_eq!(m.need_within(0, 10_000), 0.0);
    }

    #[test]
    fn durations_condition_on_the_time_elapsed() {
        let mut d = Durations::new();
        for s in [10, 20, 30, 40] {
            for _ in 0..10 {
                d.learn(s * 1000);
            }
        }
        d.rebuild(Time::ZERO, std::iter::empty());
        assert_eq!(d.ends_within(0, 15_000), 0.25);
        // Past 25 s only 30 and 40 remain; one of them ends within 10 s more.
        assert_eq!(d.ends_within(25_000, 10_000), 0.5);
        assert_eq!(d.quantile(0.5), 20_500);
        // Beyond the samples: an exponential tail with the mean (25 s).
        let tail = d.ends_within(100_000, 25_000);
        assert!((tail - (1.0 - (-1.0f64).exp())).abs() < 1e-12, "{tail}");
    }

    #[test]
    fn running_durations_correct_the_bias_of_the_first_to_finish() {
        // 25 talks started together; after 60 s the five shortest (30 s) have finished and 20
        // are still going. The finished ones alone say every talk ends by 31 s.
        let mut d = Durations::new();
        for _ in 0..5 {
            d.learn(30_000);
        }
        d.rebuild(Time::from_secs(60), std::iter::empty());
        assert_eq!(d.ends_within(0, 40_000), 1.0);
        // With the 20 running talks censored at 60 s: 5 of 25 ended by 40 s.
        d.rebuild(Time::from_secs(60), std::iter::repeat_n(60_000, 20));
        assert!((d.ends_within(0, 40_000) - 0.2).abs() < 1e-12);
        // Between 31 s and 60 s no talk ended.
        assert_eq!(d.ends_within(50_000, 5_000), 0.0);
    }
}
