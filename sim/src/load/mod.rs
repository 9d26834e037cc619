//! `dialer load`: a SIP load generator for QA teams, SIPp's job with less set-up and more
//! report. It places calls at a rate (with a ramp), holds them for a drawn time, hangs up, and
//! counts everything: final codes, retransmissions, timeouts, latencies as hdrhistogram
//! percentiles, one row a second.
//!
//! It lives in `sim` beside the emulated callee because both draw durations from the same
//! seeded distributions ([`crate::dist::Dist`]) as the simulator's world model.
//!
//! - [`numbers`]: `--numbers FILE`, whom to call and with which credentials;
//! - [`schedule`]: when each call starts;
//! - [`stats`]: the counts and the final [`reports::load::LoadReport`];
//! - [`media`]: RTP both ways during the hold (`--media`);
//! - [`sys`]: the generator's own CPU time and memory;
//! - [`engine`]: the run itself.

pub mod engine;
pub mod media;
pub mod numbers;
pub mod schedule;
pub mod stats;
pub mod sys;
