//! One emulated callee's decisions, sans-IO: when to ring, answer, refuse or hang up, given the
//! scenario's draw for the lead and what the person hears. Time comes in as an argument (ms since
//! the callee started); the SIP and RTP driver ([`super::server`]) turns the [`Action`]s into
//! messages, so the rules are tested here in virtual time.

use crate::callee::{CalleeDraw, CalleeKind};
use reports::Time;

/// A received frame louder than this is voice: app_amd's default silence threshold (an RMS
/// amplitude of 256 on the 16-bit scale, −42.1 dBFS).
pub const VOICE_DBFS: f64 = -42.0;

/// This many voiced 20 ms frames in a row (60 ms) mean "someone is there": a click or a
/// single noisy packet does not.
pub const VOICE_FRAMES: u32 = 3;

/// Bounds that keep every call finite whatever the caller does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A call nobody answers rings at most this long, then gets 480 (the caller should have
    /// cancelled long before).
    pub max_ring_ms: u64,
    /// An answering machine records at most this long after answering, then hangs up.
    pub max_message_ms: u64,
    /// A person stays at most this long after answering, then hangs up.
    pub max_call_ms: u64,
}

impl Default for Limits {
    /// Five minutes of ringing, a 60 s message, an hour's call.
    fn default() -> Limits {
        Limits { max_ring_ms: 300_000, max_message_ms: 60_000, max_call_ms: 3_600_000 }
    }
}

/// Why the callee hangs up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HangUpReason {
    /// A person heard no one within their patience after their greeting.
    Patience,
    /// An answering machine reached its longest message.
    MessageEnd,
    /// A person reached [`Limits::max_call_ms`].
    MaxCall,
}

/// What the person does now; the driver sends the matching SIP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The phone rings: 180.
    Ring,
    /// A final refusal: 486 (busy) or 404 (invalid).
    Reject(u16),
    /// Nobody answered within [`Limits::max_ring_ms`]: 480.
    RangOut,
    /// Picks up: 200 with the SDP answer; the greeting starts.
    Answer,
    /// Hangs up: BYE.
    HangUp(HangUpReason),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Invited { rang: bool },
    Answered { at: Time },
    Done,
}

/// The person behind one call, from the INVITE to the end.
#[derive(Clone, Debug)]
pub struct Person {
    draw: CalleeDraw,
    greeting_ms: u64,
    limits: Limits,
    invited: Time,
    stage: Stage,
    voiced_run: u32,
    heard: bool,
}

impl Person {
    /// The person `draw` describes, invited at `now`, whose greeting (if they answer) lasts
    /// `greeting_ms` (to its last word, or a machine's beep).
    pub fn new(draw: CalleeDraw, greeting_ms: u64, limits: Limits, now: Time) -> Person {
        Person {
            draw,
            greeting_ms,
            limits,
            invited: now,
            stage: Stage::Invited { rang: false },
            voiced_run: 0,
            heard: false,
        }
    }

    /// What the scenario drew.
    pub fn draw(&self) -> &CalleeDraw {
        &self.draw
    }

    /// When the person answered, if they did.
    pub fn answered_at(&self) -> Option<Time> {
        match self.stage {
            Stage::Answered { at } => Some(at),
            _ => None,
        }
    }

    /// Whether the person has heard someone on the line.
    pub fn heard_someone(&self) -> bool {
        self.heard
    }

    /// When the next action is due; `None` when the person waits for the caller alone (or is
    /// done).
    pub fn poll_timeout(&self) -> Option<Time> {
        let kind = self.draw.kind;
        match self.stage {
            Stage::Invited { rang } => {
                if !rang && matches!(kind, CalleeKind::Human | CalleeKind::Machine | CalleeKind::NoAnswer) {
                    return Some(self.invited);
                }
                let rang_out = self.invited + self.limits.max_ring_ms;
                match (kind, self.draw.after_ms) {
                    (CalleeKind::Human | CalleeKind::Machine, Some(after)) => {
                        Some((self.invited + after).min(rang_out))
                    }
                    (CalleeKind::Busy | CalleeKind::Invalid, Some(after)) => Some(self.invited + after),
                    _ => Some(rang_out),
                }
            }
            Stage::Answered { at } => Some(match kind {
                CalleeKind::Machine => at + self.limits.max_message_ms,
                _ => {
                    let longest = at + self.limits.max_call_ms;
                    match self.draw.patience_ms {
                        Some(patience) if !self.heard => (at + self.greeting_ms + patience).min(longest),
                        _ => longest,
                    }
                }
            }),
            Stage::Done => None,
        }
    }

