//! The agent table: each agent's state, the queue of ready agents (longest idle first), and the
//! [`AgentInterval`] records written as agents move between states.

use super::pacer::AgentView;
use super::{AgentId, CallId, LeadId, Time};
use reports::{AgentInterval, AgentState, Cdr};
use std::collections::VecDeque;

/// Where an agent is in its working cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Not logged in.
    Out,
    /// Free; in the ready queue.
    Ready,
    /// Held for this ringing call.
    Reserved(CallId),
    /// Reading this lead's record.
    Preview(LeadId),
    /// On this call.
    Talk(CallId),
    /// After-call work.
    Wrap,
    /// Logged in, not taking calls.
    Paused,
}

impl Status {
    fn state(self) -> Option<AgentState> {
        Some(match self {
            Status::Out => return None,
            Status::Ready => AgentState::Ready,
            Status::Reserved(_) => AgentState::Reserved,
            Status::Preview(_) => AgentState::Preview,
            Status::Talk(_) => AgentState::Talk,
            Status::Wrap => AgentState::Wrap,
            Status::Paused => AgentState::Paused,
        })
    }
}

/// What an agent does once its current work ends, when it asked for something else meanwhile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Then {
    /// Carry on taking calls.
    Work,
    /// Pause.
    Pause,
    /// Log out.
    LogOut,
}

#[derive(Debug)]
struct Agent {
    status: Status,
    since: Time,
    then: Then,
    /// Bumped each time the agent enters the ready queue, so stale queue entries are skipped.
    ready_ticket: u32,
    /// The record of the call just ended, held until wrap-up gives its disposition.
    pending_cdr: Option<Box<Cdr>>,
}

impl Agent {
    const OUT: Agent =
        Agent { status: Status::Out, since: Time::ZERO, then: Then::Work, ready_ticket: 0, pending_cdr: None };
}

/// Every agent the dialer has seen, indexed by [`AgentId`].
#[derive(Debug, Default)]
pub(crate) struct AgentTable {
    agents: Vec<Agent>,
    /// What pacers see: each agent's state and since when (`None`: logged out).
    view: Vec<Option<AgentView>>,
    ready_queue: VecDeque<(AgentId, u32)>,
    pub(crate) logged_in: u32,
    pub(crate) ready: u32,
    pub(crate) reserved: u32,
    pub(crate) paused: u32,
    pub(crate) previewing: u32,
}

impl AgentTable {
    /// The agent's status (`Out` for an agent never seen).
    pub(crate) fn status(&self, agent: AgentId) -> Status {
        self.agents.get(agent.index()).map_or(Status::Out, |a| a.status)
    }

    /// What the agent does after its current work.
    pub(crate) fn then(&self, agent: AgentId) -> Then {
        self.agents.get(agent.index()).map_or(Then::Work, |a| a.then)
    }

    /// Records what the agent does after its current work.
    pub(crate) fn set_then(&mut self, agent: AgentId, then: Then) {
        if let Some(a) = self.agents.get_mut(agent.index()) {
            a.then = then;
            if let Some(v) = &mut self.view[agent.index()] {
                v.leaving = then != Then::Work;
            }
        }
    }

    /// Each agent's state, since when, and whether it leaves after its current work, for pacers.
    pub(crate) fn view(&self) -> &[Option<AgentView>] {
        &self.view
    }

    /// Moves an agent to `status` at `now`, closing the interval of its old state (labelled `label`
    /// instead of the old state's own name when given) and returning it if it has any length.
    pub(crate) fn set(
        &mut self,
        agent: AgentId,
        status: Status,
        now: Time,
        label: Option<AgentState>,
    ) -> Option<AgentInterval> {
        let i = agent.index();
        if i >= self.agents.len() {
            self.agents.resize_with(i + 1, || Agent::OUT);
            self.view.resize(i + 1, None);
        }
        let a = &mut self.agents[i];
        let old = a.status;
        let closed = old.state().filter(|_| now > a.since).map(|state| AgentInterval {
            agent: agent.0,
            state: label.unwrap_or(state),
            start: a.since,
            end: now,
        });
        a.status = status;
        a.since = now;
        if status == Status::Ready {
            a.ready_ticket = a.ready_ticket.wrapping_add(1);
            self.ready_queue.push_back((agent, a.ready_ticket));
        }
        if status == Status::Out {
            a.then = Then::Work;
        }
        let leaving = a.then != Then::Work;
        self.view[i] = status.state().map(|state| AgentView { state, since: now, leaving });
        self.count(old, -1);
        self.count(status, 1);
        closed
    }

