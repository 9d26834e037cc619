use super::*;
use crate::core::pacer::{AgentView, RingingCalls};
use reports::{AmdVerdict, Direction, Party};

#[test]
fn normal_cdf_matches_tables() {
    assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
    assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-7);
    assert!((normal_cdf(-1.644_854) - 0.05).abs() < 1e-7);
    assert!((normal_cdf(-3.090_232) - 0.001).abs() < 1e-7);
}

/// An outbound call's record: placed at `dial_s`, answered (or given up on) `ring_s` later; an
/// answered call ends a minute after its answer.
pub(super) fn cdr(dial_s: u64, ring_s: u64, outcome: Outcome) -> Cdr {
    let dial = Time::from_secs(dial_s);
    let rang = dial + ring_s * 1000;
    let answered_by = match outcome {
        Outcome::Connected | Outcome::Abandoned => Some(Party::Human),
        Outcome::Machine => Some(Party::Machine),
        _ => None,
    };
    Cdr {
        call_id: 1,
        campaign: "c".into(),
        lead_id: Some(1),
        attempt: 1,
        direction: Direction::Outbound,
        caller: "+15550100000".into(),
        callee: "+15550100001".into(),
        dial_time: dial,
        answer_time: answered_by.map(|_| rang),
        connect_time: (outcome == Outcome::Connected).then_some(rang + 500),
        end_time: if answered_by.is_some() { rang + 60_000 } else { rang },
        outcome,
        disposition: "".into(),
        answered_by,
        amd: None,
        agent: None,
        hangup_by: None,
        sip_code: Some(200),
        call_type: "".into(),
        recording: "".into(),
    }
}

/// A pacer that has seen 100 live answers (ring 10 s, none abandoned), 200 no-answers and 60
/// talks of 180 s, each followed by 2 s of wrap-up: every call has a one-in-three chance of
/// needing an agent 10 s after it is placed.
fn trained(settings: PredictiveSettings) -> Predictive {
    let mut p = Predictive::new(settings).expect("valid settings");
    for i in 0..100 {
        let c = cdr(i, 10, Outcome::Connected);
        p.needs_agent(c.dial_time, c.answer_time.expect("answered"), c.answer_time.expect("answered"));
        p.call_ended(&c);
    }
    for i in 0..200 {
        p.call_ended(&cdr(i, 25, Outcome::NoAnswer));
    }
    for i in 0..60 {
        let start = Time::from_secs(i);
        p.interval_ended(&AgentInterval { agent: 1, state: AgentState::Talk, start, end: start + 180_000 });
        p.interval_ended(&AgentInterval { agent: 1, state: AgentState::Wrap, start, end: start + 2_000 });
    }
    p
}

fn agent(state: AgentState, since_s: u64, leaving: bool) -> Option<AgentView> {
    Some(AgentView { state, since: Time::from_secs(since_s), leaving })
}

fn view<'a>(now_s: u64, agents: &'a [Option<AgentView>]) -> PacerView<'a> {
    let flat = || agents.iter().flatten();
    PacerView {
        now: Time::from_secs(now_s),
        logged_in: flat().count() as u32,
        ready: flat().filter(|a| a.state == AgentState::Ready).count() as u32,
        reserved: 0,
        paused: 0,
        ringing: 0,
        amd_pending: 0,
        waiting: 0,
        inbound_waiting: 0,
        lines_free: None,
        agents,
        ringing_calls: RingingCalls::none(),
    }
}

#[test]
fn settings_out_of_range_are_refused() {
    let bad = |s: PredictiveSettings| Predictive::new(s).expect_err("out of range").to_string();
    let e = bad(PredictiveSettings { target_abandon: 0.0, ..Default::default() });
    assert!(e.starts_with("target_abandon = 0 is out of range"), "{e}");
    let e = bad(PredictiveSettings { rule: AbandonRule::Ofcom { amd_fp_share: 1.5 }, ..Default::default() });
    assert!(e.starts_with("amd_fp_share = 1.5"), "{e}");
}

#[test]
fn it_dials_progressively_until_it_has_seen_enough() {
    let mut p = Predictive::new(PredictiveSettings::default()).expect("valid");
    let agents = [agent(AgentState::Ready, 0, false), agent(AgentState::Ready, 0, false)];
    assert_eq!(p.plan(&view(0, &agents)), Plan::Progressive);
}

#[test]
fn once_trained_it_dials_ahead_for_agents_about_to_free() {
    let mut p = trained(PredictiveSettings::default());
    // Two ready agents and eight that have talked for 176 s of a 180 s talk (then 2 s of wrap):
    // all ten are free within the 10 s a new call takes to need one.
    let mut agents = vec![agent(AgentState::Ready, 400, false); 2];
    agents.extend(vec![agent(AgentState::Talk, 224, false); 8]);
    let Plan::Start(n) = p.plan(&view(400, &agents)) else { panic!("dials ahead") };
    // Ten agents for calls that each need one with probability 1/3: up to 30 calls on average,
    // fewer to keep the chance of a live answer too many under the threshold (hand count: 18).
    assert!((12..=30).contains(&n), "{n} calls");
    // Agents who just started their talks free long after: only the two ready ones count.
    let mut fresh = trained(PredictiveSettings::default());
    let mut agents = vec![agent(AgentState::Ready, 400, false); 2];
    agents.extend(vec![agent(AgentState::Talk, 399, false); 8]);
    let Plan::Start(m) = fresh.plan(&view(400, &agents)) else { panic!("dials for the ready agents") };
    assert!((1..=4).contains(&m), "{m} calls for two ready agents (hand count: 3)");
}