    /// The action due at `now`, if any; call until `None`.
    pub fn poll_action(&mut self, now: Time) -> Option<Action> {
        let due = self.poll_timeout()?;
        if due > now {
            return None;
        }
        let kind = self.draw.kind;
        let action = match self.stage {
            Stage::Invited { rang: false }
                if matches!(kind, CalleeKind::Human | CalleeKind::Machine | CalleeKind::NoAnswer) =>
            {
                self.stage = Stage::Invited { rang: true };
                return Some(Action::Ring);
            }
            Stage::Invited { .. } => match kind {
                CalleeKind::Busy => Action::Reject(486),
                CalleeKind::Invalid => Action::Reject(404),
                CalleeKind::Human | CalleeKind::Machine
                    if self.draw.after_ms.is_some_and(|a| a <= self.limits.max_ring_ms) =>
                {
                    self.stage = Stage::Answered { at: now };
                    return Some(Action::Answer);
                }
                _ => Action::RangOut,
            },
            Stage::Answered { at } => match kind {
                CalleeKind::Machine => Action::HangUp(HangUpReason::MessageEnd),
                _ if due < at + self.limits.max_call_ms => Action::HangUp(HangUpReason::Patience),
                _ => Action::HangUp(HangUpReason::MaxCall),
            },
            Stage::Done => return None,
        };
        self.stage = Stage::Done;
        Some(action)
    }

    /// One 20 ms frame from the caller at `dbfs`. Returns true when this frame made the person
    /// hear someone (their hang-up time then changes: reschedule).
    pub fn hear(&mut self, dbfs: f64) -> bool {
        if self.heard || !matches!(self.stage, Stage::Answered { .. }) {
            return false;
        }
        if dbfs > VOICE_DBFS {
            self.voiced_run += 1;
        } else {
            self.voiced_run = 0;
        }
        if self.voiced_run >= VOICE_FRAMES {
            self.heard = true;
            return true;
        }
        false
    }

