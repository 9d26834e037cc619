//! Scenario tests of the core, driven by hand in virtual time.

use super::*;
use reports::{AgentInterval, AgentState, AmdVerdict, Cdr, Direction, HangupBy, Outcome, Party};

fn t(s: u64) -> Time {
    Time::from_secs(s)
}

struct Rig {
    d: Dialer,
    cdrs: Vec<Cdr>,
    intervals: Vec<AgentInterval>,
}

impl Rig {
    fn new(config: Config, pacer: Box<dyn Pacer>) -> Rig {
        Rig { d: Dialer::new(config, pacer), cdrs: vec![], intervals: vec![] }
    }

    /// Feeds one input and returns the commands (records are kept aside).
    fn go(&mut self, input: Input, now: Time) -> Vec<Output> {
        self.d.handle(input, now).expect("input accepted");
        let mut out = vec![];
        while let Some(o) = self.d.poll_output() {
            match o {
                Output::Cdr(c) => self.cdrs.push(*c),
                Output::AgentInterval(i) => self.intervals.push(i),
                other => out.push(other),
            }
        }
        out
    }

    fn login(&mut self, n: u32, now: Time) -> Vec<Output> {
        (0..n).flat_map(|a| self.go(Input::AgentLogin { agent: AgentId(a) }, now)).collect()
    }
}

fn dials(out: &[Output]) -> Vec<(CallId, Option<AgentId>)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Dial { call, agent, .. } => Some((*call, *agent)),
            _ => None,
        })
        .collect()
}

fn config(screening: Screening) -> Config {
    Config { screening, drop_after_ms: Some(2_000), ..Config::default() }
}

#[test]
fn progressive_reserves_the_agent_and_connects_the_answer_to_it() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Progressive));
    let out = r.login(2, t(0));
    let d = dials(&out);
    assert_eq!(d.len(), 2, "one call per ready agent");
    assert!(d.iter().all(|(_, a)| a.is_some()), "each call has its reserved agent");
    let (call, agent) = (d[0].0, d[0].1.unwrap());
    // The other call is busy: its agent is freed and dials again at once.
    let out = r.go(Input::Rejected { call: d[1].0, reason: Rejection::Busy }, t(3));
    assert_eq!(dials(&out).len(), 1);
    assert_eq!(r.cdrs.last().unwrap().outcome, Outcome::Busy);
    assert_eq!(r.cdrs.last().unwrap().agent, Some(d[1].1.unwrap().0), "the reserved agent is on the record");
    let out = r.go(Input::Answered { call, truth: Some(Party::Human) }, t(10));
    assert!(out.contains(&Output::Connect { call, agent }));
}

#[test]
fn ratio_dials_ahead_and_a_live_answer_with_no_agent_is_dropped_after_drop_after() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Ratio::new(2.0).unwrap()));
    let d = dials(&r.login(1, t(0)));
    assert_eq!(d.len(), 2);
    // First answer takes the only agent; no new dials (0 ready, 1 outstanding).
    let out = r.go(Input::Answered { call: d[0].0, truth: Some(Party::Human) }, t(5));
    assert!(matches!(out[0], Output::Connect { .. }));
    assert!(dials(&out).is_empty());
    // Second answer waits; its drop clock starts at the answer.
    let out = r.go(Input::Answered { call: d[1].0, truth: Some(Party::Human) }, t(6));
    assert!(out.is_empty());
    assert_eq!(r.d.poll_timeout(), Some(Time::from_ms(8_000)));
    let out = r.go(Input::Timeout, Time::from_ms(8_000));
    assert_eq!(out, vec![Output::Drop { call: d[1].0 }]);
    let cdr = r.cdrs.last().unwrap();
    assert_eq!((cdr.outcome, cdr.hangup_by, cdr.wait_ms()), (Outcome::Abandoned, Some(HangupBy::Dialer), Some(2_000)));
}

