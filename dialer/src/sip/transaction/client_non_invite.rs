//! The non-INVITE client transaction (§17.1.2): Trying → Proceeding → Completed → Terminated, and
//! Held for a CANCEL that waits for its INVITE's first provisional response.

use super::layer::{Common, Ctx, Step};
use super::timers::Slot;
use super::{Event, State, Timer};
use rsip::Response;

/// A BYE, OPTIONS, REGISTER, CANCEL … we sent.
#[derive(Debug)]
pub(super) struct ClientNonInvite {
    pub state: State,
}

impl ClientNonInvite {
    pub fn new(held: bool) -> ClientNonInvite {
        ClientNonInvite { state: if held { State::Held } else { State::Trying } }
    }

    /// Sends the request and starts timers E (UDP) and F.
    pub fn start(&mut self, c: &mut Common, ctx: &mut Ctx) {
        self.state = State::Trying;
        ctx.send(c, false);
        if !c.peer.reliable() {
            c.deadlines.interval_ms = ctx.interval(Timer::E);
            ctx.arm(c, Slot::Retransmit, Timer::E, u64::from(c.deadlines.interval_ms));
        }
        ctx.arm(c, Slot::End, Timer::F, ctx.duration(Timer::F, false));
    }

    pub fn on_response(&mut self, c: &mut Common, ctx: &mut Ctx, response: Response, code: u16) -> Step {
        match self.state {
            State::Trying | State::Proceeding if code < 200 => {
                self.state = State::Proceeding;
                ctx.event(Event::Response { key: ctx.key, response, retransmission: false });
                Step::Alive
            }
            State::Trying | State::Proceeding => {
                self.state = State::Completed;
                c.deadlines.disarm(Slot::Retransmit);
                c.deadlines.disarm(Slot::End);
                c.message = Box::default();
                ctx.event(Event::Response { key: ctx.key, response, retransmission: false });
                let k = ctx.duration(Timer::K, c.peer.reliable());
                if k == 0 {
                    return Step::Done;
                }
                ctx.arm(c, Slot::End, Timer::K, k);
                Step::Alive
            }
            // Completed absorbs retransmitted responses; Held has sent nothing to answer.
            _ => Step::Alive,
        }
    }

    pub fn on_timer(&mut self, slot: Slot, c: &mut Common, ctx: &mut Ctx) -> Step {
        match (slot, self.state) {
            (Slot::Retransmit, State::Trying | State::Proceeding) => {
                ctx.send(c, true);
                let t2 = ctx.t2();
                c.deadlines.interval_ms = if self.state == State::Proceeding {
                    t2
                } else {
                    c.deadlines.interval_ms.saturating_mul(2).min(t2)
                };
                ctx.arm(c, Slot::Retransmit, Timer::E, u64::from(c.deadlines.interval_ms));
                Step::Alive
            }
            (Slot::End, State::Trying | State::Proceeding) => {
                ctx.event(Event::Timeout { key: ctx.key, timer: Timer::F });
                Step::Done
            }
            (Slot::End, State::Completed) => Step::Done,
            _ => Step::Alive,
        }
    }
}