    /// The call ended from the caller's side (BYE, CANCEL) or the driver gave up: no more
    /// actions.
    pub fn end(&mut self) {
        self.stage = Stage::Done;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(kind: CalleeKind, after_ms: Option<u64>, patience_ms: Option<u64>) -> CalleeDraw {
        CalleeDraw { kind, after_ms, patience_ms }
    }

    /// Runs the person alone (the caller says nothing) until done or `until`: (time, action).
    fn run(person: &mut Person, until: Time) -> Vec<(u64, Action)> {
        let mut out = Vec::new();
        while let Some(t) = person.poll_timeout() {
            if t > until {
                break;
            }
            while let Some(a) = person.poll_action(t) {
                out.push((t.as_ms(), a));
            }
        }
        out
    }

    const T0: Time = Time::from_ms(1_000);

    #[test]
    fn each_kind_does_what_the_population_says() {
        let limits = Limits::default();
        let end = Time::from_secs(10_000);
        let mut busy = Person::new(draw(CalleeKind::Busy, Some(3_000), None), 0, limits, T0);
        assert_eq!(run(&mut busy, end), vec![(4_000, Action::Reject(486))]);
        let mut invalid = Person::new(draw(CalleeKind::Invalid, Some(500), None), 0, limits, T0);
        assert_eq!(run(&mut invalid, end), vec![(1_500, Action::Reject(404))]);
        let mut nobody = Person::new(draw(CalleeKind::NoAnswer, None, None), 0, limits, T0);
        assert_eq!(run(&mut nobody, end), vec![(1_000, Action::Ring), (301_000, Action::RangOut)]);
        let mut machine = Person::new(draw(CalleeKind::Machine, Some(8_000), None), 12_000, limits, T0);
        assert_eq!(
            run(&mut machine, end),
            vec![(1_000, Action::Ring), (9_000, Action::Answer), (69_000, Action::HangUp(HangUpReason::MessageEnd))]
        );
        assert_eq!(machine.answered_at(), None, "done after the hang-up");
    }

    #[test]
    fn a_person_without_patience_stays_until_the_longest_call() {
        let mut p = Person::new(draw(CalleeKind::Human, Some(0), None), 1_200, Limits::default(), T0);
        assert_eq!(p.poll_action(T0), Some(Action::Ring));
        assert_eq!(p.poll_action(T0), Some(Action::Answer), "a zero ring time answers at once");
        assert_eq!(p.poll_action(T0), None);
        assert_eq!(p.poll_timeout(), Some(T0 + 3_600_000));
    }

    #[test]
    fn a_person_who_hears_no_one_hangs_up_after_greeting_and_patience() {
        let mut p = Person::new(draw(CalleeKind::Human, Some(5_000), Some(3_000)), 1_200, Limits::default(), T0);
        let got = run(&mut p, Time::from_secs(100));
        assert_eq!(
            got,
            vec![(1_000, Action::Ring), (6_000, Action::Answer), (10_200, Action::HangUp(HangUpReason::Patience))]
        );
    }

    #[test]
    fn quiet_frames_do_not_count_as_someone() {
        let mut p = Person::new(draw(CalleeKind::Human, Some(0), Some(3_000)), 1_000, Limits::default(), T0);
        while p.poll_action(T0).is_some() {}
        // Line noise and a lone loud click between quiet frames.
        for dbfs in [-60.0, -50.0, -20.0, -60.0, -20.0, -20.0, -70.0] {
            assert!(!p.hear(dbfs));
        }
        assert!(!p.heard_someone());
        assert_eq!(p.poll_timeout(), Some(T0 + 4_000));
    }

    #[test]
    fn a_person_who_hears_voice_stays_until_the_callers_bye() {
        let mut p = Person::new(draw(CalleeKind::Human, Some(0), Some(3_000)), 1_000, Limits::default(), T0);
        while p.poll_action(T0).is_some() {}
        assert!(!p.hear(-30.0));
        assert!(!p.hear(-30.0));
        assert!(p.hear(-30.0), "three voiced frames in a row");
        assert!(p.heard_someone());
        // No patience deadline any more: only the longest call.
        assert_eq!(p.poll_timeout(), Some(T0 + 3_600_000));
        assert_eq!(p.poll_action(T0 + 4_000), None);
        p.end();
        assert_eq!(p.poll_timeout(), None);
    }

    #[test]
    fn voice_before_the_answer_is_not_heard() {
        let mut p = Person::new(draw(CalleeKind::Human, Some(5_000), Some(3_000)), 1_000, Limits::default(), T0);
        for _ in 0..10 {
            assert!(!p.hear(-20.0));
        }
        assert!(!p.heard_someone());
    }

    #[test]
    fn a_ring_longer_than_the_limit_rings_out() {
        let limits = Limits { max_ring_ms: 2_000, ..Limits::default() };
        let mut p = Person::new(draw(CalleeKind::Human, Some(5_000), None), 1_000, limits, T0);
        assert_eq!(run(&mut p, Time::from_secs(100)), vec![(1_000, Action::Ring), (3_000, Action::RangOut)]);
    }

    #[test]
    fn a_machine_ignores_what_it_hears() {
        let mut p = Person::new(draw(CalleeKind::Machine, Some(0), None), 9_000, Limits::default(), T0);
        while p.poll_action(T0).is_some() {}
        for _ in 0..5 {
            p.hear(-20.0);
        }
        assert_eq!(p.poll_timeout(), Some(T0 + 60_000));
    }
}
