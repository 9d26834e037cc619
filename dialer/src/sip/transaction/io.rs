//! What the driver and the TU hand the layer ([`Input`], commands) and what it hands back
//! ([`Output`]: bytes to send and [`Event`]s for the TU).

use rsip::{Request, Response, SipMessage, Transport};
use std::fmt;
use std::net::SocketAddr;

use super::Timer;

/// The far end of a message: an address and the transport to reach it by. Reliable transports
/// (anything but UDP) get no retransmissions and zero for timers D, I, J and K.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
    /// Where to send (or where a message came from).
    pub addr: SocketAddr,
    /// How: UDP, TCP, TLS …
    pub transport: Transport,
}

impl Peer {
    /// A peer reached over UDP: the usual trunk.
    pub fn udp(addr: SocketAddr) -> Peer {
        Peer { addr, transport: Transport::Udp }
    }

    /// A peer reached over TCP.
    pub fn tcp(addr: SocketAddr) -> Peer {
        Peer { addr, transport: Transport::Tcp }
    }

    /// Whether the transport delivers by itself, so the transaction layer must not retransmit.
    pub fn reliable(&self) -> bool {
        !matches!(self.transport, Transport::Udp)
    }
}

/// The TU's handle on one transaction: small and `Copy`, valid until the transaction's
/// [`Event::Terminated`]. A key of an ended transaction is never reused for another (the
/// generation differs), so a late command fails cleanly instead of reaching a stranger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionKey {
    pub(super) index: u32,
    pub(super) generation: u32,
}

impl fmt::Display for TransactionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "txn-{}.{}", self.index, self.generation)
    }
}

/// Which of the four state machines of §17 a transaction runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// We sent an INVITE (§17.1.1).
    ClientInvite,
    /// We sent another request (§17.1.2).
    ClientNonInvite,
    /// We received an INVITE (§17.2.1).
    ServerInvite,
    /// We received another request (§17.2.2).
    ServerNonInvite,
}

/// The state of a transaction, as §17 and RFC 6026 name them. Exposed for tests and diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// A CANCEL waiting for the INVITE's first provisional response before it may be sent (§9.1).
    Held,
    /// Client INVITE sent, no response yet.
    Calling,
    /// Non-INVITE sent (client) or received (server), no response yet.
    Trying,
    /// A provisional response came (client) or was sent (server).
    Proceeding,
    /// A 2xx to an INVITE came or was sent (RFC 6026).
    Accepted,
    /// A final response (any for non-INVITE, non-2xx for INVITE) came or was sent.
    Completed,
    /// Server INVITE: the ACK for the non-2xx came.
    Confirmed,
}

/// Something the network or the clock tells the layer. Fed to
/// [`TransactionLayer::handle`](super::TransactionLayer::handle).
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant, reason = "moved once into handle; boxing would allocate per message")]
pub enum Input {
    /// A message arrived (already parsed by the message layer) from `peer`.
    Received { message: SipMessage, peer: Peer },
    /// Sending a message of this transaction failed (connection refused, ICMP unreachable): the
    /// transaction ends and the TU hears [`Event::TransportError`].
    TransportError { key: TransactionKey },
    /// The time given by [`poll_timeout`](super::TransactionLayer::poll_timeout) has come. A
    /// spurious timeout is harmless.
    Timeout,
}

/// Bytes to put on the wire. Retransmissions reuse the bytes serialised when the message was
/// first sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send them.
    pub peer: Peer,
    /// One whole SIP message.
    pub bytes: Vec<u8>,
    /// The transaction sending it, to report a send failure with [`Input::TransportError`];
    /// `None` for an ACK to a 2xx, which belongs to no transaction.
    pub key: Option<TransactionKey>,
    /// Whether this repeats a message already sent (for counters such as `load.json`'s
    /// `retransmissions`).
    pub retransmission: bool,
}

/// Something the layer asks of the driver or tells the TU. Drained with
/// [`TransactionLayer::poll_output`](super::TransactionLayer::poll_output).
#[derive(Clone, Debug)]
pub enum Output {
    /// Send these bytes.
    Transmit(Transmit),
    /// Tell the TU.
    Event(Event),
}

/// What the TU hears from the transaction layer.
#[derive(Clone, Debug)]
pub enum Event {
    /// A response to one of our requests. The TU sees each provisional response and exactly one
    /// final response per transaction; the exceptions are 2xx responses to an INVITE in the
    /// Accepted state, all passed up (RFC 6026): `retransmission` is true for those repeating
    /// the first 2xx's dialog (same To tag), false for a 2xx of another fork.
    Response { key: TransactionKey, response: Response, retransmission: bool },
    /// A new request: a server transaction now exists for it, answer with
    /// [`send_response`](super::TransactionLayer::send_response). For a CANCEL, `cancels` is the
    /// INVITE server transaction it matches (§9.2: answer the CANCEL 200 and the INVITE 487), or
    /// `None` (answer 481).
    Request { key: TransactionKey, request: Request, peer: Peer, cancels: Option<TransactionKey> },
    /// An ACK that belongs to no transaction: the ACK of a 2xx, for the dialog. `invite` is the
    /// INVITE server transaction whose 2xx it acknowledges, when the layer still holds it (it then
    /// stops retransmitting the 2xx).
    Ack { request: Request, peer: Peer, invite: Option<TransactionKey> },
    /// A timer gave up: B or F (no final response to our request), H (no ACK for our non-2xx),
    /// L (no ACK for our 2xx), or [`Timer::Cancel`]. The transaction then terminates.
    Timeout { key: TransactionKey, timer: Timer },
    /// The driver reported that sending failed ([`Input::TransportError`]); the transaction ends.
    TransportError { key: TransactionKey },
    /// The transaction is gone; its key is now invalid.
    Terminated { key: TransactionKey },
}

/// Counters since the layer was made: what a load test reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Client and server transactions created.
    pub transactions: u64,
    /// Messages sent again: requests on timers A and E, responses on G, resent last responses
    /// and ACKs for retransmitted requests and responses.
    pub retransmissions: u64,
    /// Responses that matched no transaction, dropped (RFC 6026 §7.1.2).
    pub stray_responses: u64,
    /// Request retransmissions absorbed by a server transaction.
    pub absorbed_requests: u64,
}