    fn count(&mut self, status: Status, delta: i32) {
        if status != Status::Out {
            self.logged_in = self.logged_in.wrapping_add_signed(delta);
        }
        match status {
            Status::Ready => self.ready = self.ready.wrapping_add_signed(delta),
            Status::Reserved(_) => self.reserved = self.reserved.wrapping_add_signed(delta),
            Status::Paused => self.paused = self.paused.wrapping_add_signed(delta),
            Status::Preview(_) => self.previewing = self.previewing.wrapping_add_signed(delta),
            _ => {}
        }
    }

    /// The longest-idle ready agent, taken out of the queue (its status is still `Ready`: the
    /// caller moves it on at once).
    pub(crate) fn pop_ready(&mut self) -> Option<AgentId> {
        while let Some((agent, ticket)) = self.ready_queue.pop_front() {
            let a = &self.agents[agent.index()];
            if a.status == Status::Ready && a.ready_ticket == ticket {
                return Some(agent);
            }
        }
        None
    }

    /// Holds a call's record until the agent's wrap-up adds the disposition.
    pub(crate) fn hold_cdr(&mut self, agent: AgentId, cdr: Box<Cdr>) {
        self.agents[agent.index()].pending_cdr = Some(cdr);
    }

    /// The record held by [`AgentTable::hold_cdr`], if any.
    pub(crate) fn take_cdr(&mut self, agent: AgentId) -> Option<Box<Cdr>> {
        self.agents.get_mut(agent.index()).and_then(|a| a.pending_cdr.take())
    }

    /// Every agent currently in `status`.
    pub(crate) fn all_in(&self, status: Status) -> Vec<AgentId> {
        (0..self.agents.len() as u32).map(AgentId).filter(|a| self.status(*a) == status).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_queue_serves_longest_idle_first_and_skips_stale_entries() {
        let mut t = AgentTable::default();
        for (i, ms) in [(0, 10), (1, 20), (2, 30)] {
            t.set(AgentId(i), Status::Ready, Time::from_ms(ms), None);
        }
        // Agent 0 pauses and comes back: it is now the most recently idle.
        t.set(AgentId(0), Status::Paused, Time::from_ms(40), None);
        t.set(AgentId(0), Status::Ready, Time::from_ms(50), None);
        assert_eq!(t.ready, 3);
        assert_eq!(t.pop_ready(), Some(AgentId(1)));
        assert_eq!(t.pop_ready(), Some(AgentId(2)));
        assert_eq!(t.pop_ready(), Some(AgentId(0)));
        assert_eq!(t.pop_ready(), None);
    }

    #[test]
    fn intervals_close_with_their_length_and_zero_length_ones_are_skipped() {
        let mut t = AgentTable::default();
        assert_eq!(t.set(AgentId(0), Status::Ready, Time::from_ms(100), None), None);
        let iv = t.set(AgentId(0), Status::Talk(CallId(1)), Time::from_ms(250), None).unwrap();
        assert_eq!((iv.state, iv.start, iv.end), (AgentState::Ready, Time::from_ms(100), Time::from_ms(250)));
        let iv = t.set(AgentId(0), Status::Ready, Time::from_ms(900), Some(AgentState::Machine)).unwrap();
        assert_eq!(iv.state, AgentState::Machine, "a talk on a machine is labelled machine");
        assert_eq!(t.set(AgentId(0), Status::Out, Time::from_ms(900), None), None);
        assert_eq!((t.logged_in, t.ready), (0, 0));
    }
}
