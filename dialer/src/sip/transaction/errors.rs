//! One error enum per operation of the layer. The layer is unchanged when one is returned.

use super::{State, TransactionKey};

/// A header the transaction layer needs is missing or does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// A mandatory header is absent.
    #[error("the message has no {0} header; every SIP request and response carries one (RFC 3261 §8.1.1)")]
    Missing(&'static str),
    /// A header is there but rsip cannot read it.
    #[error("the {header} header `{value}` does not parse ({reason}); fix the sender or the message layer")]
    Malformed { header: &'static str, value: String, reason: String },
    /// The top Via carries no branch, so the message cannot be matched to a transaction.
    #[error("the top Via has no branch parameter; RFC 3261 transactions are matched by it (§8.1.1.7)")]
    NoBranch,
}

/// Why [`TransactionLayer::handle`](super::TransactionLayer::handle) refused an input. Dropping the
/// message is the right reaction; none of these is a bug of the layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiveError {
    /// The message lacks what matching needs.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// A request whose CSeq method is not its method.
    #[error("request {method} carries CSeq method {cseq}; they must agree (§8.1.1.5), answer 400")]
    CseqMethod { method: rsip::Method, cseq: rsip::Method },
    /// A response with a status code outside 100–699.
    #[error("status code {0} is outside 100–699")]
    StatusCode(u16),
    /// A transport error for a transaction that has already ended.
    #[error("{0} is not a live transaction")]
    UnknownTransaction(TransactionKey),
}

/// Why [`TransactionLayer::send_request`](super::TransactionLayer::send_request) refused a request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendRequestError {
    /// The request lacks what a client transaction needs.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// ACK is not a transaction of its own.
    #[error("an ACK is not sent through a transaction: use send_ack for the ACK of a 2xx")]
    Ack,
    /// The CSeq method differs from the request's.
    #[error("request {method} carries CSeq method {cseq}; they must agree (§8.1.1.5)")]
    CseqMethod { method: rsip::Method, cseq: rsip::Method },
    /// Another live client transaction already uses this branch and method.
    #[error("branch {0} is in use by a live client transaction; take a fresh one from new_branch")]
    BranchInUse(String),
}

/// Why [`TransactionLayer::send_response`](super::TransactionLayer::send_response) refused a response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendResponseError {
    /// The key names no live transaction (it ended, perhaps on a timer).
    #[error("{0} is not a live transaction")]
    UnknownTransaction(TransactionKey),
    /// The key names a client transaction.
    #[error("{0} is a client transaction; responses go out through server transactions")]
    NotServer(TransactionKey),
    /// The transaction cannot send this response in its state (a final was already sent).
    #[error("{key} is {state:?} and cannot send a {code} now (a final response was already sent)")]
    State { key: TransactionKey, state: State, code: u16 },
    /// A status code outside 100–699.
    #[error("status code {0} is outside 100–699")]
    StatusCode(u16),
}

/// Why [`TransactionLayer::cancel`](super::TransactionLayer::cancel) refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    /// The key names no live transaction.
    #[error("{0} is not a live transaction")]
    UnknownTransaction(TransactionKey),
    /// Only a client INVITE can be cancelled.
    #[error("{0} is not a client INVITE transaction; only INVITEs are cancelled")]
    NotInvite(TransactionKey),
    /// A final response already came: send BYE (after a 2xx) instead.
    #[error("{key} already has a final response ({state:?}); a CANCEL would do nothing (§9.1)")]
    Final { key: TransactionKey, state: State },
    /// A CANCEL for this INVITE is already under way.
    #[error("{0} is already being cancelled")]
    AlreadyCancelled(TransactionKey),
}

/// Why [`TransactionLayer::send_ack`](super::TransactionLayer::send_ack) refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    /// The request is not an ACK.
    #[error("send_ack sends ACKs, not {0}")]
    NotAck(rsip::Method),
}
