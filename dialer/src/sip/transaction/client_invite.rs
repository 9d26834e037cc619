//! The INVITE client transaction (§17.1.1, RFC 6026 §7.2): Calling → Proceeding → Accepted or
//! Completed → Terminated.

use super::headers::{InviteStub, hash_parts};
use super::layer::{Common, Ctx, Step};
use super::timers::Slot;
use super::{Event, Peer, State, Timer, TransactionKey};
use rsip::{Header, Response};

/// The INVITE we sent and what became of it.
#[derive(Debug)]
pub(super) struct ClientInvite {
    pub state: State,
    /// What the ACK for a non-2xx and the CANCEL are built from; dropped at the final response.
    stub: Option<Box<InviteStub>>,
    /// A CANCEL the TU asked for before any provisional came: sent at the first one (§9.1).
    pub held_cancel: Option<TransactionKey>,
    /// A CANCEL was sent or is held.
    pub cancelling: bool,
    /// The TU's ACK for the 2xx and where it went, resent for each retransmission of that 2xx.
    ack: Option<Box<(Peer, Box<[u8]>)>>,
    /// Hash of the first 2xx's To header: tells its retransmissions from other forks' 2xx.
    to_2xx: u64,
}

impl ClientInvite {
    pub fn new(stub: InviteStub) -> ClientInvite {
        ClientInvite {
            state: State::Calling,
            stub: Some(Box::new(stub)),
            held_cancel: None,
            cancelling: false,
            ack: None,
            to_2xx: 0,
        }
    }

    /// Sends the INVITE and starts timers A (UDP) and B.
    pub fn start(&mut self, c: &mut Common, ctx: &mut Ctx) {
        ctx.send(c, false);
        if !c.peer.reliable() {
            c.deadlines.interval_ms = ctx.interval(Timer::A);
            ctx.arm(c, Slot::Retransmit, Timer::A, u64::from(c.deadlines.interval_ms));
        }
        ctx.arm(c, Slot::End, Timer::B, ctx.duration(Timer::B, false));
    }

    /// The CANCEL's bytes, while the INVITE has no final response.
    pub fn cancel_bytes(&self) -> Option<Vec<u8>> {
        self.stub.as_ref().map(|s| s.cancel())
    }

    /// Keeps the TU's ACK for a 2xx, to resend it when the 2xx is retransmitted.
    pub fn keep_ack(&mut self, peer: Peer, bytes: Vec<u8>) {
        // The first ACK is the first 2xx's: another fork's ACK (sent before its BYE) is not kept.
        if self.state == State::Accepted && self.ack.is_none() {
            self.ack = Some(Box::new((peer, bytes.into_boxed_slice())));
        }
    }

    pub fn on_response(&mut self, c: &mut Common, ctx: &mut Ctx, response: Response, code: u16) -> Step {
        let to_value = response.headers.iter().find_map(|h| match h {
            Header::To(t) => Some(rsip::headers::UntypedHeader::value(t).to_owned()),
            _ => None,
        });
        match (self.state, code) {
            (State::Calling | State::Proceeding, 100..=199) => {
                self.state = State::Proceeding;
                c.deadlines.disarm(Slot::Retransmit);
                if !self.cancelling {
                    c.deadlines.disarm(Slot::End);
                }
                ctx.event(Event::Response { key: ctx.key, response, retransmission: false });
                Step::Alive
            }
            (State::Calling | State::Proceeding, 200..=299) => {
                self.state = State::Accepted;
                self.stub = None;
                self.to_2xx = hash_parts(0, &[to_value.unwrap_or_default().as_bytes()]);
                c.message = Box::default();
                c.deadlines.disarm(Slot::Retransmit);
                ctx.arm(c, Slot::End, Timer::M, ctx.duration(Timer::M, false));
                ctx.event(Event::Response { key: ctx.key, response, retransmission: false });
                Step::Alive
            }
            (State::Calling | State::Proceeding, _) => {
                self.state = State::Completed;
                c.deadlines.disarm(Slot::Retransmit);
                c.deadlines.disarm(Slot::End);
                if let (Some(stub), Some(to)) = (self.stub.take(), to_value) {
                    c.message = stub.ack(&to).into_boxed_slice();
                    ctx.send(c, false);
                } else {
                    c.message = Box::default();
                }
                ctx.event(Event::Response { key: ctx.key, response, retransmission: false });
                let d = ctx.duration(Timer::D, c.peer.reliable());
                if d == 0 {
                    return Step::Done;
                }
                ctx.arm(c, Slot::End, Timer::D, d);
                Step::Alive
            }
            (State::Accepted, 200..=299) => {
                let same = hash_parts(0, &[to_value.unwrap_or_default().as_bytes()]) == self.to_2xx;
                if same && let Some(ack) = &self.ack {
                    ctx.transmit(ack.0, ack.1.to_vec(), None, true);
                }
                ctx.event(Event::Response { key: ctx.key, response, retransmission: same });
                Step::Alive
            }
            (State::Completed, 300..) => {
                // A retransmitted non-2xx: our ACK was lost, send it again (§17.1.1.2).
                ctx.send(c, true);
                Step::Alive
            }
            _ => Step::Alive,
        }
    }

    pub fn on_timer(&mut self, slot: Slot, c: &mut Common, ctx: &mut Ctx) -> Step {
        match (slot, self.state) {
            (Slot::Retransmit, State::Calling) => {
                ctx.send(c, true);
                c.deadlines.interval_ms = c.deadlines.interval_ms.saturating_mul(2);
                ctx.arm(c, Slot::Retransmit, Timer::A, u64::from(c.deadlines.interval_ms));
                Step::Alive
            }
            (Slot::End, State::Calling | State::Proceeding) => {
                ctx.event(Event::Timeout { key: ctx.key, timer: c.deadlines.end });
                Step::Done
            }
            (Slot::End, _) => Step::Done,
            _ => Step::Alive,
        }
    }
}
