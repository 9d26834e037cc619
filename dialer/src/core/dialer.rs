//! [`Dialer`]: the state machine that turns inputs and time into calls, connections and records.

use super::agents::{AgentTable, Status, Then};
use super::calls::{Call, End, Phase, Placed, blank_record};
use super::pacer::{Pacer, PacerView, Plan, RingingCalls};
use super::{AgentId, CallId, CallTable, Input, Lead, LeadSource, Output, Time};
use compact_str::CompactString;
use reports::{AgentState, AmdVerdict, Cdr, Direction, Party};
use std::collections::VecDeque;

/// How answered calls are screened for answering machines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Screening {
    /// No detection: every answer is treated as a person.
    #[default]
    Off,
    /// The simulator's idealised detector: the world says who answered ([`Input::Answered`]'s
    /// `truth`) and machines are hung up on at once, with no delay and no error. The CDR's `amd`
    /// column stays empty, as no detector ran.
    Perfect,
    /// A real detector: every answer waits for an [`Input::AmdVerdict`]; `machine` is hung up on,
    /// `human` and `notsure` go to agents.
    Amd,
}

/// The dialer's settings: what a campaign on a real trunk would configure.
#[derive(Clone, Debug)]
pub struct Config {
    /// The campaign name written in every CDR.
    pub campaign: CompactString,
    /// The calling number presented on outbound calls.
    pub caller_id: CompactString,
    /// Give up on an unanswered call after this long (CANCEL, `no_answer`).
    pub ring_timeout_ms: u64,
    /// Drop a waiting live answer with the abandon message after this long; `None`: never.
    pub drop_after_ms: Option<u64>,
    /// Trunk lines (simultaneous calls, outbound and inbound); 0 = unlimited.
    pub lines: u32,
    /// Answering-machine screening.
    pub screening: Screening,
    /// Where the numbers come from.
    pub leads: LeadSource,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            campaign: CompactString::const_new("default"),
            caller_id: CompactString::const_new("+15550100000"),
            ring_timeout_ms: 25_000,
            drop_after_ms: Some(2_000),
            lines: 0,
            screening: Screening::Off,
            leads: LeadSource::endless(),
        }
    }
}

/// An input that does not fit the dialer's state. The dialer is unchanged when it returns one:
/// a driver can log it and carry on (a late network event for a call already ended is normal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The call is not in flight (never placed, or already ended).
    #[error("{0} is not a call in flight")]
    UnknownCall(CallId),
    /// The call is in flight but cannot take this input now.
    #[error("{call} is {phase}, so `{input}` does not apply to it")]
    CallState { call: CallId, phase: &'static str, input: &'static str },
    /// The agent cannot take this input in its current state.
    #[error("{agent} is {state}, so `{input}` does not apply to it")]
    AgentState { agent: AgentId, state: &'static str, input: &'static str },
    /// An inbound call reused an id already in flight, or one never handed out.
    #[error("{0} is in flight or was never handed out; take inbound ids from Dialer::inbound_call_id")]
    DuplicateCall(CallId),
    /// An agent id beyond [`MAX_AGENT_ID`].
    #[error("{0} is beyond the largest agent id the dialer accepts ({MAX_AGENT_ID})")]
    AgentId(AgentId),
    /// An input came with a time before the previous input's.
    #[error("time went back: input at {now}, after one at {last}")]
    TimeWentBack { now: Time, last: Time },
}

/// A timer of the core: data, not a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// The ring timeout of an unanswered call.
    Ring(CallId),
    /// The drop clock of a waiting live answer.
    Drop(CallId),
}

/// Pending timers. Every ring timeout is the same length after its dial, and every drop clock the
/// same length after its answer, so each kind is set in the order it fires: two FIFO queues of
/// deadlines replace a priority queue. Cancelled timers are skipped when they reach the front.
#[derive(Debug, Default)]
struct Timers {
    ring: VecDeque<(Time, CallId)>,
    drop: VecDeque<(Time, CallId)>,
}

