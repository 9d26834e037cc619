//! The run hour by hour: what was dialled, how it ended, and how busy the agents were.
//!
//! Hours are whole UTC hours (the records' origin is one), labelled with the local time at their
//! start in the records' zone; in a zone whose offset is not a whole number of hours the labels
//! read :30 or :45. Calls count in the hour they were dialled, so the hours' dials add up to the
//! run's; agents' time is split across the hours it spans.

use crate::source::Records;
use crate::timeseries::TimeSeries;
use crate::{Direction, Outcome, Time};
use serde::Serialize;
use serde::ser::SerializeMap;

const HOUR_MS: u64 = 3_600_000;

/// Outbound rows per outcome; serialises as an object keyed by the outcome's CSV spelling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutcomeCounts([u64; 8]);

impl OutcomeCounts {
    fn index(o: Outcome) -> usize {
        // Outcome::ALL holds every outcome; there are 8.
        Outcome::ALL.iter().position(|x| *x == o).expect("every outcome is in ALL")
    }

    /// Rows with outcome `o`.
    pub fn get(&self, o: Outcome) -> u64 {
        self.0[Self::index(o)]
    }

    fn add(&mut self, o: Outcome) {
        self.0[Self::index(o)] += 1;
    }
}

impl Serialize for OutcomeCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Outcome::ALL.len()))?;
        for o in Outcome::ALL {
            map.serialize_entry(o.as_str(), &self.get(*o))?;
        }
        map.end()
    }
}

/// One hour of the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Hour {
    /// Local date and time of the hour's start, `2026-01-05 09:00`.
    pub start: String,
    /// Outbound calls placed (every outbound row but blocked), by dial time.
    pub dials: u64,
    /// Outbound rows by outcome, blocked included.
    pub outcomes: OutcomeCounts,
    /// Outbound live answers (connected + abandoned).
    pub live_answers: u64,
    /// Outbound abandons.
    pub abandons: u64,
    /// abandons / live answers; `None` without live answers.
    pub abandon_rate: Option<f64>,
    /// Inbound callers who arrived.
    pub inbound: u64,
    /// Mean number of agents logged in; `None` without an agent log.
    pub agents: Option<f64>,
    /// (talk + wrap + machine + preview) / logged-in time; `None` if nobody was logged in.
    pub occupancy: Option<f64>,
}

impl Hour {
    /// Whether nothing happened in the hour: no call of either direction and nobody logged in.
    /// Tables may leave such hours out; the JSON keeps them.
    pub fn is_quiet(&self) -> bool {
        self.outcomes == OutcomeCounts::default() && self.inbound == 0 && self.agents.unwrap_or(0.0) == 0.0
    }
}

/// One [`Hour`] per hour from the first record to the last.
pub(crate) fn per_hour(records: &Records) -> Vec<Hour> {
    let last =
        records.cdrs.iter().map(|c| c.end_time).chain(records.agents.iter().map(|i| i.end)).max().unwrap_or(Time::ZERO);
    // The origin is a whole hour, so bins of an hour from Time::ZERO are the clock's hours.
    let mut series = TimeSeries::with_bin(Time::ZERO, last.max(Time::from_ms(1)), HOUR_MS);
    for interval in &records.agents {
        series.add_interval(interval);
    }
    let mut hours: Vec<Hour> = (0..series.bins.len())
        .map(|i| {
            let start = records.wall(Time::from_ms(i as u64 * HOUR_MS));
            Hour { start: start.to_zoned(records.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string(), ..Hour::default() }
        })
        .collect();
    for cdr in &records.cdrs {
        let i = (cdr.dial_time.as_ms() / HOUR_MS) as usize;
        let Some(hour) = hours.get_mut(i) else { continue };
        match cdr.direction {
            Direction::Inbound => hour.inbound += 1,
            Direction::Outbound => {
                hour.outcomes.add(cdr.outcome);
                hour.dials += u64::from(cdr.outcome != Outcome::Blocked);
                hour.live_answers += u64::from(cdr.is_live_answer());
                hour.abandons += u64::from(cdr.outcome == Outcome::Abandoned);
            }
        }
    }
    let logged = records.agent_log.is_some();
    for ((hour, bin), i) in hours.iter_mut().zip(&series.bins).zip(0..) {
        hour.abandon_rate = (hour.live_answers > 0).then(|| hour.abandons as f64 / hour.live_answers as f64);
        hour.agents = logged.then(|| bin.logged_in_ms as f64 / series.bin_len(i) as f64);
        hour.occupancy = (bin.logged_in_ms > 0).then(|| bin.work_ms as f64 / bin.logged_in_ms as f64);
    }
    hours
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::records;
    use crate::test_records::outbound;
    use crate::{AgentInterval, AgentState, Party};

    #[test]
    fn calls_count_in_their_dial_hour_and_agent_time_is_split() {
        const H: u64 = HOUR_MS;
        let human = Some(Party::Human);
        let cdrs = vec![
            outbound(Outcome::Connected, human, None, 10, Some(20), Some(30), 100),
            outbound(Outcome::Abandoned, human, None, 50, Some(60), None, 70),
            outbound(Outcome::Busy, None, None, 80, None, None, 90),
            // Dialled in hour 1, ending in hour 2.
            outbound(Outcome::Connected, human, None, H + 5, Some(H + 10), Some(H + 20), 2 * H + 30),
            outbound(Outcome::Blocked, None, None, 2 * H + 40, None, None, 2 * H + 40),
        ];
        // One agent: ready 30 min then talking 60 min from the start of hour 0.
        let agents = vec![
            AgentInterval { agent: 1, state: AgentState::Ready, start: Time::ZERO, end: Time::from_secs(1800) },
            AgentInterval {
                agent: 1,
                state: AgentState::Talk,
                start: Time::from_secs(1800),
                end: Time::from_secs(5400),
            },
        ];
        let hours = per_hour(&records(cdrs, agents));
        assert_eq!(hours.len(), 3);
        assert_eq!(hours[0].start, "2026-01-05 09:00");
        assert_eq!(hours.iter().map(|h| h.dials).collect::<Vec<_>>(), [3, 1, 0]);
        assert_eq!(hours[2].outcomes.get(Outcome::Blocked), 1);
        assert_eq!((hours[0].live_answers, hours[0].abandons, hours[0].abandon_rate), (2, 1, Some(0.5)));
        assert_eq!(hours[2].abandon_rate, None);
        // Hour 0: 30 min ready + 30 min talk; hour 1: 30 min talk, nobody after.
        assert_eq!(hours[0].occupancy, Some(0.5));
        assert_eq!(hours[1].occupancy, Some(1.0));
        assert_eq!(hours[1].agents, Some(0.5));
        assert_eq!(hours[2].occupancy, None);
        assert!(!hours[2].is_quiet(), "a blocked call happened");
        assert!(Hour::default().is_quiet());
        let json = serde_json::to_value(&hours[0]).expect("serialises");
        assert_eq!(json["outcomes"]["connected"], 1);
        assert_eq!(json["outcomes"]["no_answer"], 0);
    }
}
