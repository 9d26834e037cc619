//! Pacing: how many calls to start, and how. One trait, one implementation per dialing mode.
//!
//! A pacer sees only what a real dialer could observe — the [`PacerView`] of agents and calls in
//! flight, and each call's record as it ends — and is built from its own settings alone, never from
//! a model of the people being called. That is what lets the same pacer run in the simulator and
//! against a real trunk.

mod fixed;
mod plan;
pub mod predictive;
mod vicidial;

pub use fixed::{NoDialing, Preview, Progressive, Ratio};
pub use plan::{PacingMode, PacingPlan, PlanError};
pub use predictive::{AbandonRule, Predictive, PredictiveSettings};
pub use vicidial::{Vicidial, VicidialMethod, VicidialSettings, VicidialSettingsError};

use super::calls::{Call, Phase};
use super::{CallId, CallTable, Time};
use reports::{AgentInterval, AgentState, Cdr};
use std::collections::VecDeque;

/// How the core should dial right now, as decided by a [`Pacer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Dial nothing.
    Hold,
    /// Offer every ready agent a lead's record to read; the agent dials it (preview mode).
    Preview,
    /// Dial one call per ready agent, reserving the agent while the call rings (progressive mode;
    /// also the safe fall-back of adaptive pacers). Ready agents the calls already in flight
    /// without an agent could need ([`PacerView::unclaimed`]) are left to them, so falling back
    /// abandons nobody who was dialled ahead.
    Progressive,
    /// Start this many calls now, not tied to any agent; a live answer takes the first agent free.
    Start(u32),
}

/// A pacing policy. The core consults it after every input and at the time it asks for.
pub trait Pacer: Send {
    /// The mode's name as written in scenario files (`ratio`, `progressive`, …).
    fn name(&self) -> &'static str;

    /// What to dial now, given what the dialer can see.
    fn plan(&mut self, view: &PacerView<'_>) -> Plan;

    /// A call ended; `cdr` is its record (the agent's disposition may still be empty). Adaptive
    /// pacers learn answer rates, ring times and abandons from these.
    fn call_ended(&mut self, cdr: &Cdr) {
        let _ = cdr;
    }

    /// An outbound call placed at `dialed` and answered at `answered` needs an agent from `now`:
    /// a live answer (its greeting over), or a machine AMD let through. Its record comes only
    /// when the call ends, minutes later; pacers that learn answer rates learn them from this.
    fn needs_agent(&mut self, dialed: Time, answered: Time, now: Time) {
        let _ = (dialed, answered, now);
    }

    /// An agent's interval in one state ended (the same record the dialer writes to the agent log).
    /// Pacers learn wrap-up and talk times from these.
    fn interval_ended(&mut self, interval: &AgentInterval) {
        let _ = interval;
    }

    /// When the pacer wants to be consulted again even if nothing happens (adjust cycles).
    fn wakeup(&self) -> Option<Time> {
        None
    }
}

/// What a pacer may see of the dialer's state: counts a real dialer has, and each agent's state
/// and how long it has been in it.
#[derive(Clone, Copy, Debug)]
pub struct PacerView<'a> {
    /// The current time.
    pub now: Time,
    /// Agents logged in (any state).
    pub logged_in: u32,
    /// Agents ready and not reserved: free for the next live answer.
    pub ready: u32,
    /// Agents held for a ringing call.
    pub reserved: u32,
    /// Agents paused.
    pub paused: u32,
    /// Outbound calls placed and not yet answered.
    pub ringing: u32,
    /// Answered outbound calls waiting for the AMD verdict.
    pub amd_pending: u32,
    /// Live answers waiting for an agent (their drop clock running).
    pub waiting: u32,
    /// Inbound callers waiting for an agent.
    pub inbound_waiting: u32,
    /// Free trunk lines; `None` when the trunk is unlimited.
    pub lines_free: Option<u32>,
    /// Each agent's state and since when, by agent id (`None`: logged out). Pacers that expect
    /// who frees soon read how long each busy agent has been talking or wrapping.
    pub agents: &'a [Option<AgentView>],
    /// The outbound calls ringing now, with when each was placed.
    pub ringing_calls: RingingCalls<'a>,
}

/// One logged-in agent as a pacer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentView {
    /// What the agent is doing.
    pub state: AgentState,
    /// Since when.
    pub since: Time,
    /// The agent has asked to log out or pause once its current work is done: it will not take
    /// another call when it frees.
    pub leaving: bool,
}

/// The outbound calls ringing now, oldest first: a window onto the dialer's ring timers.
#[derive(Clone, Copy)]
pub struct RingingCalls<'a> {
    pub(crate) timers: &'a VecDeque<(Time, CallId)>,
    pub(crate) calls: &'a CallTable<Call>,
    pub(crate) ring_timeout_ms: u64,
}

impl<'a> RingingCalls<'a> {
    /// No calls (for pacers' tests).
    pub fn none() -> RingingCalls<'static> {
        static TIMERS: VecDeque<(Time, CallId)> = VecDeque::new();
        static CALLS: CallTable<Call> = CallTable::new();
        RingingCalls { timers: &TIMERS, calls: &CALLS, ring_timeout_ms: 0 }
    }

    /// Each ringing call: when it was placed, and whether an agent is reserved for it (progressive
    /// calls). Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = RingingCall> + 'a {
        let (calls, timeout) = (self.calls, self.ring_timeout_ms);
        self.timers.iter().filter_map(move |&(deadline, id)| {
            let call = calls.get(id).filter(|c| c.phase == Phase::Ringing)?;
            debug_assert_eq!(call.dial + timeout, deadline);
            Some(RingingCall { dialed: call.dial, reserved: call.agent.is_some() })
        })
    }
}

impl std::fmt::Debug for RingingCalls<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A ringing outbound call as a pacer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingingCall {
    /// When it was placed.
    pub dialed: Time,
    /// An agent is held for it (a progressive call): its live answer needs no other agent.
    pub reserved: bool,
}

impl PacerView<'_> {
    /// Outbound calls in flight that have not reached an agent: ringing, in AMD, or waiting.
    pub fn outstanding(&self) -> u32 {
        self.ringing + self.amd_pending + self.waiting
    }

    /// Outbound calls in flight with no agent held for them: the outstanding ones less those
    /// with a reserved agent (progressive and preview calls).
    pub fn unclaimed(&self) -> u32 {
        self.outstanding().saturating_sub(self.reserved)
    }
}
