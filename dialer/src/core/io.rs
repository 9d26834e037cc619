//! What the world tells the dialer ([`Input`]) and what the dialer asks of the world ([`Output`]).

use super::{AgentId, CallId, LeadId};
use compact_str::CompactString;
use reports::{AgentInterval, AmdVerdict, Cdr, Party};

/// Something the world tells the dialer. Fed to [`Dialer::handle`](super::Dialer::handle).
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// An agent logged in and is ready for calls.
    AgentLogin { agent: AgentId },
    /// An agent logs out: at once if free, otherwise when the current call and wrap-up end.
    AgentLogout { agent: AgentId },
    /// An agent pauses: at once if free, otherwise after the current wrap-up.
    AgentPause { agent: AgentId },
    /// A paused agent is ready again.
    AgentResume { agent: AgentId },
    /// An agent finished reading a lead's record (preview mode) and chose to dial it or skip it.
    PreviewDone { agent: AgentId, dial: bool },
    /// An agent finished after-call work, with a wrap-up code (`sale`, `callback`, …) if any.
    WrapDone { agent: AgentId, disposition: CompactString },
    /// The far end is ringing (SIP 180).
    Ringing { call: CallId },
    /// The far end answered (SIP 200). `truth` is who really answered, where the world knows it
    /// (the simulator does); the core uses it only to write the record and, with
    /// [`Screening::Perfect`](super::Screening::Perfect), as the idealised instant detector.
    Answered { call: CallId, truth: Option<Party> },
    /// The answering-machine detector decided (with [`Screening::Amd`](super::Screening::Amd)).
    AmdVerdict { call: CallId, verdict: AmdVerdict },
    /// The network ended an unanswered call: busy, invalid number or failure.
    Rejected { call: CallId, reason: Rejection },
    /// The called person (or inbound caller) hung up.
    RemoteHangup { call: CallId },
    /// The agent ended the conversation; `machine` when it was an answering machine AMD let through.
    AgentHangup { call: CallId, machine: bool },
    /// A caller is calling in. Take the id from [`Dialer::inbound_call_id`](super::Dialer::inbound_call_id).
    InboundOffered { call: CallId, caller: CompactString },
    /// The end of the run or shift: start no new calls; agents log out once nothing is left for them.
    Stop,
    /// The time given by [`Dialer::poll_timeout`](super::Dialer::poll_timeout) has come. A spurious
    /// timeout is harmless.
    Timeout,
}

/// Why the network ended an unanswered call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The line was busy (SIP 486).
    Busy,
    /// The number does not exist (SIP 404).
    Invalid,
    /// Nobody answered, as the network reports it with this SIP code (480, 408, or a Q.850
    /// no-answer cause): the record's outcome is `no_answer`, as after the dialer's ring timeout.
    NoAnswer(u16),
    /// The call failed with this SIP code (503, 500, …).
    Failed(u16),
}

/// Something the dialer asks of the world, or a finished record. Drained with
/// [`Dialer::poll_output`](super::Dialer::poll_output).
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Place a call. `agent` is the agent reserved for it (progressive and preview modes).
    Dial { call: CallId, lead: LeadId, number: CompactString, agent: Option<AgentId> },
    /// Bridge an answered call (or an inbound caller) to an agent.
    Connect { call: CallId, agent: AgentId },
    /// End a call: cancel it if unanswered, hang it up if answered.
    Hangup { call: CallId },
    /// Play the abandon (safe-harbour) message to a live answer no agent could take, then hang up.
    Drop { call: CallId },
    /// Refuse an inbound call (no free line).
    Reject { call: CallId },
    /// Show an agent a lead's record to read before dialing (preview mode).
    OfferPreview { agent: AgentId, lead: LeadId },
    /// An agent's call ended and after-call work begins; answer with [`Input::WrapDone`].
    StartWrap { agent: AgentId },
    /// A finished call record (boxed: it is ten times the size of any other output, and outputs
    /// are moved through a queue by value).
    Cdr(Box<Cdr>),
    /// A closed stretch of an agent's time.
    AgentInterval(AgentInterval),
}