#[test]
fn a_freed_agent_takes_the_longest_waiting_live_answer_before_inbound_callers() {
    let cfg = Config { drop_after_ms: None, ..config(Screening::Perfect) };
    let mut r = Rig::new(cfg, Box::new(Ratio::new(3.0).unwrap()));
    let d = dials(&r.login(1, t(0)));
    assert_eq!(d.len(), 3);
    r.go(Input::Answered { call: d[0].0, truth: Some(Party::Human) }, t(1)); // connects
    let inbound = r.d.inbound_call_id();
    r.go(Input::InboundOffered { call: inbound, caller: "+441632960000".into() }, t(2)); // waits
    r.go(Input::Answered { call: d[2].0, truth: Some(Party::Human) }, t(3)); // waits, later than inbound
    r.go(Input::Answered { call: d[1].0, truth: Some(Party::Human) }, t(4)); // waits
    let out = r.go(Input::AgentHangup { call: d[0].0, machine: false }, t(60));
    assert_eq!(out, vec![Output::StartWrap { agent: AgentId(0) }]);
    let out = r.go(Input::WrapDone { agent: AgentId(0), disposition: "sale".into() }, t(70));
    assert_eq!(
        out[0],
        Output::Connect { call: d[2].0, agent: AgentId(0) },
        "outbound live answers first, oldest first"
    );
    let first = r.cdrs.iter().find(|c| c.call_id == d[0].0.0).unwrap();
    assert_eq!(
        (first.outcome, first.disposition.as_str()),
        (Outcome::Connected, "sale"),
        "the CDR waits for the disposition"
    );
    r.go(Input::AgentHangup { call: d[2].0, machine: false }, t(80));
    let out = r.go(Input::WrapDone { agent: AgentId(0), disposition: "".into() }, t(90));
    assert_eq!(out[0], Output::Connect { call: d[1].0, agent: AgentId(0) });
    r.go(Input::AgentHangup { call: d[1].0, machine: false }, t(100));
    let out = r.go(Input::WrapDone { agent: AgentId(0), disposition: "".into() }, t(110));
    assert_eq!(out[0], Output::Connect { call: inbound, agent: AgentId(0) });
}

#[test]
fn amd_verdicts_screen_machines_and_false_positives_are_recorded() {
    let mut r = Rig::new(config(Screening::Amd), Box::new(Ratio::new(2.0).unwrap()));
    let d = dials(&r.login(1, t(0)));
    // A person classed machine: hung up on, outcome machine, answered_by human.
    assert!(r.go(Input::Answered { call: d[0].0, truth: Some(Party::Human) }, t(10)).is_empty());
    r.go(Input::Answered { call: d[1].0, truth: Some(Party::Machine) }, t(11));
    let out = r.go(Input::AmdVerdict { call: d[0].0, verdict: AmdVerdict::Machine }, Time::from_ms(12_500));
    assert!(out.contains(&Output::Hangup { call: d[0].0 }));
    let fp = r.cdrs.last().unwrap();
    assert_eq!((fp.outcome, fp.answered_by, fp.amd), (Outcome::Machine, Some(Party::Human), Some(AmdVerdict::Machine)));
    // A machine classed human goes to the agent, who reports it: a machine, not a connect.
    let out = r.go(Input::AmdVerdict { call: d[1].0, verdict: AmdVerdict::Human }, Time::from_ms(13_500));
    assert!(out.contains(&Output::Connect { call: d[1].0, agent: AgentId(0) }));
    r.go(Input::AgentHangup { call: d[1].0, machine: true }, t(20));
    let fnr = r.cdrs.last().unwrap();
    assert_eq!((fnr.outcome, fnr.wait_ms()), (Outcome::Machine, Some(2_500)), "AMD delay shows in the wait");
    let machine = r.intervals.iter().find(|i| i.state == AgentState::Machine).unwrap();
    assert_eq!((machine.start, machine.end), (Time::from_ms(13_500), t(20)));
    assert!(!r.intervals.iter().any(|i| i.state == AgentState::Wrap), "no wrap-up after a machine");
}

#[test]
fn perfect_screening_hangs_up_on_machines_at_once_with_no_amd_column() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Progressive));
    let d = dials(&r.login(1, t(0)));
    let out = r.go(Input::Answered { call: d[0].0, truth: Some(Party::Machine) }, t(9));
    assert_eq!(out[0], Output::Hangup { call: d[0].0 });
    assert_eq!(dials(&out).len(), 1, "the agent is freed and dials the next lead");
    let c = &r.cdrs[0];
    assert_eq!((c.outcome, c.amd, c.end_time), (Outcome::Machine, None, t(9)));
}

