//! The non-INVITE server transaction (§17.2.2): Trying → Proceeding → Completed → Terminated.

use super::layer::{Common, Ctx, Step};
use super::timers::Slot;
use super::{SendResponseError, State, Timer};
use rsip::Response;

/// A BYE, OPTIONS, CANCEL … we received.
#[derive(Debug)]
pub(super) struct ServerNonInvite {
    pub state: State,
}

impl ServerNonInvite {
    pub fn new() -> ServerNonInvite {
        ServerNonInvite { state: State::Trying }
    }

    /// The request came again: resend the last response, if any (§17.2.2).
    pub fn on_retransmission(&mut self, c: &mut Common, ctx: &mut Ctx) {
        ctx.stats.absorbed_requests += 1;
        if self.state != State::Trying {
            ctx.send(c, true);
        }
    }

    pub fn on_response(
        &mut self,
        c: &mut Common,
        ctx: &mut Ctx,
        response: &Response,
        code: u16,
    ) -> Result<Step, SendResponseError> {
        if self.state == State::Completed {
            return Err(SendResponseError::State { key: ctx.key, state: self.state, code });
        }
        c.message = super::headers::bytes_of(response).into_boxed_slice();
        ctx.send(c, false);
        if code < 200 {
            self.state = State::Proceeding;
            return Ok(Step::Alive);
        }
        self.state = State::Completed;
        let j = ctx.duration(Timer::J, c.peer.reliable());
        if j == 0 {
            return Ok(Step::Done);
        }
        ctx.arm(c, Slot::End, Timer::J, j);
        Ok(Step::Alive)
    }

    pub fn on_timer(&mut self, slot: Slot, _c: &mut Common, _ctx: &mut Ctx) -> Step {
        match (slot, self.state) {
            (Slot::End, State::Completed) => Step::Done,
            _ => Step::Alive,
        }
    }
}
