//! Calls in flight, and how a finished call becomes its [`Cdr`].

use super::{AgentId, CallId, LeadId, Rejection, Time};
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

/// A call in flight. Its record is started when the call is (in a box that becomes the
/// [`Output::Cdr`](super::Output::Cdr) as it is) and filled in as the call goes: the answer and
/// connect times and the AMD verdict are written straight into it, and [`Call::finish`] writes the
/// rest. No record is built or copied when the call ends.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    /// The record so far: ids, numbers, direction, campaign, dial, answer and connect times, AMD
    /// verdict.
    pub record: Box<Cdr>,
    /// When the call was placed (as in the record; kept here for pacers' view of ringing calls).
    pub dial: Time,
    /// The agent reserved for the call or talking on it.
    pub agent: Option<AgentId>,
    /// Who really answered, where the world says.
    pub truth: Option<Party>,
    pub direction: Direction,
    pub phase: Phase,
}

/// What a call starts with.
pub(crate) struct Placed {
    pub id: CallId,
    pub lead: Option<LeadId>,
    pub attempt: u32,
    pub direction: Direction,
    pub caller: CompactString,
    pub callee: CompactString,
    pub dial: Time,
    pub agent: Option<AgentId>,
    pub phase: Phase,
}

/// A record with every field empty, for [`Call::start`] to fill.
pub(crate) fn blank_record() -> Box<Cdr> {
    Box::new(Cdr {
        call_id: 0,
        campaign: CompactString::const_new(""),
        lead_id: None,
        attempt: 0,
        direction: Direction::Outbound,
        caller: CompactString::const_new(""),
        callee: CompactString::const_new(""),
        dial_time: Time::ZERO,
        answer_time: None,
        connect_time: None,
        end_time: Time::ZERO,
        outcome: Outcome::Failed,
        disposition: CompactString::const_new(""),
        answered_by: None,
        amd: None,
        agent: None,
        hangup_by: None,
        sip_code: None,
        call_type: CompactString::const_new(""),
        recording: CompactString::const_new(""),
    })
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
    /// A call starting as `placed` says, of `campaign`, its record written into `record` (a
    /// recycled box: every field is overwritten).
    pub(crate) fn start(mut record: Box<Cdr>, campaign: &CompactString, placed: Placed) -> Call {
        let r = &mut *record;
        r.call_id = placed.id.0;
        r.campaign.clone_from(campaign);
        r.lead_id = placed.lead.map(|l| l.0);
        r.attempt = placed.attempt;
        r.direction = placed.direction;
        r.caller = placed.caller;
        r.callee = placed.callee;
        r.dial_time = placed.dial;
        r.answer_time = None;
        r.connect_time = None;
        r.amd = None;
        // The rest is written by `finish`; the strings are emptied in place (keeping any buffer).
        r.disposition.clear();
        r.call_type.clear();
        r.recording.clear();
        Call {
            record,
            dial: placed.dial,
            agent: placed.agent,
            truth: None,
            direction: placed.direction,
            phase: placed.phase,
        }
    }

    /// Who answered, as best known: the world's truth, else what the agent reported, else the
    /// detector's verdict, else (answered with detection off) a person.
    fn answered_by(&self, end: End) -> Option<Party> {
        self.record.answer_time?;
        if let Some(truth) = self.truth {
            return Some(truth);
        }
        if end == (End::Agent { machine: true }) {
            return Some(Party::Machine);
        }
        Some(match self.record.amd {
            Some(AmdVerdict::Machine) => Party::Machine,
            _ => Party::Human,
        })
    }

    /// Completes the record of this call, ended at `now` for `end`.
    pub(crate) fn finish(&mut self, end: End, now: Time) {
        let answered_by = self.answered_by(end);
        let r = &mut *self.record;
        let outcome = match end {
            End::NoAnswer => Outcome::NoAnswer,
            End::Rejected(Rejection::Busy) => Outcome::Busy,
            End::Rejected(Rejection::Invalid) => Outcome::Invalid,
            End::Rejected(Rejection::NoAnswer(_)) => Outcome::NoAnswer,
            End::Rejected(Rejection::Failed(_)) => Outcome::Failed,
            End::Blocked => Outcome::Blocked,
            End::Closed => Outcome::Failed,
            End::Screened | End::Dropped | End::Remote | End::Agent { .. } => {
                if answered_by == Some(Party::Machine) || r.amd == Some(AmdVerdict::Machine) {
                    Outcome::Machine
                } else if r.connect_time.is_some() {
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
            End::Rejected(Rejection::NoAnswer(code) | Rejection::Failed(code)) => (Some(HangupBy::Network), code),
            End::Blocked => (None, 503),
            End::Closed => (Some(HangupBy::Dialer), 480),
            End::Screened | End::Dropped => (Some(HangupBy::Dialer), 200),
            End::Remote => (Some(HangupBy::Callee), 200),
            End::Agent { .. } => (Some(HangupBy::Agent), 200),
        };
        r.end_time = now;
        r.outcome = outcome;
        r.answered_by = answered_by;
        r.agent = self.agent.map(|a| a.0);
        r.hangup_by = hangup_by;
        r.sip_code = Some(sip_code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(truth: Option<Party>, amd: Option<AmdVerdict>, connected: bool) -> Call {
        // A recycled record with every field set, to see that starting a call overwrites them.
        let mut used = blank_record();
        used.disposition = "sale".into();
        used.answer_time = Some(Time::from_secs(1));
        used.connect_time = Some(Time::from_secs(2));
        used.amd = Some(AmdVerdict::NotSure);
        used.call_type = "sales".into();
        used.recording = "rec-1".into();
        let mut call = Call::start(
            used,
            &"camp".into(),
            Placed {
                id: CallId(1),
                lead: Some(LeadId(9)),
                attempt: 1,
                direction: Direction::Outbound,
                caller: "+15550000000".into(),
                callee: "+12000000009".into(),
                dial: Time::ZERO,
                agent: None,
                phase: Phase::Ringing,
            },
        );
        call.record.answer_time = Some(Time::from_secs(10));
        if connected {
            call.record.connect_time = Some(Time::from_secs(11));
            call.agent = Some(AgentId(2));
        }
        call.truth = truth;
        call.record.amd = amd;
        call.phase = Phase::Talking;
        call
    }

    /// The record of `call` ended at `now` for `end`.
    fn record(mut call: Call, end: End, now: Time) -> Cdr {
        call.finish(end, now);
        *call.record
    }

    #[test]
    fn a_started_call_overwrites_every_field_of_a_recycled_record() {
        let r = record(answered(None, None, false), End::Remote, Time::from_secs(60));
        let expected = Cdr {
            call_id: 1,
            campaign: "camp".into(),
            lead_id: Some(9),
            attempt: 1,
            direction: Direction::Outbound,
            caller: "+15550000000".into(),
            callee: "+12000000009".into(),
            dial_time: Time::ZERO,
            answer_time: Some(Time::from_secs(10)),
            connect_time: None,
            end_time: Time::from_secs(60),
            outcome: Outcome::Abandoned,
            disposition: "".into(),
            answered_by: Some(Party::Human),
            amd: None,
            agent: None,
            hangup_by: Some(HangupBy::Callee),
            sip_code: Some(200),
            call_type: "".into(),
            recording: "".into(),
        };
        assert_eq!(r, expected);
    }

    #[test]
    fn outcomes_follow_the_semantics_of_design_md() {
        let t = Time::from_secs(60);
        let rec = |call: &Call, end| record(call.clone(), end, t);
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
        let mut call = answered(None, None, false);
        call.record.answer_time = None;
        let r = record(call.clone(), End::NoAnswer, Time::from_secs(25));
        assert_eq!(
            (r.outcome, r.sip_code, r.answered_by, r.hangup_by),
            (Outcome::NoAnswer, Some(487), None, Some(HangupBy::Dialer))
        );
        let r = record(call.clone(), End::Rejected(Rejection::Busy), Time::from_secs(3));
        assert_eq!((r.outcome, r.sip_code), (Outcome::Busy, Some(486)));
        let r = record(call.clone(), End::Rejected(Rejection::Failed(503)), Time::from_secs(3));
        assert_eq!((r.outcome, r.sip_code), (Outcome::Failed, Some(503)));
        let r = record(call, End::Blocked, Time::ZERO);
        assert_eq!((r.outcome, r.hangup_by), (Outcome::Blocked, None));
    }
}