impl Timers {
    fn set(&mut self, at: Time, timer: Timer) {
        let (queue, id) = match timer {
            Timer::Ring(id) => (&mut self.ring, id),
            Timer::Drop(id) => (&mut self.drop, id),
        };
        debug_assert!(queue.back().is_none_or(|(last, _)| *last <= at), "deadlines of one kind come in order");
        queue.push_back((at, id));
    }

    /// The earliest pending timer.
    fn next(&self) -> Option<(Time, Timer)> {
        let ring = self.ring.front().map(|&(t, id)| (t, Timer::Ring(id)));
        let drop = self.drop.front().map(|&(t, id)| (t, Timer::Drop(id)));
        match (ring, drop) {
            (Some(r), Some(d)) => Some(if d.0 < r.0 { d } else { r }),
            (r, d) => r.or(d),
        }
    }

    /// Removes the timer [`Timers::next`] returned.
    fn pop(&mut self, timer: Timer) {
        match timer {
            Timer::Ring(_) => self.ring.pop_front(),
            Timer::Drop(_) => self.drop.pop_front(),
        };
    }
}

/// Counts of calls in flight by phase (exact, not derived from the lazily-cleaned queues).
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    ringing: u32,
    amd_pending: u32,
    waiting: u32,
    inbound_waiting: u32,
    lines_in_use: u32,
}

/// The dialer core. Feed it [`Input`]s with [`Dialer::handle`], drain [`Output`]s with
/// [`Dialer::poll_output`], and wake it at [`Dialer::poll_timeout`].
pub struct Dialer {
    config: Config,
    pacer: Box<dyn Pacer>,
    agents: AgentTable,
    /// The lead each previewing agent is reading, by agent index.
    previews: Vec<Option<Lead>>,
    calls: CallTable<Call>,
    next_call: u64,
    timers: Timers,
    waiting_out: VecDeque<CallId>,
    waiting_in: VecDeque<CallId>,
    counts: Counts,
    outputs: VecDeque<Output>,
    /// Boxes of records the driver handed back ([`Dialer::recycle`]), reused for the next calls.
    #[allow(clippy::vec_box, reason = "the boxes themselves are what is kept, to be handed out again")]
    spare: Vec<Box<Cdr>>,
    stopped: bool,
    /// The time of the last input, to check that time never goes back.
    last_input: Time,
    /// What [`Dialer::poll_timeout`] answers: worked out at the end of each input, the only time
    /// timers are set or the pacer changes.
    next_timeout: Option<Time>,
}

/// The largest agent id the core accepts: agent tables are indexed by id, so a stray id from a
/// driver must not make them enormous.
pub const MAX_AGENT_ID: u32 = 1 << 20;

/// How many handed-back record boxes to keep beyond one per call in flight (every call in flight
/// holds its record's box, so that many cover the ebb and flow of calls).
const SPARE_RECORDS: usize = 64;

impl Dialer {
    /// A dialer with no agents logged in and no calls.
    pub fn new(config: Config, pacer: Box<dyn Pacer>) -> Dialer {
        let next_timeout = pacer.wakeup();
        Dialer {
            config,
            pacer,
            agents: AgentTable::default(),
            previews: Vec::new(),
            calls: CallTable::default(),
            next_call: 1,
            timers: Timers::default(),
            waiting_out: VecDeque::new(),
            waiting_in: VecDeque::new(),
            counts: Counts::default(),
            outputs: VecDeque::new(),
            spare: Vec::new(),
            stopped: false,
            last_input: Time::ZERO,
            next_timeout,
        }
    }

