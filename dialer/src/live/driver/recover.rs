//! The start of a run after a crash: every call the journal shows in flight is ended on the
//! network (BYE if it was answered, CANCEL if not) and closed in the store with the outcome it
//! really had: a person answered and bridged is `connected`; answered and never bridged is
//! `abandoned` (it counts against the cap); never answered is `failed`.

use super::Driver;
use super::trunks::parse_peer;
use crate::live::agents::AgentSide;
use crate::sip::message::parse;
use crate::store::InFlight;
use reports::{Cdr, Direction, HangupBy, Outcome, Party, Time};
use rsip::SipMessage;

/// The CDR a leftover call closes with; `now` is when it is closed.
pub fn leftover_cdr(left: &InFlight, campaign: &str, caller: &str, now: jiff::Timestamp) -> Cdr {
    let offset =
        |t: jiff::Timestamp| Time::from_ms((t.as_millisecond() - left.started_at.as_millisecond()).max(0) as u64);
    let d = &left.dialog;
    let (outcome, sip_code) = match (d.answered_at, d.connected_at) {
        (Some(_), Some(_)) => (Outcome::Connected, Some(200)),
        (Some(_), None) => (Outcome::Abandoned, Some(200)),
        // Cancelled now; never sent: no code.
        (None, _) => (Outcome::Failed, d.cancel_request.as_ref().map(|_| 487)),
    };
    let end = offset(now);
    Cdr {
        call_id: left.call.0,
        campaign: campaign.into(),
        lead_id: Some(left.lead.0),
        attempt: left.attempt,
        direction: Direction::Outbound,
        caller: caller.into(),
        callee: left.number.as_str().into(),
        dial_time: Time::ZERO,
        answer_time: d.answered_at.map(offset),
        connect_time: d.connected_at.map(offset),
        end_time: end,
        outcome,
        disposition: "".into(),
        answered_by: d.answered_at.map(|_| Party::Human),
        amd: None,
        agent: None,
        hangup_by: Some(HangupBy::Dialer),
        sip_code,
        call_type: "".into(),
        recording: "".into(),
    }
}

impl<A: AgentSide> Driver<A> {
    /// Ends and closes what a previous run left in flight; returns how many.
    pub(super) async fn recover(&mut self) -> Result<usize, super::DriverError> {
        let left = self.store.in_flight().map_err(|e| super::DriverError::Store(e.to_string()))?;
        let caller = self.config.campaign.trunks.first().map(|t| t.caller_id.clone()).unwrap_or_default();
        for call in &left {
            let d = &call.dialog;
            let request = if d.answered_at.is_some() { d.bye_request.as_ref() } else { d.cancel_request.as_ref() };
            if let (Some(bytes), Some(peer)) = (request, d.peer.as_deref().and_then(parse_peer))
                && let Ok(SipMessage::Request(request)) = parse(bytes)
            {
                let now = self.ep.now();
                let _ = self.ep.layer().send_request(request, peer, now);
            }
            let (_, ts) = self.now();
            let cdr = leftover_cdr(call, &self.config.campaign.name, &caller, ts);
            eprintln!(
                "dialer: closing {} left in flight by the last run: {} ({})",
                call.call,
                cdr.outcome,
                match (d.answered_at, d.connected_at, &d.cancel_request) {
                    (Some(_), Some(_), _) => "answered and bridged: BYE",
                    (Some(_), None, _) => "answered, never bridged to an agent: BYE",
                    (None, _, Some(_)) => "unanswered: CANCEL",
                    (None, _, None) => "INVITE never sent",
                }
            );
            self.store
                .finish_attempt(&cdr, call.started_at, ts)
                .map_err(|e| super::DriverError::Store(e.to_string()))?;
        }
        self.ep.flush();
        Ok(left.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{CallId, LeadId};
    use crate::store::DialogJournal;

    fn left(dialog: DialogJournal) -> InFlight {
        InFlight {
            call: CallId(7),
            lead: LeadId(3),
            number: "+12025550123".into(),
            attempt: 2,
            started_at: "2026-03-02T15:00:00Z".parse().unwrap(),
            trunk: "sip:127.0.0.1:5080".into(),
            dialog,
        }
    }

    #[test]
    fn leftovers_close_with_the_outcome_they_really_had() {
        let t = |s: &str| -> jiff::Timestamp { s.parse().unwrap() };
        let now = t("2026-03-02T15:00:30Z");
        let answered = DialogJournal {
            peer: Some("udp:127.0.0.1:5080".into()),
            cancel_request: Some(b"CANCEL".to_vec()),
            answered_at: Some(t("2026-03-02T15:00:10Z")),
            bye_request: Some(b"BYE".to_vec()),
            connected_at: None,
        };
        let cdr = leftover_cdr(&left(answered.clone()), "c", "+15550100000", now);
        assert_eq!((cdr.outcome, cdr.answered_by, cdr.sip_code), (Outcome::Abandoned, Some(Party::Human), Some(200)));
        assert_eq!((cdr.answer_time, cdr.end_time), (Some(Time::from_secs(10)), Time::from_secs(30)));
        assert_eq!((cdr.call_id, cdr.lead_id, cdr.attempt), (7, Some(3), 2));
        let connected = DialogJournal { connected_at: Some(t("2026-03-02T15:00:11Z")), ..answered };
        assert_eq!(leftover_cdr(&left(connected), "c", "x", now).outcome, Outcome::Connected);
        let ringing = DialogJournal { cancel_request: Some(b"CANCEL".to_vec()), ..DialogJournal::default() };
        let cdr = leftover_cdr(&left(ringing), "c", "x", now);
        assert_eq!((cdr.outcome, cdr.sip_code, cdr.answer_time), (Outcome::Failed, Some(487), None));
        let unsent = leftover_cdr(&left(DialogJournal::default()), "c", "x", now);
        assert_eq!((unsent.outcome, unsent.sip_code), (Outcome::Failed, None));
    }
}
