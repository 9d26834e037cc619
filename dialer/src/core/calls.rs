//! Calls in flight, and how a finished call becomes its [`Cdr`].

use super::{AgentId, LeadId, Rejection, Time};
use compact_str::CompactString;
use reports::{AmdVerdict, Cdr, Direction, HangupBy, Outcome, Party};

/// Where a call in flight is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Placed, no answer yet.
    Ringing,
    /// Answered, the AMD verdict pending.
    Amd,
    /// A live answer (or inbound caller) waiting for an agent.
    Waiting,
    /// Bridged to an agent.
    Talking,
}

/// A call in flight.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub lead: Option<LeadId>,
    pub attempt: u32,
    pub direction: Direction,
    pub caller: CompactString,
    pub callee: CompactString,
    pub dial: Time,
    pub answer: Option<Time>,
    pub connect: Option<Time>,
    /// The agent reserved for the call or talking on it.
    pub agent: Option<AgentId>,
    pub truth: Option<Party>,
    pub amd: Option<AmdVerdict>,
    pub phase: Phase,
}

/// Why a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The dialer gave up at the ring timeout (CANCEL).
    NoAnswer,
    /// The network refused it.
    Rejected(Rejection),
    /// No trunk line was free; never placed.
    Blocked,
    /// An inbound call refused because the centre is closed (no agent logged in, or the run is over).
    Closed,
    /// The dialer hung up on a machine (AMD verdict or perfect screening).
    Screened,
    /// The dialer dropped a waiting live answer with the abandon message.
    Dropped,
    /// The called person or caller hung up.
    Remote,
    /// The agent hung up; `machine` when it was an answering machine.
    Agent { machine: bool },
}

impl Call {
    /// Who answered, as best known: the world's truth, else what the agent reported, else the
    /// detector's verdict, else (answered with detection off) a person.
    fn answered_by(&self, end: End) -> Option<Party> {
        self.answer?;
        if let Some(truth) = self.truth {
            return Some(truth);
        }
        if end == (End::Agent { machine: true }) {
            return Some(Party::Machine);
        }
        Some(match self.amd {
            Some(AmdVerdict::Machine) => Party::Machine,
            _ => Party::Human,
        })
    }