#[test]
fn unanswered_calls_are_cancelled_at_the_ring_timeout() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Progressive));
    let d = dials(&r.login(1, t(0)));
    assert_eq!(r.d.poll_timeout(), Some(t(25)));
    let out = r.go(Input::Timeout, t(25));
    assert_eq!(out[0], Output::Hangup { call: d[0].0 });
    assert_eq!((r.cdrs[0].outcome, r.cdrs[0].sip_code, r.cdrs[0].ring_ms()), (Outcome::NoAnswer, Some(487), 25_000));
    // A late answer for the cancelled call is refused and changes nothing.
    assert_eq!(
        r.d.handle(Input::Answered { call: d[0].0, truth: Some(Party::Human) }, t(26)),
        Err(InputError::UnknownCall(d[0].0))
    );
}

#[test]
fn stop_ends_dialing_and_agents_log_out_once_nothing_is_in_flight() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Ratio::new(1.0).unwrap()));
    let d = dials(&r.login(2, t(0)));
    assert_eq!(d.len(), 2);
    r.go(Input::Answered { call: d[0].0, truth: Some(Party::Human) }, t(5));
    let out = r.go(Input::Stop, t(10));
    assert!(dials(&out).is_empty());
    // Agent 1 is ready but a call still rings: it stays for it.
    assert_eq!(r.d.poll_timeout(), Some(t(25)));
    let out = r.go(Input::Rejected { call: d[1].0, reason: Rejection::Busy }, t(12));
    assert!(dials(&out).is_empty(), "no new calls after stop");
    let logout = r.intervals.iter().find(|i| i.agent == 1).unwrap();
    assert_eq!((logout.state, logout.end), (AgentState::Ready, t(12)), "logged out when nothing was left in flight");
    r.go(Input::AgentHangup { call: d[0].0, machine: false }, t(100));
    r.go(Input::WrapDone { agent: AgentId(0), disposition: "".into() }, t(110));
    assert!(r.d.is_finished());
    assert_eq!(r.cdrs.len(), 2, "every call in flight was counted");
}

#[test]
fn logout_and_pause_wait_for_the_current_call_and_wrap() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Progressive));
    let d = dials(&r.login(1, t(0)));
    r.go(Input::AgentPause { agent: AgentId(0) }, t(1));
    r.go(Input::Answered { call: d[0].0, truth: Some(Party::Human) }, t(5));
    r.go(Input::AgentHangup { call: d[0].0, machine: false }, t(50));
    let out = r.go(Input::WrapDone { agent: AgentId(0), disposition: "".into() }, t(60));
    assert!(dials(&out).is_empty(), "paused after wrap, so nothing dials");
    let out = r.go(Input::AgentResume { agent: AgentId(0) }, t(70));
    assert_eq!(dials(&out).len(), 1);
    let states: Vec<_> = r.intervals.iter().map(|i| (i.state, i.start.as_ms() / 1000, i.end.as_ms() / 1000)).collect();
    assert_eq!(
        states,
        vec![
            (AgentState::Reserved, 0, 5),
            (AgentState::Talk, 5, 50),
            (AgentState::Wrap, 50, 60),
            (AgentState::Paused, 60, 70),
        ]
    );
    r.go(Input::AgentLogout { agent: AgentId(0) }, t(71));
    let call = dials(&out)[0].0;
    r.go(Input::Rejected { call, reason: Rejection::Invalid }, t(72));
    assert_eq!(r.d.lines_in_use(), 0);
    assert_eq!(r.intervals.last().unwrap().end, t(72), "logged out when the reserved call ended");
}

