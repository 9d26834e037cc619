//! The abandon count of the current compliance period, as the pacer itself can know it: from the
//! records of its own calls, counted the way the regulator counts (DOMAIN.md). The periods are
//! those of `reports`' compliance section, except that FCC periods run from t = 0 here and from
//! the hour of the first dial there (the same hour in a simulation), and that Ofcom false
//! positives are estimated here (`amd_fp_share`) and known exactly there in simulation.

use crate::core::Time;
use reports::{AmdVerdict, Cdr, Direction, Outcome};

const DAY_MS: u64 = 86_400_000;

/// Which regulator's periods and counts the pacer keeps to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AbandonRule {
    /// FCC: abandons / live answers over 30-day periods from the start of the run.
    Fcc,
    /// Ofcom: per UTC calendar day, with AMD false positives counted as abandoned calls. A live
    /// dialer cannot tell a false positive from a machine, so, as DESIGN.md's `amd_fp_share`
    /// says, it counts this share of its machine verdicts as people.
    Ofcom {
        /// Share of AMD machine verdicts assumed to be people (0–1).
        amd_fp_share: f64,
    },
}

/// Live answers and abandons of the current period.
#[derive(Clone, Debug)]
pub(super) struct AbandonWindow {
    rule: AbandonRule,
    /// Milliseconds past UTC midnight at t = 0 (Ofcom's days).
    day_offset_ms: u64,
    period: u64,
    live: f64,
    abandons: f64,
    /// Over the whole run: people's live answers, and false positives estimated (Ofcom).
    run_live: f64,
    run_fp: f64,
}

impl AbandonWindow {
    pub(super) fn new(rule: AbandonRule, day_offset_ms: u64) -> AbandonWindow {
        AbandonWindow {
            rule,
            day_offset_ms: day_offset_ms % DAY_MS,
            period: 0,
            live: 0.0,
            abandons: 0.0,
            run_live: 0.0,
            run_fp: 0.0,
        }
    }

    fn period_of(&self, t: Time) -> u64 {
        match self.rule {
            AbandonRule::Fcc => t.as_ms() / (30 * DAY_MS),
            AbandonRule::Ofcom { .. } => (t.as_ms() + self.day_offset_ms) / DAY_MS,
        }
    }

    /// Moves to the period of `now`, starting its counts afresh.
    fn roll(&mut self, now: Time) {
        let period = self.period_of(now);
        if period > self.period {
            *self = AbandonWindow { period, live: 0.0, abandons: 0.0, ..*self };
        }
    }

    /// Counts an outbound call's record in the period of its dial.
    pub(super) fn learn(&mut self, cdr: &Cdr) {
        if cdr.direction != Direction::Outbound {
            return;
        }
        self.roll(cdr.end_time);
        let fp = match self.rule {
            AbandonRule::Ofcom { amd_fp_share } if cdr.amd == Some(AmdVerdict::Machine) => amd_fp_share,
            _ => 0.0,
        };
        self.run_fp += fp;
        self.run_live += f64::from(u8::from(cdr.is_live_answer()));
        if self.period_of(cdr.dial_time) != self.period {
            return; // placed in a period that has closed
        }
        if cdr.is_live_answer() {
            self.live += 1.0;
            self.abandons += f64::from(u8::from(cdr.outcome == Outcome::Abandoned));
        }
        self.live += fp;
        self.abandons += fp;
    }

    /// Whether one more abandon now would keep the period's rate at or under `cap`.
    pub(super) fn can_afford_one_more(&mut self, now: Time, cap: f64) -> bool {
        self.roll(now);
        self.abandons + 1.0 <= cap * (self.live + 1.0)
    }

    /// Estimated false positives per live answer so far in the run (0 under FCC, which does not
    /// count them): the part of the rate the dialer cannot pace away.
    pub(super) fn fp_per_live(&self) -> f64 {
        if self.run_live > 0.0 { self.run_fp / self.run_live } else { 0.0 }
    }

    /// The share of live answers that may be abandoned for the period's rate, false positives
    /// included, to come out at `rate`: x with (x + f) / (1 + f) = rate, f the false positives per
    /// live answer.
    pub(super) fn abandon_share_for(&self, rate: f64) -> f64 {
        let f = self.fp_per_live();
        (rate * (1.0 + f) - f).max(0.0)
    }

    /// Abandons of the period beyond `rate` × its live answers (negative when under).
    pub(super) fn excess_over(&self, rate: f64) -> f64 {
        self.abandons - rate * self.live
    }
}
