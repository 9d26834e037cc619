//! Each agent's figures: calls handled, handle time (talk + wrap-up), idle time and occupancy.
//!
//! Calls come from the CDRs (connected calls naming the agent, either direction). Times come from
//! the agent log; without one, talk is the CDRs' talk time and the rest is absent.

use crate::source::Records;
use crate::{AgentState, Outcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// One agent's figures. Times are in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgentFigures {
    /// The agent's number.
    pub agent: u32,
    /// Connected calls the agent took.
    pub calls: u64,
    /// Talking (from the agent log, else the CDRs).
    pub talk_s: f64,
    /// After-call work; `None` without an agent log.
    pub wrap_s: Option<f64>,
    /// talk + wrap.
    pub handle_s: f64,
    /// handle / calls; `None` without calls.
    pub mean_handle_s: Option<f64>,
    /// Ready and waiting for a call (idle); `None` without an agent log.
    pub idle_s: Option<f64>,
    /// Held for a ringing call (progressive and preview modes); `None` without an agent log.
    pub reserved_s: Option<f64>,
    /// Paused; `None` without an agent log.
    pub paused_s: Option<f64>,
    /// Logged in (every state); `None` without an agent log.
    pub logged_in_s: Option<f64>,
    /// (talk + wrap + machine + preview) / logged-in time; `None` without logged-in time.
    pub occupancy: Option<f64>,
}

/// Milliseconds per state, and calls, of one agent.
#[derive(Default)]
struct Tally {
    calls: u64,
    cdr_talk_ms: u64,
    state_ms: [u64; 7],
}

/// One row per agent named in the CDRs or the agent log, by agent number.
pub(crate) fn per_agent(records: &Records) -> Vec<AgentFigures> {
    let mut tallies: BTreeMap<u32, Tally> = BTreeMap::new();
    for cdr in &records.cdrs {
        let Some(agent) = cdr.agent else { continue };
        let tally = tallies.entry(agent).or_default();
        if cdr.outcome == Outcome::Connected {
            tally.calls += 1;
            tally.cdr_talk_ms += cdr.talk_ms().unwrap_or(0);
        }
    }
    for interval in &records.agents {
        // AgentState::ALL holds every state.
        let state = AgentState::ALL.iter().position(|s| *s == interval.state).expect("every state is in ALL");
        tallies.entry(interval.agent).or_default().state_ms[state] += interval.duration_ms();
    }
    let logged = records.agent_log.is_some();
    let ms = |t: &Tally, s: AgentState| t.state_ms[AgentState::ALL.iter().position(|x| *x == s).unwrap_or(0)];
    tallies
        .into_iter()
        .map(|(agent, t)| {
            let logged_in: u64 = t.state_ms.iter().sum();
            let work: u64 = AgentState::ALL.iter().filter(|s| s.is_work()).map(|s| ms(&t, *s)).sum();
            let talk_ms = if logged { ms(&t, AgentState::Talk) } else { t.cdr_talk_ms };
            let wrap_ms = if logged { ms(&t, AgentState::Wrap) } else { 0 };
            let handle_s = (talk_ms + wrap_ms) as f64 / 1000.0;
            let secs = |v: u64| logged.then_some(v as f64 / 1000.0);
            AgentFigures {
                agent,
                calls: t.calls,
                talk_s: talk_ms as f64 / 1000.0,
                wrap_s: secs(wrap_ms),
                handle_s,
                mean_handle_s: (t.calls > 0).then(|| handle_s / t.calls as f64),
                idle_s: secs(ms(&t, AgentState::Ready)),
                reserved_s: secs(ms(&t, AgentState::Reserved)),
                paused_s: secs(ms(&t, AgentState::Paused)),
                logged_in_s: secs(logged_in),
                occupancy: (logged_in > 0).then(|| work as f64 / logged_in as f64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::records;
    use crate::test_records::outbound;
    use crate::{AgentInterval, Party, Time};

    fn interval(agent: u32, state: AgentState, from_s: u64, to_s: u64) -> AgentInterval {
        AgentInterval { agent, state, start: Time::from_secs(from_s), end: Time::from_secs(to_s) }
    }

    #[test]
    fn handle_time_is_talk_plus_wrap_per_call() {
        let human = Some(Party::Human);
        let mut a = outbound(Outcome::Connected, human, None, 0, Some(1000), Some(2000), 122_000);
        a.agent = Some(7);
        let mut b = outbound(Outcome::Connected, human, None, 200_000, Some(201_000), Some(201_000), 261_000);
        b.agent = Some(7);
        let agents = vec![
            interval(7, AgentState::Ready, 0, 2),
            interval(7, AgentState::Talk, 2, 122),
            interval(7, AgentState::Wrap, 122, 152),
            interval(7, AgentState::Ready, 152, 201),
            interval(7, AgentState::Talk, 201, 261),
            interval(7, AgentState::Wrap, 261, 271),
            interval(7, AgentState::Paused, 271, 300),
            interval(9, AgentState::Ready, 0, 300),
        ];
        let rows = per_agent(&records(vec![a.clone(), b.clone()], agents));
        assert_eq!(rows.len(), 2);
        let r = &rows[0];
        assert_eq!((r.agent, r.calls), (7, 2));
        // Talk 120 + 60 s, wrap 30 + 10 s: 220 s over 2 calls.
        assert_eq!((r.talk_s, r.wrap_s, r.handle_s, r.mean_handle_s), (180.0, Some(40.0), 220.0, Some(110.0)));
        assert_eq!((r.idle_s, r.paused_s, r.logged_in_s), (Some(51.0), Some(29.0), Some(300.0)));
        assert_eq!(r.reserved_s, Some(0.0));
        assert_eq!(r.occupancy, Some(220.0 / 300.0));
        assert_eq!((rows[1].agent, rows[1].calls, rows[1].occupancy), (9, 0, Some(0.0)));

        // Without an agent log: talk from the CDRs, the rest absent.
        let mut no_log = records(vec![a, b], Vec::new());
        no_log.agent_log = None;
        let rows = per_agent(&no_log);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].talk_s, rows[0].wrap_s, rows[0].idle_s, rows[0].occupancy), (180.0, None, None, None));
    }
}