#[test]
fn lines_cap_outbound_dials_and_block_inbound_callers() {
    let cfg = Config { lines: 3, ..config(Screening::Perfect) };
    let mut r = Rig::new(cfg, Box::new(Ratio::new(2.0).unwrap()));
    let d = dials(&r.login(4, t(0)));
    assert_eq!(d.len(), 3, "ratio asks for 8, three lines allow 3");
    assert_eq!(r.d.lines_in_use(), 3);
    let id = r.d.inbound_call_id();
    let out = r.go(Input::InboundOffered { call: id, caller: "+441632960000".into() }, t(1));
    assert_eq!(out, vec![Output::Reject { call: id }]);
    let blocked = r.cdrs.last().unwrap();
    assert_eq!(
        (blocked.direction, blocked.outcome, blocked.sip_code),
        (Direction::Inbound, Outcome::Blocked, Some(503))
    );
    // A line frees: the pacer uses it at once.
    let out = r.go(Input::Rejected { call: d[0].0, reason: Rejection::Busy }, t(3));
    assert_eq!(dials(&out).len(), 1);
}

#[test]
fn preview_offers_a_lead_then_dials_it_with_the_agent_reserved() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Preview));
    let out = r.login(1, t(0));
    let Output::OfferPreview { agent, lead } = out[0] else { panic!("expected a preview offer, got {out:?}") };
    let out = r.go(Input::PreviewDone { agent, dial: true }, t(8));
    let Output::Dial { call, lead: dialled, agent: reserved, .. } = out[0].clone() else { panic!("{out:?}") };
    assert_eq!((dialled, reserved), (lead, Some(agent)));
    let out = r.go(Input::Answered { call, truth: Some(Party::Human) }, t(20));
    assert_eq!(out, vec![Output::Connect { call, agent }]);
    assert_eq!(r.intervals[0].state, AgentState::Preview);
    assert_eq!(r.intervals[1].state, AgentState::Reserved);
}

#[test]
fn inputs_that_do_not_fit_are_refused_without_changing_anything() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Progressive));
    let d = dials(&r.login(1, t(0)));
    assert!(matches!(
        r.d.handle(Input::AgentHangup { call: d[0].0, machine: false }, t(1)),
        Err(InputError::CallState { .. })
    ));
    assert!(matches!(r.d.handle(Input::AgentLogin { agent: AgentId(0) }, t(1)), Err(InputError::AgentState { .. })));
    assert!(matches!(
        r.d.handle(Input::WrapDone { agent: AgentId(7), disposition: "".into() }, t(1)),
        Err(InputError::AgentState { .. })
    ));
    // Still ringing as before.
    let out = r.go(Input::Answered { call: d[0].0, truth: Some(Party::Human) }, t(2));
    assert!(matches!(out[0], Output::Connect { .. }));
}

#[test]
fn an_inbound_caller_who_hangs_up_waiting_is_abandoned() {
    let mut r = Rig::new(config(Screening::Off), Box::new(NoDialing));
    r.login(1, t(0));
    let a = r.d.inbound_call_id();
    let b = r.d.inbound_call_id();
    r.go(Input::InboundOffered { call: a, caller: "+441632960001".into() }, t(1));
    r.go(Input::InboundOffered { call: b, caller: "+441632960002".into() }, t(2));
    r.go(Input::RemoteHangup { call: b }, t(30));
    let cdr = r.cdrs.last().unwrap();
    assert_eq!((cdr.direction, cdr.outcome, cdr.wait_ms()), (Direction::Inbound, Outcome::Abandoned, Some(28_000)));
}

#[test]
fn a_pending_logout_cancels_the_preview_dial_and_outlives_a_pause() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(Preview));
    r.login(1, t(0));
    r.go(Input::AgentLogout { agent: AgentId(0) }, t(2));
    r.go(Input::AgentPause { agent: AgentId(0) }, t(3));
    let out = r.go(Input::PreviewDone { agent: AgentId(0), dial: true }, t(8));
    assert!(dials(&out).is_empty(), "an agent leaving does not start a call");
    assert_eq!(r.intervals.last().map(|i| (i.state, i.end)), Some((AgentState::Preview, t(8))));
    assert!(matches!(r.d.handle(Input::AgentResume { agent: AgentId(0) }, t(9)), Err(InputError::AgentState { .. })));
}

