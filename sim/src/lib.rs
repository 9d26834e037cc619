//! The simulated world of a call centre, driving the dialer core in virtual time.
//!
//! A [`Scenario`](scenario::Scenario) describes the world: agents, the people dialled, the trunk,
//! the pacing, inbound traffic. [`engine::run`] plays one replication of it through the very same
//! `dialer::core` that runs live, streaming records to a [`Sink`](engine::Sink);
//! [`replicate`] runs many in parallel and writes the outputs DESIGN.md describes; [`batch`] runs
//! many scenarios' replications as one pool, for a [`sweep`] over a grid of settings and for the
//! [`check`] of scenarios' `[expect]` bounds.

pub mod batch;
pub mod check;
pub mod dist;
pub mod engine;
pub mod queue;
pub mod replicate;
pub mod rng;
pub mod scenario;
pub mod sweep;
pub mod world;
