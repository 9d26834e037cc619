//! Media for live calls: G.711 codecs, RTP packetisation and receive statistics, SDP offer/answer.
//!
//! Everything here is sans-IO and pure, like the dialer core: no sockets, no clock, no entropy.
//!
//! - [`g711`]: PCMU and PCMA sample codecs.

pub mod g711;

pub use g711::G711;