    /// The pacer's mode name.
    pub fn pacer_name(&self) -> &'static str {
        self.pacer.name()
    }

    /// A fresh id for an inbound call, to pass in [`Input::InboundOffered`].
    pub fn inbound_call_id(&mut self) -> CallId {
        let id = CallId(self.next_call);
        self.next_call += 1;
        id
    }

    /// Numbers this dialer's outbound calls after `last`: a live dialer restarted on a campaign
    /// store keeps call ids unique across runs (the store refuses a call id it has journaled).
    /// Ids already handed out are never handed out again, so it only ever moves the counter on.
    pub fn number_calls_after(&mut self, last: CallId) {
        self.next_call = self.next_call.max(last.0.saturating_add(1));
    }

    /// The leads the dialer takes its next calls from. A live driver replaces a
    /// [`LeadSource::List`] before each input with the leads its campaign store says are due,
    /// so every decision rests on what is on disk; the simulator leaves it alone.
    pub fn leads_mut(&mut self) -> &mut LeadSource {
        &mut self.config.leads
    }

    /// The next output, or `None` when the dialer has nothing more to say until the next input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Hands back the box of an [`Output::Cdr`] the driver has finished with, so a later call
    /// writes its record there instead of allocating. Optional; the simulator does it for every
    /// call.
    pub fn recycle(&mut self, record: Box<Cdr>) {
        if self.spare.len() < SPARE_RECORDS.max(self.calls.len()) {
            self.spare.push(record);
        }
    }

    /// A box for a new call's record: a recycled one if there is one.
    fn record_box(&mut self) -> Box<Cdr> {
        self.spare.pop().unwrap_or_else(blank_record)
    }

    /// Queues a finished record.
    fn emit(&mut self, cdr: Box<Cdr>) {
        self.outputs.push_back(Output::Cdr(cdr));
    }

    /// When the dialer next needs [`Input::Timeout`], if ever.
    #[inline]
    pub fn poll_timeout(&self) -> Option<Time> {
        self.next_timeout
    }

    /// Lines in use now (outbound and inbound calls in flight).
    pub fn lines_in_use(&self) -> u32 {
        self.counts.lines_in_use
    }

    /// Whether the run is over: stopped, no call in flight and no agent logged in.
    pub fn is_finished(&self) -> bool {
        self.stopped && self.calls.is_empty() && self.agents.logged_in == 0
    }

    /// Takes one input at time `now` (which must not go back), then lets the pacer act.
    pub fn handle(&mut self, input: Input, now: Time) -> Result<(), InputError> {
        if now < self.last_input {
            return Err(InputError::TimeWentBack { now, last: self.last_input });
        }
        self.last_input = now;
        match input {
            Input::AgentLogin { agent } if agent.0 > MAX_AGENT_ID => return Err(InputError::AgentId(agent)),
            Input::AgentLogin { agent } => match self.agents.status(agent) {
                Status::Out => self.free_agent(agent, now, None),
                other => return Err(agent_err(agent, other, "login")),
            },
            Input::AgentLogout { agent } => match self.agents.status(agent) {
                Status::Ready | Status::Paused => self.set_agent(agent, Status::Out, now, None),
                Status::Out => return Err(agent_err(agent, Status::Out, "logout")),
                _ => self.agents.set_then(agent, Then::LogOut),
            },
            Input::AgentPause { agent } => match self.agents.status(agent) {
                Status::Ready => self.set_agent(agent, Status::Paused, now, None),
                s @ (Status::Out | Status::Paused) => return Err(agent_err(agent, s, "pause")),
                // A pending logout stands: pausing first would change nothing.
                _ if self.agents.then(agent) == Then::LogOut => {}
                _ => self.agents.set_then(agent, Then::Pause),
            },
            Input::AgentResume { agent } => match self.agents.status(agent) {
                Status::Paused => self.free_agent(agent, now, None),
                _ if self.agents.then(agent) == Then::Pause => self.agents.set_then(agent, Then::Work),
                s => return Err(agent_err(agent, s, "resume")),
            },
            Input::PreviewDone { agent, dial } => {
                let Status::Preview(_) = self.agents.status(agent) else {
                    return Err(agent_err(agent, self.agents.status(agent), "preview_done"));
                };
                let lead = self.previews.get_mut(agent.index()).and_then(Option::take);
                match lead {
                    // An agent who asked to log out or pause meanwhile does not start a call.
                    Some(lead) if dial && !self.stopped && self.agents.then(agent) == Then::Work => {
                        self.place(lead, Some(agent), now)
                    }
                    _ => self.free_agent(agent, now, None),
                }
            }
            Input::WrapDone { agent, disposition } => {
                if self.agents.status(agent) != Status::Wrap {
                    return Err(agent_err(agent, self.agents.status(agent), "wrap_done"));
                }
                if let Some(mut cdr) = self.agents.take_cdr(agent) {
                    cdr.disposition = disposition;
                    self.emit(cdr);
                }
                self.free_agent(agent, now, None);
            }
            Input::Ringing { call } => {
                self.expect_phase(call, &[Phase::Ringing], "ringing")?;
            }
            Input::Answered { call: id, truth } => {
                self.expect_phase(id, &[Phase::Ringing], "answered")?;
                let screening = self.config.screening;
                let call = self.call_mut(id);
                call.record.answer_time = Some(now);
                call.truth = truth;
                match screening {
                    Screening::Perfect if truth == Some(Party::Machine) => self.hang_up(id, End::Screened, now),
                    Screening::Amd => self.set_phase(id, Phase::Amd),
                    Screening::Perfect | Screening::Off => self.greeting_done(id, now),
                }
            }
            Input::AmdVerdict { call: id, verdict } => {
                self.expect_phase(id, &[Phase::Amd], "amd_verdict")?;
                self.call_mut(id).record.amd = Some(verdict);
                match verdict {
                    AmdVerdict::Machine => self.hang_up(id, End::Screened, now),
                    AmdVerdict::Human | AmdVerdict::NotSure => self.greeting_done(id, now),
                }
            }
            Input::Rejected { call, reason } => {
                self.expect_phase(call, &[Phase::Ringing], "rejected")?;
                self.end_call(call, End::Rejected(reason), now);
            }
            Input::RemoteHangup { call } => {
                self.expect_phase(call, &[Phase::Amd, Phase::Waiting, Phase::Talking], "remote_hangup")?;
                self.end_call(call, End::Remote, now);
            }
            Input::AgentHangup { call, machine } => {
                self.expect_phase(call, &[Phase::Talking], "agent_hangup")?;
                self.end_call(call, End::Agent { machine }, now);
            }
            Input::InboundOffered { call: id, caller } => self.offer_inbound(id, caller, now)?,
            Input::Stop => {
                self.stopped = true;
                for agent in self.agents.all_in(Status::Paused) {
                    self.set_agent(agent, Status::Out, now, None);
                }
            }
            Input::Timeout => self.fire_timers(now),
        }
        self.pace(now);
        let timer = self.purge_stale_timers();
        let pacer = if self.stopped { None } else { self.pacer.wakeup() };
        self.next_timeout = match (timer, pacer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(())
    }

    // ----- inputs about calls -------------------------------------------------------------------

    fn call_mut(&mut self, id: CallId) -> &mut Call {
        // The callers checked the call is in flight a moment ago.
        self.calls.get_mut(id).expect("call checked to be in flight")
    }

    fn expect_phase(&self, id: CallId, phases: &[Phase], input: &'static str) -> Result<(), InputError> {
        let call = self.calls.get(id).ok_or(InputError::UnknownCall(id))?;
        if phases.contains(&call.phase) {
            Ok(())
        } else {
            Err(InputError::CallState { call: id, phase: phase_name(call.phase), input })
        }
    }

    fn set_phase(&mut self, id: CallId, phase: Phase) {
        let call = self.call_mut(id);
        let (old, direction) = (call.phase, call.direction);
        call.phase = phase;
        self.count_phase(direction, old, -1);
        self.count_phase(direction, phase, 1);
    }

    fn count_phase(&mut self, direction: Direction, phase: Phase, delta: i32) {
        let c = &mut self.counts;
        let field = match (direction, phase) {
            (Direction::Outbound, Phase::Ringing) => &mut c.ringing,
            (Direction::Outbound, Phase::Amd) => &mut c.amd_pending,
            (Direction::Outbound, Phase::Waiting) => &mut c.waiting,
            (Direction::Inbound, Phase::Waiting) => &mut c.inbound_waiting,
            _ => return,
        };
        *field = field.wrapping_add_signed(delta);
    }

    /// The person's greeting is over (answer, or AMD verdict): connect to an agent or start waiting.
    fn greeting_done(&mut self, id: CallId, now: Time) {
        let call = self.call_mut(id);
        let (reserved, dialed, answered) = (call.agent, call.dial, call.record.answer_time.unwrap_or(now));
        self.pacer.needs_agent(dialed, answered, now);
        if let Some(agent) = reserved.or_else(|| self.agents.pop_ready()) {
            self.connect(id, agent, now, None);
            return;
        }
        self.set_phase(id, Phase::Waiting);
        self.waiting_out.push_back(id);
        if let Some(ms) = self.config.drop_after_ms {
            self.timers.set(now + ms, Timer::Drop(id));
        }
    }

    fn offer_inbound(&mut self, id: CallId, caller: CompactString, now: Time) -> Result<(), InputError> {
        if self.calls.contains(id) || id.0 >= self.next_call {
            return Err(InputError::DuplicateCall(id));
        }
        let placed = Placed {
            id,
            lead: None,
            attempt: 1,
            direction: Direction::Inbound,
            caller,
            callee: self.config.caller_id.clone(),
            dial: now,
            agent: None,
            phase: Phase::Waiting,
        };
        let mut call = Call::start(self.record_box(), &self.config.campaign, placed);
        // Refused before it is answered: the centre is closed (after the end of the run, or with
        // no agent logged in), or no line is free.
        let refused = if self.stopped || self.agents.logged_in == 0 {
            Some(End::Closed)
        } else if !self.line_free() {
            Some(End::Blocked)
        } else {
            None
        };
        if let Some(end) = refused {
            call.finish(end, now);
            self.pacer.call_ended(&call.record);
            self.outputs.push_back(Output::Reject { call: id });
            self.emit(call.record);
            return Ok(());
        }
        call.record.answer_time = Some(now);
        call.truth = Some(Party::Human);
        self.counts.lines_in_use += 1;
        self.calls.insert(id, call);
        self.count_phase(Direction::Inbound, Phase::Waiting, 1);
        match self.agents.pop_ready() {
            Some(agent) => self.connect(id, agent, now, None),
            None => self.waiting_in.push_back(id),
        }
        Ok(())
    }

    /// The last agent has left: people still waiting will not be served. They hear the closing
    /// (abandon) message and are released, rather than waiting forever.
    fn release_waiting(&mut self, now: Time) {
        while let Some(id) = self.pop_waiting() {
            self.hang_up(id, End::Dropped, now);
        }
    }

    /// Bridges a call to an agent; `label` names the agent's interval being closed when it differs
    /// from its state (a machine handled under `talk`).
    fn connect(&mut self, id: CallId, agent: AgentId, now: Time, label: Option<AgentState>) {
        self.set_phase(id, Phase::Talking);
        let call = self.call_mut(id);
        call.record.connect_time = Some(now);
        call.agent = Some(agent);
        self.set_agent(agent, Status::Talk(id), now, label);
        self.outputs.push_back(Output::Connect { call: id, agent });
    }

    /// The dialer ends an answered or ringing call itself.
    fn hang_up(&mut self, id: CallId, end: End, now: Time) {
        self.outputs.push_back(if end == End::Dropped {
            Output::Drop { call: id }
        } else {
            Output::Hangup { call: id }
        });
        self.end_call(id, end, now);
    }

    /// Ends a call in flight: frees its line, writes its record, and moves its agent on.
    fn end_call(&mut self, id: CallId, end: End, now: Time) {
        let mut call = self.calls.remove(id).expect("call checked to be in flight");
        self.count_phase(call.direction, call.phase, -1);
        self.counts.lines_in_use -= 1;
        call.finish(end, now);
        let cdr = call.record;
        self.pacer.call_ended(&cdr);
        match (call.agent, call.phase) {
            (Some(agent), Phase::Talking) if end == (End::Agent { machine: true }) => {
                self.emit(cdr);
                self.free_agent(agent, now, Some(AgentState::Machine));
            }
            (Some(agent), Phase::Talking) => {
                self.agents.hold_cdr(agent, cdr);
                self.set_agent(agent, Status::Wrap, now, None);
                self.outputs.push_back(Output::StartWrap { agent });
            }
            (Some(agent), _) => {
                self.emit(cdr);
                self.free_agent(agent, now, None);
            }
            (None, _) => self.emit(cdr),
        }
    }

    fn fire_timers(&mut self, now: Time) {
        while let Some((at, timer)) = self.timers.next() {
            if at > now {
                break;
            }
            self.timers.pop(timer);
            if !self.timer_live(timer) {
                continue;
            }
            match timer {
                Timer::Ring(id) => self.hang_up(id, End::NoAnswer, now),
                Timer::Drop(id) => self.hang_up(id, End::Dropped, now),
            }
        }
    }

    /// Whether a timer still means something (timers are cancelled lazily).
    fn timer_live(&self, timer: Timer) -> bool {
        match timer {
            Timer::Ring(id) => self.calls.get(id).is_some_and(|c| c.phase == Phase::Ringing),
            Timer::Drop(id) => self.calls.get(id).is_some_and(|c| c.phase == Phase::Waiting),
        }
    }

    /// Drops cancelled timers from the front of the queues so `poll_timeout` does not wake the
    /// driver for nothing; returns when the first live timer is due.
    fn purge_stale_timers(&mut self) -> Option<Time> {
        while let Some((at, timer)) = self.timers.next() {
            if self.timer_live(timer) {
                return Some(at);
            }
            self.timers.pop(timer);
        }
        None
    }

    // ----- agents -------------------------------------------------------------------------------

    fn set_agent(&mut self, agent: AgentId, status: Status, now: Time, label: Option<AgentState>) {
        if let Some(interval) = self.agents.set(agent, status, now, label) {
            self.pacer.interval_ended(&interval);
            self.outputs.push_back(Output::AgentInterval(interval));
        }
        if status == Status::Out && self.agents.logged_in == 0 {
            self.release_waiting(now);
        }
    }

    /// An agent's work is done (or it logged in, or resumed): it logs out or pauses if it asked to,
    /// else takes the longest-waiting live answer, then the longest-waiting inbound caller, and only
    /// then becomes ready. `label` names the interval being closed when it differs from the state.
    fn free_agent(&mut self, agent: AgentId, now: Time, label: Option<AgentState>) {
        match self.agents.then(agent) {
            Then::LogOut => return self.set_agent(agent, Status::Out, now, label),
            // After the end of the run a pause is an end of shift.
            Then::Pause if self.stopped => return self.set_agent(agent, Status::Out, now, label),
            Then::Pause => {
                self.agents.set_then(agent, Then::Work);
                return self.set_agent(agent, Status::Paused, now, label);
            }
            Then::Work => {}
        }
        if let Some(id) = self.pop_waiting() {
            return self.connect(id, agent, now, label);
        }
        let status = if self.stopped && self.nothing_in_flight() { Status::Out } else { Status::Ready };
        self.set_agent(agent, status, now, label);
    }

    fn pop_waiting(&mut self) -> Option<CallId> {
        for queue in [&mut self.waiting_out, &mut self.waiting_in] {
            while let Some(id) = queue.pop_front() {
                if self.calls.get(id).is_some_and(|c| c.phase == Phase::Waiting) {
                    return Some(id);
                }
            }
        }
        None
    }

    fn nothing_in_flight(&self) -> bool {
        let c = &self.counts;
        c.ringing + c.amd_pending + c.waiting + c.inbound_waiting == 0
    }

    // ----- pacing -------------------------------------------------------------------------------

    fn line_free(&self) -> bool {
        self.config.lines == 0 || self.counts.lines_in_use < self.config.lines
    }

    /// Whether a line is free for one more preview: an agent reading a record will dial, so
    /// previews in progress count against the lines.
    fn line_free_for_preview(&self) -> bool {
        self.config.lines == 0 || self.counts.lines_in_use + self.agents.previewing < self.config.lines
    }

    /// Asks the pacer what to dial and does it.
    fn pace(&mut self, now: Time) {
        if self.stopped {
            if self.nothing_in_flight() {
                while let Some(agent) = self.agents.pop_ready() {
                    self.set_agent(agent, Status::Out, now, None);
                }
            }
            return;
        }
        let c = self.counts;
        let view = PacerView {
            now,
            logged_in: self.agents.logged_in,
            ready: self.agents.ready,
            reserved: self.agents.reserved,
            paused: self.agents.paused,
            ringing: c.ringing,
            amd_pending: c.amd_pending,
            waiting: c.waiting,
            inbound_waiting: c.inbound_waiting,
            lines_free: (self.config.lines > 0).then(|| self.config.lines.saturating_sub(c.lines_in_use)),
            agents: self.agents.view(),
            ringing_calls: RingingCalls {
                timers: &self.timers.ring,
                calls: &self.calls,
                ring_timeout_ms: self.config.ring_timeout_ms,
            },
        };
        let unclaimed = view.unclaimed();
        match self.pacer.plan(&view) {
            Plan::Hold => {}
            Plan::Preview => {
                while self.line_free_for_preview() && self.config.leads.has_next() {
                    let Some(agent) = self.agents.pop_ready() else { break };
                    let lead = self.config.leads.next_lead().expect("has_next checked");
                    let lead_id = lead.id;
                    if self.previews.len() <= agent.index() {
                        self.previews.resize(agent.index() + 1, None);
                    }
                    self.previews[agent.index()] = Some(lead);
                    self.set_agent(agent, Status::Preview(lead_id), now, None);
                    self.outputs.push_back(Output::OfferPreview { agent, lead: lead_id });
                }
            }
            Plan::Progressive => {
                while self.line_free() && self.config.leads.has_next() && self.agents.ready > unclaimed {
                    let Some(agent) = self.agents.pop_ready() else { break };
                    let lead = self.config.leads.next_lead().expect("has_next checked");
                    self.place(lead, Some(agent), now);
                }
            }
            Plan::Start(n) => {
                for _ in 0..n {
                    let Some(lead) = self.line_free().then(|| self.config.leads.next_lead()).flatten() else {
                        break;
                    };
                    self.place(lead, None, now);
                }
            }
        }
    }

    /// Places a call to `lead`, reserving `agent` for it if given. Without a free line (possible
    /// only when lines filled while a preview agent read the record) the attempt is recorded as
    /// `blocked` and the agent is freed.
    fn place(&mut self, lead: Lead, agent: Option<AgentId>, now: Time) {
        let id = CallId(self.next_call);
        self.next_call += 1;
        let placed = Placed {
            id,
            lead: Some(lead.id),
            attempt: lead.attempt,
            direction: Direction::Outbound,
            caller: self.config.caller_id.clone(),
            callee: lead.number,
            dial: now,
            agent,
            phase: Phase::Ringing,
        };
        let mut call = Call::start(self.record_box(), &self.config.campaign, placed);
        if !self.line_free() {
            call.finish(End::Blocked, now);
            self.pacer.call_ended(&call.record);
            self.emit(call.record);
            if let Some(agent) = agent {
                self.free_agent(agent, now, None);
            }
            return;
        }
        let number = call.record.callee.clone();
        self.calls.insert(id, call);
        self.counts.lines_in_use += 1;
        self.counts.ringing += 1;
        self.timers.set(now + self.config.ring_timeout_ms, Timer::Ring(id));
        if let Some(agent) = agent {
            self.set_agent(agent, Status::Reserved(id), now, None);
        }
        self.outputs.push_back(Output::Dial { call: id, lead: lead.id, number, agent });
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Ringing => "ringing",
        Phase::Amd => "awaiting the AMD verdict",
        Phase::Waiting => "waiting for an agent",
        Phase::Talking => "talking to an agent",
    }
}

fn agent_err(agent: AgentId, status: Status, input: &'static str) -> InputError {
    let state = match status {
        Status::Out => "logged out",
        Status::Ready => "ready",
        Status::Reserved(_) => "reserved for a ringing call",
        Status::Preview(_) => "previewing a lead",
        Status::Talk(_) => "talking",
        Status::Wrap => "in wrap-up",
        Status::Paused => "paused",
    };
    InputError::AgentState { agent, state, input }
}
