//! The person behind a dialled number, drawn from the scenario's population: who answers (if
//! anyone), after how long, and how long they will wait for an agent.
//!
//! The simulator's world model and the emulated SIP callee (`dialer callee`) draw from the same
//! function with the same seeded streams, so lead `n` is the same person in both: a simulated run
//! and a run over SIP against the emulator meet the same callees.

use crate::rng::{Purpose, Streams, uniform};
use crate::scenario::Scenario;
use reports::Time;

/// Who is at the other end of a dialled number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalleeKind {
    /// A person answers.
    Human,
    /// An answering machine answers.
    Machine,
    /// The line is busy.
    Busy,
    /// It rings until the caller gives up.
    NoAnswer,
    /// Not a working number.
    Invalid,
}

/// What one dialled person will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalleeDraw {
    /// Who answers.
    pub kind: CalleeKind,
    /// Milliseconds from the dial to the answer (human, machine) or to the busy or invalid
    /// response; `None` for no answer.
    pub after_ms: Option<u64>,
    /// A person's patience once their greeting is over, ms; `None`: forever, or not a person.
    pub patience_ms: Option<u64>,
}

/// Draws the person behind lead `lead`, dialled at `now` (which picks the population phase).
pub fn draw_callee(sc: &Scenario, streams: &Streams, lead: u64, now: Time) -> CalleeDraw {
    let phase = sc.population.phase_at(now);
    let mix = &phase.mix;
    let u = uniform(&mut streams.get(Purpose::Outcome, lead));
    let kind = if u < mix.human {
        CalleeKind::Human
    } else if u < mix.human + mix.machine {
        CalleeKind::Machine
    } else if u < mix.human + mix.machine + mix.busy {
        CalleeKind::Busy
    } else if u < mix.human + mix.machine + mix.busy + mix.no_answer {
        CalleeKind::NoAnswer
    } else {
        CalleeKind::Invalid
    };
    let (after_ms, patience_ms) = match kind {
        CalleeKind::Human | CalleeKind::Machine => {
            let ring = phase.ring.sample_ms(&mut streams.get(Purpose::Ring, lead));
            let patience = match kind {
                CalleeKind::Human => {
                    phase.patience.as_ref().map(|d| d.sample_ms(&mut streams.get(Purpose::Patience, lead)))
                }
                _ => None,
            };
            (Some(ring), patience)
        }
        // Invalid numbers are refused as fast as busy lines are reported.
        CalleeKind::Busy | CalleeKind::Invalid => {
            (Some(phase.busy_after.sample_ms(&mut streams.get(Purpose::Busy, lead))), None)
        }
        CalleeKind::NoAnswer => (None, None),
    };
    CalleeDraw { kind, after_ms, patience_ms }
}
