//! The two record kinds of a run: one [`Cdr`] per call attempt, one [`AgentInterval`] per stretch
//! of an agent's time in one state. Their CSV forms are the contract in DESIGN.md ("Output of a run").

use crate::Time;
use compact_str::CompactString;

/// Declares a closed set of labels with the exact spelling used in the CSV files.
macro_rules! labels {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant,)+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The spelling used in the CSV files.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Parses the CSV spelling; `None` for anything else.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

labels! {
    /// Who started the call.
    Direction {
        /// Placed by the dialer.
        Outbound = "outbound",
        /// Placed by a caller to the centre.
        Inbound = "inbound",
    }
}

labels! {
    /// How a call attempt ended, from the campaign's point of view.
    Outcome {
        /// A live answer (or inbound caller) talked to an agent.
        Connected = "connected",
        /// A live answer (or inbound caller) never reached an agent: the person hung up waiting,
        /// or the dialer dropped the call with the abandon message.
        Abandoned = "abandoned",
        /// Answered by a machine, or classed machine by AMD (see `answered_by` for the truth).
        Machine = "machine",
        /// The line was busy (SIP 486).
        Busy = "busy",
        /// Nobody answered before the ring timeout.
        NoAnswer = "no_answer",
        /// The number does not exist (SIP 404).
        Invalid = "invalid",
        /// Not placed: no free trunk line.
        Blocked = "blocked",
        /// The network failed the call.
        Failed = "failed",
    }
}

labels! {
    /// Who or what answered the call, where known.
    Party {
        /// A person: a live answer.
        Human = "human",
        /// An answering machine or voicemail.
        Machine = "machine",
    }
}

labels! {
    /// The answering-machine detector's verdict.
    AmdVerdict {
        /// Classed as a person.
        Human = "human",
        /// Classed as a machine.
        Machine = "machine",
        /// The analysis ran out of time without a decision.
        NotSure = "notsure",
    }
}

labels! {
    /// Which side ended the call.
    HangupBy {
        /// The called person (or caller, inbound).
        Callee = "callee",
        /// The agent.
        Agent = "agent",
        /// The dialer: ring timeout, AMD machine verdict, abandon drop.
        Dialer = "dialer",
        /// The network or trunk (busy, invalid, failure).
        Network = "network",
    }
}

labels! {
    /// What an agent is doing during one [`AgentInterval`].
    AgentState {
        /// Logged in and free, waiting for a call.
        Ready = "ready",
        /// Held for a call that is ringing (progressive and preview modes).
        Reserved = "reserved",
        /// Reading a lead's record before deciding to dial (preview mode).
        Preview = "preview",
        /// Talking to a person.
        Talk = "talk",
        /// After-call work.
        Wrap = "wrap",
        /// Handling an answering machine that AMD let through.
        Machine = "machine",
        /// Logged in but not taking calls.
        Paused = "paused",
    }
}

impl AgentState {
    /// Whether this state counts as work in `occupancy`: talk, wrap, machine handling, preview.
    #[inline]
    pub const fn is_work(self) -> bool {
        matches!(self, AgentState::Talk | AgentState::Wrap | AgentState::Machine | AgentState::Preview)
    }
}

/// One call attempt, as written to a row of `cdr.csv`.
///
/// Times are [`Time`] offsets from the run's start; the CSV writer turns them into RFC 3339 UTC
/// timestamps. The duration columns of the file (`ring_ms`, `wait_ms`, `talk_ms`) are derived from
/// the times by [`Cdr::ring_ms`], [`Cdr::wait_ms`] and [`Cdr::talk_ms`], so they cannot disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cdr {
    /// Unique within the run.
    pub call_id: u64,
    /// The campaign the call belongs to.
    pub campaign: CompactString,
    /// The lead dialled (outbound); `None` for inbound calls.
    pub lead_id: Option<u64>,
    /// 1 for the first attempt at a lead, 2 for the first retry, … (inbound: 1).
    pub attempt: u32,
    /// Outbound or inbound.
    pub direction: Direction,
    /// Calling number.
    pub caller: CompactString,
    /// Called number.
    pub callee: CompactString,
    /// When the call was placed (outbound) or arrived (inbound).
    pub dial_time: Time,
    /// When it was answered (outbound) or accepted by the centre (inbound), if it was.
    pub answer_time: Option<Time>,
    /// When it was bridged to an agent, if it was.
    pub connect_time: Option<Time>,
    /// When it ended.
    pub end_time: Time,
    /// How it ended.
    pub outcome: Outcome,
    /// The agent's wrap-up code (`sale`, `callback`, `dnc_request`, …); empty if none.
    pub disposition: CompactString,
    /// Who really answered, where known (the simulator knows; a live run knows from agents).
    pub answered_by: Option<Party>,
    /// The AMD verdict; `None` when AMD was off.
    pub amd: Option<AmdVerdict>,
    /// The agent who took the call (or was reserved for it).
    pub agent: Option<u32>,
    /// Who ended the call.
    pub hangup_by: Option<HangupBy>,
    /// The final SIP response code (200, 486, 487, 404, 503, …).
    pub sip_code: Option<u16>,
    /// `sales`, `service`, `survey`, …; empty if not set.
    pub call_type: CompactString,
    /// A reference to a recording; empty if none.
    pub recording: CompactString,
}