#[test]
fn inbound_callers_find_the_centre_closed_when_no_agent_is_logged_in() {
    let mut r = Rig::new(config(Screening::Off), Box::new(NoDialing));
    r.login(1, t(0));
    let (a, b) = (r.d.inbound_call_id(), r.d.inbound_call_id());
    r.go(Input::InboundOffered { call: a, caller: "+441632960001".into() }, t(1)); // talks
    r.go(Input::InboundOffered { call: b, caller: "+441632960002".into() }, t(2)); // waits
    r.go(Input::AgentLogout { agent: AgentId(0) }, t(3));
    r.go(Input::RemoteHangup { call: a }, t(60));
    r.go(Input::WrapDone { agent: AgentId(0), disposition: "".into() }, t(70));
    let waited = r.cdrs.iter().find(|c| c.call_id == b.0).expect("the waiting caller is released");
    assert_eq!((waited.outcome, waited.hangup_by), (Outcome::Abandoned, Some(HangupBy::Dialer)));
    let c = r.d.inbound_call_id();
    let out = r.go(Input::InboundOffered { call: c, caller: "+441632960003".into() }, t(80));
    assert_eq!(out, vec![Output::Reject { call: c }]);
    let closed = r.cdrs.last().unwrap();
    assert_eq!(
        (closed.outcome, closed.sip_code, closed.answer_time, closed.answered_by),
        (Outcome::Failed, Some(480), None, None)
    );
}

#[test]
fn previews_count_against_the_lines() {
    let cfg = Config { lines: 2, ..config(Screening::Perfect) };
    let mut r = Rig::new(cfg, Box::new(Preview));
    let offers = r.login(4, t(0)).iter().filter(|o| matches!(o, Output::OfferPreview { .. })).count();
    assert_eq!(offers, 2, "two lines, two agents reading");
}

#[test]
fn refuses_time_going_back_and_ids_it_never_issued() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(NoDialing));
    r.go(Input::AgentLogin { agent: AgentId(0) }, t(10));
    assert!(matches!(r.d.handle(Input::Stop, t(9)), Err(InputError::TimeWentBack { .. })));
    assert!(matches!(
        r.d.handle(Input::InboundOffered { call: CallId(999), caller: "+1".into() }, t(11)),
        Err(InputError::DuplicateCall(_))
    ));
    assert!(matches!(r.d.handle(Input::AgentLogin { agent: AgentId(u32::MAX) }, t(11)), Err(InputError::AgentId(_))));
}

#[test]
fn a_recycled_record_box_is_reused_and_carries_nothing_over() {
    let mut d = Dialer::new(config(Screening::Perfect), Box::new(Progressive));
    let go = |d: &mut Dialer, input, now| {
        d.handle(input, now).expect("input accepted");
        let (mut commands, mut records) = (vec![], vec![]);
        while let Some(o) = d.poll_output() {
            match o {
                Output::Cdr(c) => records.push(c),
                Output::AgentInterval(_) => {}
                other => commands.push(other),
            }
        }
        (commands, records)
    };
    let (out, _) = go(&mut d, Input::AgentLogin { agent: AgentId(0) }, t(0));
    let first = dials(&out)[0].0;
    go(&mut d, Input::Answered { call: first, truth: Some(Party::Human) }, t(5));
    go(&mut d, Input::AgentHangup { call: first, machine: false }, t(65));
    // The wrap-up ends the first call's record and the agent dials again.
    let (out, mut records) = go(&mut d, Input::WrapDone { agent: AgentId(0), disposition: "sale".into() }, t(70));
    let record = records.pop().unwrap();
    assert_eq!((record.outcome, record.disposition.as_str()), (Outcome::Connected, "sale"));
    let reused: *const Cdr = &*record;
    d.recycle(record);
    // The second call is busy; the third, placed at once, writes its record in the recycled box.
    let (out, mut records) = go(&mut d, Input::Rejected { call: dials(&out)[0].0, reason: Rejection::Busy }, t(73));
    d.recycle(records.pop().unwrap());
    let third = dials(&out)[0].0;
    let (_, mut records) = go(&mut d, Input::Timeout, t(98));
    let record = records.pop().unwrap();
    assert_eq!(&*record as *const Cdr, reused, "the first call's box");
    let expected = Cdr {
        call_id: third.0,
        campaign: "default".into(),
        lead_id: Some(3),
        attempt: 1,
        direction: Direction::Outbound,
        caller: "+15550100000".into(),
        callee: "+12000000003".into(),
        dial_time: t(73),
        answer_time: None,
        connect_time: None,
        end_time: t(98),
        outcome: Outcome::NoAnswer,
        disposition: "".into(),
        answered_by: None,
        amd: None,
        agent: Some(0),
        hangup_by: Some(HangupBy::Dialer),
        sip_code: Some(487),
        call_type: "".into(),
        recording: "".into(),
    };
    assert_eq!(*record, expected);
}

