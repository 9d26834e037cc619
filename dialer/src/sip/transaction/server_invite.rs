//! The INVITE server transaction (§17.2.1, RFC 6026 §7.1): Proceeding → Accepted, or Completed →
//! Confirmed → Terminated.

use super::layer::{Common, Ctx, Step};
use super::timers::Slot;
use super::{Event, SendResponseError, State, Timer};
use rsip::Response;

/// An INVITE we received and the response we are giving it.
#[derive(Debug)]
pub(super) struct ServerInvite {
    pub state: State,
    /// Identifies the ACK of our 2xx (Call-ID and CSeq number), which has a branch of its own.
    pub ack_key: u64,
    /// The ACK of our 2xx came: stop retransmitting it.
    pub acked: bool,
    /// The 100 Trying is ready in `Common::message` but not sent yet.
    trying_pending: bool,
}

impl ServerInvite {
    /// Starts with the 100 Trying in `c.message`, sent after the configured delay unless the TU
    /// responds first.
    pub fn start(c: &mut Common, ctx: &mut Ctx, ack_key: u64) -> ServerInvite {
        let mut si = ServerInvite { state: State::Proceeding, ack_key, acked: false, trying_pending: true };
        let delay = ctx.duration(Timer::Trying, false);
        if delay == 0 {
            ctx.send(c, false);
            si.trying_pending = false;
        } else {
            ctx.arm(c, Slot::Retransmit, Timer::Trying, delay);
        }
        si
    }

    /// The INVITE came again.
    pub fn on_retransmission(&mut self, c: &mut Common, ctx: &mut Ctx) {
        ctx.stats.absorbed_requests += 1;
        match self.state {
            State::Proceeding if self.trying_pending => {
                // The client is retransmitting already: quench it now rather than at 200 ms.
                self.trying_pending = false;
                c.deadlines.disarm(Slot::Retransmit);
                ctx.send(c, false);
            }
            // Proceeding: the latest provisional; Completed: the final (§17.2.1).
            State::Proceeding | State::Completed => ctx.send(c, true),
            // Accepted absorbs (RFC 6026: the 2xx is on its own schedule); Confirmed too.
            _ => {}
        }
    }

    /// An ACK with our branch: for a non-2xx, or (from a sloppy peer) for a 2xx. Returns whether
    /// the TU should see it.
    pub fn on_ack(&mut self, c: &mut Common, ctx: &mut Ctx) -> (Step, bool) {
        match self.state {
            State::Completed => {
                self.state = State::Confirmed;
                c.deadlines.disarm(Slot::Retransmit);
                c.deadlines.disarm(Slot::End);
                c.message = Box::default();
                let i = ctx.duration(Timer::I, c.peer.reliable());
                if i == 0 {
                    return (Step::Done, false);
                }
                ctx.arm(c, Slot::End, Timer::I, i);
                (Step::Alive, false)
            }
            State::Accepted => {
                self.on_2xx_ack(c);
                (Step::Alive, true)
            }
            _ => {
                ctx.stats.absorbed_requests += 1;
                (Step::Alive, false)
            }
        }
    }

    /// The ACK of our 2xx came (matched by Call-ID and CSeq): stop retransmitting the 2xx, and
    /// free it (Accepted only absorbs INVITE copies from now on; timer L still runs).
    pub fn on_2xx_ack(&mut self, c: &mut Common) {
        self.acked = true;
        c.deadlines.disarm(Slot::Retransmit);
        c.message = Box::default();
    }

    pub fn on_response(
        &mut self,
        c: &mut Common,
        ctx: &mut Ctx,
        response: &Response,
        code: u16,
    ) -> Result<Step, SendResponseError> {
        match (self.state, code) {
            (State::Proceeding, 100..=199) => {
                self.trying_pending = false;
                c.deadlines.disarm(Slot::Retransmit);
                c.message = super::headers::bytes_of(response).into_boxed_slice();
                ctx.send(c, false);
            }
            (State::Proceeding, _) => {
                self.trying_pending = false;
                c.message = super::headers::bytes_of(response).into_boxed_slice();
                ctx.send(c, false);
                let (state, end) = if code < 300 { (State::Accepted, Timer::L) } else { (State::Completed, Timer::H) };
                self.state = state;
                c.deadlines.disarm(Slot::Retransmit);
                if !c.peer.reliable() {
                    c.deadlines.interval_ms = ctx.interval(Timer::G);
                    ctx.arm(c, Slot::Retransmit, Timer::G, u64::from(c.deadlines.interval_ms));
                }
                ctx.arm(c, Slot::End, end, ctx.duration(end, false));
            }
            (State::Accepted, 200..=299) => {
                // RFC 6026: further 2xx from the TU go out (another fork's answer, or the TU's
                // own retransmission); they become the one we retransmit.
                c.message = super::headers::bytes_of(response).into_boxed_slice();
                ctx.send(c, false);
            }
            (state, code) => return Err(SendResponseError::State { key: ctx.key, state, code }),
        }
        Ok(Step::Alive)
    }

    pub fn on_timer(&mut self, slot: Slot, c: &mut Common, ctx: &mut Ctx) -> Step {
        match (slot, self.state) {
            (Slot::Retransmit, State::Proceeding) => {
                self.trying_pending = false;
                ctx.send(c, false);
                Step::Alive
            }
            (Slot::Retransmit, State::Accepted | State::Completed) if !self.acked => {
                ctx.send(c, true);
                c.deadlines.interval_ms = c.deadlines.interval_ms.saturating_mul(2).min(ctx.t2());
                ctx.arm(c, Slot::Retransmit, Timer::G, u64::from(c.deadlines.interval_ms));
                Step::Alive
            }
            (Slot::End, State::Completed) => {
                ctx.event(Event::Timeout { key: ctx.key, timer: Timer::H });
                Step::Done
            }
            (Slot::End, State::Accepted) => {
                if !self.acked {
                    ctx.event(Event::Timeout { key: ctx.key, timer: Timer::L });
                }
                Step::Done
            }
            (Slot::End, _) => Step::Done,
            _ => Step::Alive,
        }
    }
}
