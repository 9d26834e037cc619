//! Outbound figures: counts by outcome and answerer, the abandon rates, and the wait to an agent.

use super::{Outbound, Percentiles};
use crate::{Cdr, Outcome, Party};
use hdrhistogram::Histogram;

/// Significant figures of the wait histogram: values below 2048 ms are exact, larger ones within
/// 0.1 %.
const WAIT_SIGFIG: u8 = 3;

/// Streams outbound CDRs; a fixed handful of counters and one histogram.
#[derive(Clone, Debug)]
pub(super) struct OutboundTally {
    /// Rows by `outcome`, indexed by the enum's declaration order.
    by_outcome: [u64; Outcome::ALL.len()],
    /// Rows by `answered_by`, indexed by the enum's declaration order.
    by_party: [u64; Party::ALL.len()],
    /// People classed machine by AMD.
    amd_false_positives: u64,
    /// Sum of the answer-to-agent waits of connected calls.
    wait_sum_ms: u128,
    /// The same waits, for percentiles.
    wait: Histogram<u64>,
}

/// The longest wait the percentiles resolve: a day. Longer waits count as a day in them (the mean
/// stays exact).
const WAIT_MAX_MS: u64 = 86_400_000;

impl Default for OutboundTally {
    fn default() -> Self {
        Self {
            by_outcome: [0; Outcome::ALL.len()],
            by_party: [0; Party::ALL.len()],
            amd_false_positives: 0,
            wait_sum_ms: 0,
            // Bounds given up front: an auto-resizing histogram clamps to its initial range (2047)
            // in `saturating_record` before it would resize. Valid bounds, so no error.
            wait: Histogram::new_with_bounds(1, WAIT_MAX_MS, WAIT_SIGFIG).expect("valid histogram bounds"),
        }
    }
}

impl OutboundTally {
    /// Counts one outbound CDR.
    #[inline]
    pub(super) fn add(&mut self, cdr: &Cdr) {
        self.by_outcome[cdr.outcome as usize] += 1;
        if let Some(party) = cdr.answered_by {
            self.by_party[party as usize] += 1;
            if cdr.is_amd_false_positive() {
                self.amd_false_positives += 1;
            }
        }
        if cdr.outcome == Outcome::Connected {
            // A connected row always has an answer time; one without counts as no wait.
            let wait = cdr.wait_ms().unwrap_or(0);
            self.wait_sum_ms += u128::from(wait);
            self.wait.saturating_record(wait);
        }
    }

    /// Connected live answers, for agents' contacts per hour.
    pub(super) fn connects(&self) -> u64 {
        self.by_outcome[Outcome::Connected as usize]
    }

    /// The figures.
    pub(super) fn finish(&self) -> Outbound {
        let count = |o: Outcome| self.by_outcome[o as usize];
        let rows: u64 = self.by_outcome.iter().sum();
        let human = self.by_party[Party::Human as usize];
        let abandons = count(Outcome::Abandoned);
        let f = self.amd_false_positives;
        let live = human - f;
        let connects = count(Outcome::Connected);
        Outbound {
            dials: rows - count(Outcome::Blocked),
            human,
            machine: self.by_party[Party::Machine as usize],
            busy: count(Outcome::Busy),
            no_answer: count(Outcome::NoAnswer),
            invalid: count(Outcome::Invalid),
            blocked: count(Outcome::Blocked),
            connects,
            abandons,
            abandon_rate: ratio(abandons, live),
            abandon_rate_ofcom: ratio(abandons + f, live + f),
            amd_false_positives: f,
            wait_to_agent_ms: if connects == 0 {
                Percentiles::default()
            } else {
                Percentiles {
                    mean: self.wait_sum_ms as f64 / connects as f64,
                    p50: self.wait.value_at_quantile(0.50) as f64,
                    p95: self.wait.value_at_quantile(0.95) as f64,
                    p99: self.wait.value_at_quantile(0.99) as f64,
                }
            },
        }
    }
}

/// `part / whole`, or 0 when there is nothing to divide by.
pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AmdVerdict;
    use crate::test_records::{outbound, outbound_calls};

    #[test]
    fn long_waits_keep_their_size_in_the_percentiles() {
        // Waits of 2.5 s, 40 s and 2 h: beyond a default histogram's first 2047 ms.
        let mut t = OutboundTally::default();
        for wait in [2_500u64, 40_000, 7_200_000].into_iter().cycle().take(300) {
            let (answer, connect) = (10_000, 10_000 + wait);
            t.add(&outbound(
                Outcome::Connected,
                Some(Party::Human),
                None,
                0,
                Some(answer),
                Some(connect),
                connect + 60_000,
            ));
        }
        let p = t.finish().wait_to_agent_ms;
        // Three significant figures: each percentile within 0.1% of the true wait.
        assert!((p.p50 - 40_000.0).abs() <= 40.0, "p50 {}", p.p50);
        assert!((p.p99 - 7_200_000.0).abs() <= 7_200.0, "p99 {}", p.p99);
    }

    #[test]
    fn counts_every_outcome_and_answerer() {
        let mut tally = OutboundTally::default();
        for cdr in outbound_calls() {
            tally.add(&cdr);
        }
        let m = tally.finish();
        assert_eq!(m.dials, 11, "every row but the blocked one");
        assert_eq!(m.human, 5, "AMD false positive included");
        assert_eq!(m.machine, 2, "AMD false negative included");
        assert_eq!((m.busy, m.no_answer, m.invalid, m.blocked), (1, 1, 1, 1));
        assert_eq!((m.connects, m.abandons, m.amd_false_positives), (3, 1, 1));
        // Live answers: 5 humans − 1 false positive = 4.
        assert_eq!(m.abandon_rate, 0.25);
        assert_eq!(m.abandon_rate_ofcom, 0.4, "(1 + 1) / (4 + 1)");
    }

    #[test]
    fn waits_cover_connected_calls_only() {
        let mut tally = OutboundTally::default();
        for cdr in outbound_calls() {
            tally.add(&cdr);
        }
        let w = tally.finish().wait_to_agent_ms;
        // Waits 400, 1500 and 0 ms; values below 2048 are exact in the histogram.
        assert_eq!(w.mean, 1900.0 / 3.0);
        assert_eq!((w.p50, w.p95, w.p99), (400.0, 1500.0, 1500.0));
    }

    #[test]
    fn percentiles_follow_the_distribution() {
        let mut tally = OutboundTally::default();
        for wait in 1..=1000u64 {
            tally.add(&outbound(Outcome::Connected, Some(Party::Human), None, 0, Some(0), Some(wait), 5_000));
        }
        let w = tally.finish().wait_to_agent_ms;
        assert_eq!(w.mean, 500.5);
        assert_eq!((w.p50, w.p95, w.p99), (500.0, 950.0, 990.0));
    }

    #[test]
    fn nothing_to_divide_gives_zero() {
        let m = OutboundTally::default().finish();
        assert_eq!(m, Outbound::default());
        let mut tally = OutboundTally::default();
        // Only a false positive: no live answers, but the Ofcom rate has a denominator.
        tally.add(&outbound(Outcome::Machine, Some(Party::Human), Some(AmdVerdict::Machine), 0, Some(1), None, 2));
        let m = tally.finish();
        assert_eq!((m.abandon_rate, m.abandon_rate_ofcom), (0.0, 1.0));
    }
}