/// Dials two calls ahead once, then falls back to progressive: a pacer whose safety has tripped.
struct AheadThenProgressive(bool);

impl Pacer for AheadThenProgressive {
    fn name(&self) -> &'static str {
        "ahead-then-progressive"
    }

    fn plan(&mut self, _view: &PacerView<'_>) -> Plan {
        if std::mem::replace(&mut self.0, true) { Plan::Progressive } else { Plan::Start(2) }
    }
}

#[test]
fn falling_back_to_progressive_leaves_ready_agents_to_the_calls_already_placed() {
    let mut r = Rig::new(config(Screening::Perfect), Box::new(AheadThenProgressive(false)));
    // The first agent's login dials two calls ahead, with no agent reserved.
    let ahead = dials(&r.go(Input::AgentLogin { agent: AgentId(0) }, t(0)));
    assert_eq!(ahead.iter().map(|(_, a)| *a).collect::<Vec<_>>(), vec![None, None]);
    // Two more agents log in under progressive: the two unreserved calls in flight have the
    // first claim on the three ready agents, so only one agent is reserved for a new call.
    let mut out = r.go(Input::AgentLogin { agent: AgentId(1) }, t(1));
    assert!(dials(&out).is_empty(), "two ready agents, both claimed");
    out = r.go(Input::AgentLogin { agent: AgentId(2) }, t(1));
    let new = dials(&out);
    assert_eq!(new.len(), 1, "one new call for the one agent the calls in flight do not need");
    assert!(new[0].1.is_some(), "progressive reserves its agent");
    // Both calls placed ahead are answered and find an agent: no abandon.
    for (call, _) in &ahead {
        let out = r.go(Input::Answered { call: *call, truth: Some(Party::Human) }, t(8));
        assert!(out.iter().any(|o| matches!(o, Output::Connect { call: c, .. } if c == call)), "{out:?}");
    }
}

/// A live driver feeds leads as its store says they are due, and numbers calls after the last
/// run's: the core dials only what it was given, and never reuses an id.
#[test]
fn leads_fed_incrementally_and_call_ids_after_a_previous_run() {
    let lead = |id: u64| Lead { id: LeadId(id), number: compact_str::format_compact!("+1202555{id:04}"), attempt: 1 };
    let config = Config { leads: LeadSource::List(Default::default()), ..Config::default() };
    let mut rig = Rig::new(config, Box::new(Progressive));
    rig.d.number_calls_after(CallId(41));
    assert!(dials(&rig.login(2, t(0))).is_empty(), "no lead yet: nothing dialled");
    *rig.d.leads_mut() = LeadSource::List([lead(7)].into());
    let out = rig.go(Input::Timeout, t(1));
    assert_eq!(dials(&out), vec![(CallId(42), Some(AgentId(0)))]);
    // The store offers the next due leads again; the one dialled is in flight and not among them.
    *rig.d.leads_mut() = LeadSource::List([lead(8), lead(9)].into());
    let out = rig.go(Input::Timeout, t(2));
    assert_eq!(dials(&out), vec![(CallId(43), Some(AgentId(1)))]);
    rig.d.number_calls_after(CallId(10));
    assert_eq!(rig.d.inbound_call_id(), CallId(44), "the counter never goes back");
}

/// A network no-answer (480, 408) is `no_answer` with the network's code, not `failed`.
#[test]
fn a_network_no_answer_is_recorded_as_no_answer() {
    let mut rig = Rig::new(Config::default(), Box::new(Progressive));
    let out = rig.login(1, t(0));
    let (call, _) = dials(&out)[0];
    rig.go(Input::Rejected { call, reason: Rejection::NoAnswer(480) }, t(20));
    let cdr = &rig.cdrs[0];
    assert_eq!((cdr.outcome, cdr.sip_code, cdr.hangup_by), (Outcome::NoAnswer, Some(480), Some(HangupBy::Network)));
}