impl Cdr {
    /// Ringing time: dial to answer, or dial to end for an unanswered call.
    #[inline]
    pub fn ring_ms(&self) -> u64 {
        self.answer_time.unwrap_or(self.end_time) - self.dial_time
    }

    /// Time from the answer to the agent (connected), or to the end (abandoned and other answered
    /// calls not connected); `None` if never answered.
    #[inline]
    pub fn wait_ms(&self) -> Option<u64> {
        let answer = self.answer_time?;
        Some(self.connect_time.unwrap_or(self.end_time) - answer)
    }

    /// Time with an agent; `None` if never connected.
    #[inline]
    pub fn talk_ms(&self) -> Option<u64> {
        Some(self.end_time - self.connect_time?)
    }

    /// Whether a person answered and was not classed a machine: the denominator of both abandon
    /// rules (DESIGN.md, "Semantics"). Every such call ends `connected` or `abandoned`, and no
    /// other does.
    #[inline]
    pub fn is_live_answer(&self) -> bool {
        matches!(self.outcome, Outcome::Connected | Outcome::Abandoned)
    }

    /// Whether AMD classed a person as a machine and the dialer hung up on them (a silent call,
    /// counted by Ofcom). Only the simulator knows this for certain.
    #[inline]
    pub fn is_amd_false_positive(&self) -> bool {
        self.answered_by == Some(Party::Human) && self.amd == Some(AmdVerdict::Machine)
    }

    /// Whether the call held a trunk line (every call but a blocked one), from dial to end.
    #[inline]
    pub fn holds_line(&self) -> bool {
        self.outcome != Outcome::Blocked
    }
}

/// One stretch of an agent's time in one state, as written to a row of `agents.csv`.
///
/// An agent's logged-in time is the sum of its intervals; gaps are time logged out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentInterval {
    /// The agent.
    pub agent: u32,
    /// What the agent was doing.
    pub state: AgentState,
    /// When the state began.
    pub start: Time,
    /// When it ended.
    pub end: Time,
}

impl AgentInterval {
    /// Length of the interval in milliseconds.
    #[inline]
    pub fn duration_ms(&self) -> u64 {
        self.end - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_round_trips_through_its_csv_spelling() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(*o));
        }
        for s in AgentState::ALL {
            assert_eq!(AgentState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(AmdVerdict::parse("notsure"), Some(AmdVerdict::NotSure));
        assert_eq!(Outcome::parse("Connected"), None, "spellings are exact and lower case");
    }

    #[test]
    fn durations_derive_from_times() {
        let cdr = Cdr {
            call_id: 1,
            campaign: "c".into(),
            lead_id: Some(7),
            attempt: 1,
            direction: Direction::Outbound,
            caller: "".into(),
            callee: "".into(),
            dial_time: Time::from_ms(1000),
            answer_time: Some(Time::from_ms(13_000)),
            connect_time: Some(Time::from_ms(13_400)),
            end_time: Time::from_ms(200_000),
            outcome: Outcome::Connected,
            disposition: "".into(),
            answered_by: Some(Party::Human),
            amd: None,
            agent: Some(3),
            hangup_by: Some(HangupBy::Agent),
            sip_code: Some(200),
            call_type: "".into(),
            recording: "".into(),
        };
        assert_eq!(cdr.ring_ms(), 12_000);
        assert_eq!(cdr.wait_ms(), Some(400));
        assert_eq!(cdr.talk_ms(), Some(186_600));
        let unanswered = Cdr { answer_time: None, connect_time: None, end_time: Time::from_ms(26_000), ..cdr };
        assert_eq!(unanswered.ring_ms(), 25_000);
        assert_eq!(unanswered.wait_ms(), None);
        assert_eq!(unanswered.talk_ms(), None);
    }
}
