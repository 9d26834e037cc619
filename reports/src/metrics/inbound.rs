//! Inbound figures: callers offered, served and lost, and how long the served ones waited.

use super::Inbound;
use super::outbound::ratio;
use crate::{Cdr, Outcome};

/// The service-level threshold of `service_level_20s`.
const SERVICE_LEVEL_MS: u64 = 20_000;

/// Streams inbound CDRs; a fixed handful of counters.
#[derive(Clone, Debug, Default)]
pub(super) struct InboundTally {
    offered: u64,
    blocked: u64,
    served: u64,
    abandons: u64,
    /// Served after a wait longer than zero.
    served_after_wait: u64,
    /// Served within [`SERVICE_LEVEL_MS`].
    served_in_time: u64,
    /// Sum of the waits of served callers.
    served_wait_ms: u128,
}

impl InboundTally {
    /// Counts one inbound CDR.
    #[inline]
    pub(super) fn add(&mut self, cdr: &Cdr) {
        self.offered += 1;
        match cdr.outcome {
            Outcome::Blocked => self.blocked += 1,
            Outcome::Abandoned => self.abandons += 1,
            Outcome::Connected => {
                // A served row always has an answer time; one without counts as no wait.
                let wait = cdr.wait_ms().unwrap_or(0);
                self.served += 1;
                self.served_after_wait += u64::from(wait > 0);
                self.served_in_time += u64::from(wait <= SERVICE_LEVEL_MS);
                self.served_wait_ms += u128::from(wait);
            }
            _ => {}
        }
    }

    /// Served callers, for agents' contacts per hour.
    pub(super) fn served(&self) -> u64 {
        self.served
    }

    /// The figures.
    pub(super) fn finish(&self) -> Inbound {
        let accepted = self.offered - self.blocked;
        Inbound {
            offered: self.offered,
            blocked: self.blocked,
            served: self.served,
            abandons: self.abandons,
            abandon_rate: ratio(self.abandons, accepted),
            p_wait: ratio(self.served_after_wait + self.abandons, accepted),
            mean_wait_served_s: if self.served == 0 {
                0.0
            } else {
                self.served_wait_ms as f64 / self.served as f64 / 1000.0
            },
            service_level_20s: ratio(self.served_in_time, accepted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::{assert_close, inbound, inbound_calls};

    #[test]
    fn counts_callers_and_their_waits() {
        let mut tally = InboundTally::default();
        for cdr in inbound_calls() {
            tally.add(&cdr);
        }
        let m = tally.finish();
        assert_eq!((m.offered, m.blocked, m.served, m.abandons), (5, 1, 3, 1));
        // Accepted: 5 − 1 = 4. Served waits 0, 15 s, 25 s; one abandon.
        assert_eq!(m.abandon_rate, 0.25);
        assert_eq!(m.p_wait, 0.75, "two served after a wait, one abandoned");
        assert_close(m.mean_wait_served_s, 40.0 / 3.0);
        assert_eq!(m.service_level_20s, 0.5, "served in 0 and 15 s");
    }

    #[test]
    fn a_wait_of_exactly_twenty_seconds_is_in_time() {
        let mut tally = InboundTally::default();
        tally.add(&inbound(Outcome::Connected, 0, Some(0), Some(20_000), 30_000));
        tally.add(&inbound(Outcome::Connected, 0, Some(0), Some(20_001), 30_000));
        assert_eq!(tally.finish().service_level_20s, 0.5);
    }

    #[test]
    fn nothing_accepted_gives_zero() {
        let mut tally = InboundTally::default();
        tally.add(&inbound(Outcome::Blocked, 5, None, None, 5));
        let m = tally.finish();
        assert_eq!((m.offered, m.blocked), (1, 1));
        assert_eq!((m.abandon_rate, m.p_wait, m.mean_wait_served_s, m.service_level_20s), (0.0, 0.0, 0.0, 0.0));
    }
}
