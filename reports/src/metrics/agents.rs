//! Agent figures: how logged-in time splits into work and talk, and contacts per hour.

use super::Agents;
use crate::{AgentInterval, AgentState};
use std::collections::BTreeSet;

/// Agent ids below this are kept in a bitmap (128 KiB at most); larger ones, which a file could
/// hold but no run produces, in a set.
const DENSE_IDS: u32 = 1 << 20;

/// Streams agent intervals; memory grows with the number of distinct agents only.
#[derive(Clone, Debug, Default)]
pub(super) struct AgentTally {
    /// Bit `id` is set once agent `id` (< [`DENSE_IDS`]) has been seen.
    seen: Vec<u64>,
    /// Agents seen with ids of [`DENSE_IDS`] and above.
    seen_sparse: BTreeSet<u32>,
    /// Distinct agents seen.
    count: u64,
    logged_ms: u128,
    work_ms: u128,
    talk_ms: u128,
}

impl AgentTally {
    /// Counts one interval.
    #[inline]
    pub(super) fn add(&mut self, interval: &AgentInterval) {
        self.see(interval.agent);
        let ms = u128::from(interval.duration_ms());
        self.logged_ms += ms;
        if interval.state.is_work() {
            self.work_ms += ms;
        }
        if interval.state == AgentState::Talk {
            self.talk_ms += ms;
        }
    }

    #[inline]
    fn see(&mut self, agent: u32) {
        if agent < DENSE_IDS {
            let (word, bit) = ((agent / 64) as usize, 1u64 << (agent % 64));
            if word >= self.seen.len() {
                self.seen.resize(word + 1, 0);
            }
            if self.seen[word] & bit == 0 {
                self.seen[word] |= bit;
                self.count += 1;
            }
        } else if self.seen_sparse.insert(agent) {
            self.count += 1;
        }
    }

    /// The figures, given the calls that reached an agent (outbound connects + inbound served).
    pub(super) fn finish(&self, contacts: u64) -> Agents {
        if self.logged_ms == 0 {
            return Agents { count: self.count, ..Agents::default() };
        }
        let logged = self.logged_ms as f64;
        let logged_hours = logged / 3_600_000.0;
        Agents {
            count: self.count,
            occupancy: self.work_ms as f64 / logged,
            talk_fraction: self.talk_ms as f64 / logged,
            talk_minutes_per_hour: self.talk_ms as f64 / 60_000.0 / logged_hours,
            contacts_per_hour: contacts as f64 / logged_hours,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Time;
    use crate::test_records::{agent_intervals, assert_close};

    #[test]
    fn splits_logged_time_by_state() {
        let mut tally = AgentTally::default();
        for interval in agent_intervals() {
            tally.add(&interval);
        }
        let m = tally.finish(6);
        assert_eq!(m.count, 3);
        // Logged 900 s; work 208 s (agent 1) + 150 s (agent 2); talk 180 s + 120 s.
        assert_close(m.occupancy, 358.0 / 900.0);
        assert_close(m.talk_fraction, 300.0 / 900.0);
        assert_close(m.talk_minutes_per_hour, 20.0);
        assert_close(m.contacts_per_hour, 24.0);
    }

    #[test]
    fn every_state_but_ready_reserved_and_paused_is_work() {
        for &state in AgentState::ALL {
            let mut tally = AgentTally::default();
            tally.add(&AgentInterval { agent: 0, state, start: Time::ZERO, end: Time::from_secs(10) });
            let m = tally.finish(0);
            let work = !matches!(state, AgentState::Ready | AgentState::Reserved | AgentState::Paused);
            assert_eq!(m.occupancy, if work { 1.0 } else { 0.0 }, "{state}");
            assert_eq!(m.talk_fraction, if state == AgentState::Talk { 1.0 } else { 0.0 }, "{state}");
        }
    }

    #[test]
    fn counts_distinct_agents_whatever_their_ids() {
        let mut tally = AgentTally::default();
        for agent in [7, 7, 0, u32::MAX, 64, u32::MAX, DENSE_IDS, 0] {
            tally.add(&AgentInterval { agent, state: AgentState::Ready, start: Time::ZERO, end: Time::ZERO });
        }
        let m = tally.finish(5);
        assert_eq!(m.count, 5);
        assert_eq!((m.occupancy, m.contacts_per_hour), (0.0, 0.0), "nothing logged");
    }
}