    /// The record of this call, ended at `now` for `end`.
    pub(crate) fn record(&self, id: u64, campaign: &CompactString, end: End, now: Time) -> Cdr {
        let answered_by = self.answered_by(end);
        let outcome = match end {
            End::NoAnswer => Outcome::NoAnswer,
            End::Rejected(Rejection::Busy) => Outcome::Busy,
            End::Rejected(Rejection::Invalid) => Outcome::Invalid,
            End::Rejected(Rejection::Failed(_)) => Outcome::Failed,
            End::Blocked => Outcome::Blocked,
            End::Closed => Outcome::Failed,
            End::Screened | End::Dropped | End::Remote | End::Agent { .. } => {
                if answered_by == Some(Party::Machine) || self.amd == Some(AmdVerdict::Machine) {
                    Outcome::Machine
                } else if self.connect.is_some() {
                    Outcome::Connected
                } else {
                    Outcome::Abandoned
                }
            }
        };
        let (hangup_by, sip_code) = match end {
            End::NoAnswer => (Some(HangupBy::Dialer), 487),
            End::Rejected(Rejection::Busy) => (Some(HangupBy::Network), 486),
            End::Rejected(Rejection::Invalid) => (Some(HangupBy::Network), 404),
            End::Rejected(Rejection::Failed(code)) => (Some(HangupBy::Network), code),
            End::Blocked => (None, 503),
            End::Closed => (Some(HangupBy::Dialer), 480),
            End::Screened | End::Dropped => (Some(HangupBy::Dialer), 200),
            End::Remote => (Some(HangupBy::Callee), 200),
            End::Agent { .. } => (Some(HangupBy::Agent), 200),
        };
        Cdr {
            call_id: id,
            campaign: campaign.clone(),
            lead_id: self.lead.map(|l| l.0),
            attempt: self.attempt,
            direction: self.direction,
            caller: self.caller.clone(),
            callee: self.callee.clone(),
            dial_time: self.dial,
            answer_time: self.answer,
            connect_time: self.connect,
            end_time: now,
            outcome,
            disposition: CompactString::const_new(""),
            answered_by,
            amd: self.amd,
            agent: self.agent.map(|a| a.0),
            hangup_by,
            sip_code: Some(sip_code),
            call_type: CompactString::const_new(""),
            recording: CompactString::const_new(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(truth: Option<Party>, amd: Option<AmdVerdict>, connected: bool) -> Call {
        Call {
            lead: Some(LeadId(9)),
            attempt: 1,
            direction: Direction::Outbound,
            caller: "+15550000000".into(),
            callee: "+12000000009".into(),
            dial: Time::ZERO,
            answer: Some(Time::from_secs(10)),
            connect: connected.then_some(Time::from_secs(11)),
            agent: connected.then_some(AgentId(2)),
            truth,
            amd,
            phase: Phase::Talking,
        }
    }

    #[test]
    fn outcomes_follow_the_semantics_of_design_md() {
        let c = "camp".into();
        let t = Time::from_secs(60);
        let rec = |call: &Call, end| call.record(1, &c, end, t);
        // A person connected and talked.
        let r = rec(&answered(Some(Party::Human), None, true), End::Agent { machine: false });
        assert_eq!(
            (r.outcome, r.answered_by, r.hangup_by),
            (Outcome::Connected, Some(Party::Human), Some(HangupBy::Agent))
        );
        // A person who hung up waiting is abandoned; so is one the dialer dropped.
        assert_eq!(rec(&answered(Some(Party::Human), None, false), End::Remote).outcome, Outcome::Abandoned);
        assert_eq!(rec(&answered(Some(Party::Human), None, false), End::Dropped).outcome, Outcome::Abandoned);
        // AMD false positive: a person classed machine is a machine outcome, answered_by human.
        let r = rec(&answered(Some(Party::Human), Some(AmdVerdict::Machine), false), End::Screened);
        assert_eq!(
            (r.outcome, r.answered_by, r.amd),
            (Outcome::Machine, Some(Party::Human), Some(AmdVerdict::Machine))
        );
        // AMD false negative: a machine passed to an agent is never a connect.
        let r = rec(&answered(Some(Party::Machine), Some(AmdVerdict::Human), true), End::Agent { machine: true });
        assert_eq!(r.outcome, Outcome::Machine);
        // A machine dropped while waiting is not an abandon.
        assert_eq!(
            rec(&answered(Some(Party::Machine), Some(AmdVerdict::Human), false), End::Dropped).outcome,
            Outcome::Machine
        );
        // Without truth, an agent's machine report is what is known.
        let r = rec(&answered(None, Some(AmdVerdict::Human), true), End::Agent { machine: true });
        assert_eq!((r.outcome, r.answered_by), (Outcome::Machine, Some(Party::Machine)));
    }

    #[test]
    fn unanswered_calls_carry_the_trunk_code() {
        let c = "camp".into();
        let mut call = answered(None, None, false);
        call.answer = None;
        let r = call.record(1, &c, End::NoAnswer, Time::from_secs(25));
        assert_eq!(
            (r.outcome, r.sip_code, r.answered_by, r.hangup_by),
            (Outcome::NoAnswer, Some(487), None, Some(HangupBy::Dialer))
        );
        let r = call.record(1, &c, End::Rejected(Rejection::Busy), Time::from_secs(3));
        assert_eq!((r.outcome, r.sip_code), (Outcome::Busy, Some(486)));
        let r = call.record(1, &c, End::Rejected(Rejection::Failed(503)), Time::from_secs(3));
        assert_eq!((r.outcome, r.sip_code), (Outcome::Failed, Some(503)));
        let r = call.record(1, &c, End::Blocked, Time::ZERO);
        assert_eq!((r.outcome, r.hangup_by), (Outcome::Blocked, None));
    }
}
