//! SIP for the live dialer, the load generator and the emulated callee.
//!
//! Layers, bottom up:
//! - [`message`]: bytes ⇄ `rsip` messages, with our own normalisation around rsip 0.4's defects
//!   (Content-Length framing on streams, compact header names, `tel:` URIs, IPv6 hosts, URI
//!   parameter values with `:`, quoted display names);
//! - [`auth`]: digest authentication (RFC 2617 / RFC 7616: MD5 and SHA-256, `qop=auth`);
//! - [`transaction`]: sans-IO RFC 3261 §17 transactions with RFC 6026's accepted state, driven in
//!   virtual or wall-clock time like the dialer core;
//! - [`dialog`]: RFC 3261 §12 dialogs (tags, route set, CSeq, remote target) and the requests
//!   built in them;
//! - [`transport`]: sockets (UDP with enlarged buffers) and datagram limits; [`mmsg`]: datagrams
//!   read and written in batches.

pub mod auth;
pub mod dialog;
pub mod endpoint;
pub mod message;
pub mod mmsg;
pub mod transaction;
pub mod transport;