#[test]
fn it_stops_dialing_for_agents_who_are_leaving() {
    let mut p = trained(PredictiveSettings::default());
    let agents = vec![agent(AgentState::Talk, 225, true); 10];
    assert_eq!(p.plan(&view(400, &agents)), Plan::Start(0));
    assert_eq!(p.plan(&view(400, &[None, None])), Plan::Hold, "no one logged in");
}

#[test]
fn it_falls_back_to_progressive_when_one_more_abandon_would_pass_the_cap() {
    let mut p = trained(PredictiveSettings::default());
    let agents = vec![agent(AgentState::Ready, 400, false); 4];
    assert!(matches!(p.plan(&view(400, &agents)), Plan::Start(_)));
    // 100 live answers so far; three abandons make 3 / 103, and a fourth would be 4 / 104 > 3 %.
    for _ in 0..3 {
        p.call_ended(&cdr(300, 10, Outcome::Abandoned));
    }
    assert_eq!(p.plan(&view(402, &agents)), Plan::Progressive);
    // Connections make room again: 4 / 134 ≤ 3 %.
    for _ in 0..30 {
        p.call_ended(&cdr(400, 10, Outcome::Connected));
    }
    assert!(matches!(p.plan(&view(404, &agents)), Plan::Start(_)));
}

#[test]
fn ofcom_starts_each_calendar_day_afresh_and_fcc_does_not() {
    // t = 0 is 23:00 UTC: midnight comes one hour in.
    let ofcom = PredictiveSettings {
        rule: AbandonRule::Ofcom { amd_fp_share: 0.05 },
        day_offset_ms: 23 * 3_600_000,
        ..Default::default()
    };
    let agents = vec![agent(AgentState::Ready, 3_000, false); 4];
    let mut p = trained(ofcom);
    assert!(matches!(p.plan(&view(3_000, &agents)), Plan::Start(_)));
    // After midnight the new day has no live answers: no room for an abandon.
    assert_eq!(p.plan(&view(3_700, &agents)), Plan::Progressive);
    let mut f = trained(PredictiveSettings::default());
    assert!(matches!(f.plan(&view(3_700, &agents)), Plan::Start(_)));
}

#[test]
fn the_threshold_falls_with_abandons_and_rises_with_connections() {
    let mut p = trained(PredictiveSettings::default());
    assert_eq!(p.threshold(), None, "the loop starts when the pacer first dials ahead");
    let agents = vec![agent(AgentState::Ready, 3_000, false); 4];
    assert!(matches!(p.plan(&view(3_000, &agents)), Plan::Start(_)));
    let before = p.threshold().expect("started");
    p.call_ended(&cdr(300, 10, Outcome::Abandoned));
    let after_abandon = p.threshold().expect("started");
    assert!(after_abandon < before * 0.96, "{before} → {after_abandon}");
    for _ in 0..50 {
        p.call_ended(&cdr(300, 10, Outcome::Connected));
    }
    assert!(p.threshold().expect("started") > after_abandon);
    // No-answers and machines say nothing about abandons.
    let t = p.threshold();
    p.call_ended(&cdr(300, 25, Outcome::NoAnswer));
    assert_eq!(p.threshold(), t);
}

#[test]
fn under_ofcom_the_loop_starts_lower_by_the_false_positives_it_books() {
    let agents = vec![agent(AgentState::Ready, 3_000, false); 4];
    let mut fcc = trained(PredictiveSettings::default());
    assert!(matches!(fcc.plan(&view(3_000, &agents)), Plan::Start(_)));
    // 100 live answers, none abandoned: the setpoint 0.85 × 3% = 2.55%, plus the payback term
    // (the period is 2.55 abandons under it, repaid over 1000 live answers): 2.805%.
    let fcc = fcc.threshold().expect("started");
    assert!((fcc - 0.028_05).abs() < 1e-9, "{fcc}");
    // The same, plus 40 machine verdicts of which 5% are booked as people: 2 false positives, 2
    // per 100 live answers. The period's rate (x + 0.02) / 1.02 is 2.55% when the share abandoned
    // x = 0.0255 × 1.02 − 0.02 = 0.601%; the period is 0.601 under, repaid: 0.6611%.
    let settings = PredictiveSettings { rule: AbandonRule::Ofcom { amd_fp_share: 0.05 }, ..Default::default() };
    let mut ofcom = trained(settings);
    for i in 0..40 {
        ofcom.call_ended(&Cdr { amd: Some(AmdVerdict::Machine), ..cdr(i, 10, Outcome::Machine) });
    }
    assert!(matches!(ofcom.plan(&view(3_000, &agents)), Plan::Start(_)));
    let start = ofcom.threshold().expect("started");
    assert!((start - 0.006_611).abs() < 1e-9, "{start}");
}
