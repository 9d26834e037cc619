//! The dialer: one core that decides whom to call and when, and (in later layers) the drivers that
//! run it against real SIP trunks.
//!
//! [`core`] is sans-IO: it never reads a clock, touches a socket or draws a random number. The
//! simulator (`sim`) drives it in virtual time; the live runtime will drive the very same code in
//! wall-clock time. See the [`core`] module for the run loop.
//!
//! [`campaign`] reads the campaign file a live run dials from; [`store`] is its SQLite campaign
//! store (leads, the attempt journal with CDRs, do-not-call list, callbacks).

pub mod campaign;
pub mod core;
pub mod live;
pub mod media;
pub mod sip;
pub mod store;
