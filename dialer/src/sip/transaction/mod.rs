//! Sans-IO SIP transactions (RFC 3261 §17, with RFC 6026's Accepted state).
//!
//! A [`TransactionLayer`] owns every client and server transaction of one endpoint. It never reads
//! a clock or touches a socket: parsed messages and time come in, bytes to send and events for the
//! transaction user (TU: the dialog and call logic above) come out, and timers are data the driver
//! wakes it for. The simulator drives it in virtual time, the live runtime in wall-clock time.
//!
//! The run loop of a driver:
//!
//! ```
//! use dialer::core::Time;
//! use dialer::sip::transaction::{Config, Event, Output, Peer, TransactionLayer};
//! use dialer::sip::dialog::RequestSpec;
//!
//! let mut layer = TransactionLayer::new(Config::default());
//! let server = Peer::udp("192.0.2.10:5060".parse().unwrap());
//! let branch = layer.new_branch();
//! let options = RequestSpec::new(rsip::Method::Options, "sip:trunk.example.com")
//!     .via("192.0.2.1:5060", &branch)
//!     .build()
//!     .unwrap();
//! let key = layer.send_request(options, server, Time::ZERO).unwrap();
//! let mut sent = 0;
//! loop {
//!     // 1. Drain outputs: send datagrams, hand events to the TU.
//!     while let Some(output) = layer.poll_output() {
//!         match output {
//!             Output::Transmit(t) => { sent += 1; let _ = (t.peer, t.bytes); } // socket.send_to
//!             Output::Event(Event::Timeout { key: k, .. }) => assert_eq!(k, key),
//!             Output::Event(_) => {}
//!         }
//!     }
//!     // 2. Sleep until the next deadline or the next datagram, whichever comes first.
//!     //    A datagram becomes `layer.handle(Input::Received { .. }, now)`.
//!     let Some(deadline) = layer.poll_timeout() else { break };
//!     layer.handle_timeout(deadline);
//! }
//! // Nobody answered: the OPTIONS went out at 0, 0.5, 1.5, 3.5, 7.5, then every 4 s until
//! // timer F gave up at 32 s.
//! assert_eq!(sent, 11);
//! ```
//!
//! Transactions are matched by branch as §17.1.3 and §17.2.3 say: a response by its top Via branch
//! and CSeq method, a request by branch, sent-by and method, an ACK with the INVITE it acknowledges,
//! and a CANCEL as a transaction of its own whose event names the INVITE it cancels.
//!
//! What the layer does for the TU beyond §17: it sends 100 Trying 200 ms after an INVITE the TU
//! has not answered; retransmits a 2xx to an INVITE until its ACK arrives (§13.3.1.4, matched
//! by Call-ID and CSeq) and tells the TU if none did; resends the TU's ACK for each
//! retransmission of the 2xx it acknowledged; builds and holds the CANCEL of an INVITE until a
//! provisional response allows it (§9.1). What stays with the TU (the [`dialog`] module helps):
//! building requests and responses, the ACK of a 2xx ([`TransactionLayer::send_ack`]), answering
//! a CANCEL (200) and the INVITE it cancels (487), and giving up on a call that rings too long
//! ([`TransactionLayer::cancel`]: timer B stops at the first provisional response).
//!
//! [`dialog`]: crate::sip::dialog

mod client_invite;
mod client_non_invite;
mod config;
mod errors;
mod fuzz;
pub(crate) mod headers;
mod io;
mod layer;
mod server_invite;
mod server_non_invite;
mod timers;

pub use crate::core::Time;
pub use config::{Config, Timer};
pub use errors::{AckError, CancelError, MessageError, ReceiveError, SendRequestError, SendResponseError};
#[doc(hidden)]
pub use fuzz::fuzz_drive;
pub use io::{Event, Input, Kind, Output, Peer, State, Stats, TransactionKey, Transmit};
pub use layer::TransactionLayer;

#[cfg(test)]
mod net;
#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
