//! A small hand-built run shared by the tests: every outcome, both AMD errors, inbound callers with
//! and without a wait, and agent intervals of every state. The expected figures in the tests are
//! worked out by hand from these rows.

use crate::{AgentInterval, AgentState, AmdVerdict, Cdr, Direction, HangupBy, Outcome, Party, Time};

/// Asserts two floats agree to 1e-12, relative.
pub(crate) fn assert_close(actual: f64, expected: f64) {
    let tolerance = 1e-12 * expected.abs().max(1.0);
    assert!((actual - expected).abs() <= tolerance, "{actual} != {expected}");
}

/// An outbound call with the given outcome, answerer, AMD verdict and times (ms).
pub(crate) fn outbound(
    outcome: Outcome,
    answered_by: Option<Party>,
    amd: Option<AmdVerdict>,
    dial: u64,
    answer: Option<u64>,
    connect: Option<u64>,
    end: u64,
) -> Cdr {
    Cdr {
        call_id: dial,
        campaign: "spring".into(),
        lead_id: Some(1000 + dial),
        attempt: 1,
        direction: Direction::Outbound,
        caller: "+441130000000".into(),
        callee: "+447700900123".into(),
        dial_time: Time::from_ms(dial),
        answer_time: answer.map(Time::from_ms),
        connect_time: connect.map(Time::from_ms),
        end_time: Time::from_ms(end),
        outcome,
        disposition: "".into(),
        answered_by,
        amd,
        agent: connect.map(|_| 1),
        hangup_by: Some(HangupBy::Callee),
        sip_code: Some(200),
        call_type: "".into(),
        recording: "".into(),
    }
}

/// An inbound call with the given outcome and times (ms).
pub(crate) fn inbound(outcome: Outcome, arrive: u64, answer: Option<u64>, connect: Option<u64>, end: u64) -> Cdr {
    Cdr {
        direction: Direction::Inbound,
        lead_id: None,
        answered_by: answer.map(|_| Party::Human),
        call_id: 500 + arrive,
        ..outbound(outcome, None, None, arrive, answer, connect, end)
    }
}

/// Twelve outbound calls: 3 connected (waits 400, 1500, 0 ms), 1 abandoned, an AMD false positive,
/// an AMD false negative handled by an agent, a machine, busy, no answer, invalid, blocked, failed.
pub(crate) fn outbound_calls() -> Vec<Cdr> {
    use AmdVerdict as V;
    use Outcome::*;
    use Party::{Human as H, Machine as M};
    vec![
        outbound(Connected, Some(H), None, 0, Some(10_000), Some(10_400), 100_000),
        outbound(Connected, Some(H), Some(V::Human), 1_000, Some(6_000), Some(7_500), 50_000),
        outbound(Machine, Some(M), Some(V::Human), 1_500, Some(7_000), Some(9_500), 40_000),
        outbound(Abandoned, Some(H), Some(V::Human), 2_000, Some(9_000), None, 11_500),
        outbound(Machine, Some(H), Some(V::Machine), 3_000, Some(8_000), None, 10_500),
        outbound(Machine, Some(M), Some(V::Machine), 2_500, Some(9_000), None, 11_500),
        outbound(Busy, None, None, 4_000, None, None, 7_000),
        outbound(NoAnswer, None, None, 5_000, None, None, 30_000),
        outbound(Invalid, None, None, 6_000, None, None, 6_500),
        outbound(Blocked, None, None, 7_000, None, None, 7_000),
        outbound(Failed, None, None, 8_000, None, None, 8_200),
        outbound(Connected, Some(H), None, 9_000, Some(20_000), Some(20_000), 60_000),
    ]
}

/// Five inbound calls: served after waits of 0, 15 and 25 s, one abandoned, one blocked.
pub(crate) fn inbound_calls() -> Vec<Cdr> {
    use Outcome::*;
    vec![
        inbound(Connected, 10_000, Some(10_000), Some(10_000), 70_000),
        inbound(Connected, 11_000, Some(11_000), Some(26_000), 90_000),
        inbound(Connected, 12_000, Some(12_000), Some(37_000), 80_000),
        inbound(Abandoned, 13_000, Some(13_000), None, 43_000),
        inbound(Blocked, 14_000, None, None, 14_000),
    ]
}

/// Three agents, 900 s logged in all, 358 s of work, 300 s of talk; the last ends at 400 s.
pub(crate) fn agent_intervals() -> Vec<AgentInterval> {
    use AgentState::*;
    let at = |agent, state, start, end| AgentInterval {
        agent,
        state,
        start: Time::from_secs(start),
        end: Time::from_secs(end),
    };
    vec![
        at(1, Ready, 0, 60),
        at(1, Reserved, 60, 70),
        at(1, Talk, 70, 250),
        at(1, Wrap, 250, 265),
        at(1, Machine, 265, 270),
        at(1, Preview, 270, 278),
        at(1, Paused, 278, 300),
        at(2, Talk, 0, 120),
        at(2, Wrap, 120, 150),
        at(2, Ready, 150, 300),
        at(5, Ready, 100, 400),
    ]
}
