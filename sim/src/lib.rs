//! The simulated world of a call centre, driving the dialer core in virtual time.
//!
//! A [`Scenario`](scenario::Scenario) describes the world: agents, the people dialled, the trunk,
//! the pacing, inbound traffic. [`engine::run`] plays one replication of it through the very same
//! `dialer::core` that runs live, streaming records to a [`Sink`](engine::Sink);
//! [`replicate`] runs many in parallel and writes the outputs DESIGN.md describes; [`batch`] runs
//! many scenarios' replications as one pool, for a [`sweep`] over a grid of settings and for the
//! [`check`] of scenarios' `[expect]` bounds.

pub mod batch;
pub mod callee;
pub mod check;
pub mod dist;
pub mod emulate;
pub mod engine;
pub mod load;
pub mod queue;
pub mod replicate;
pub mod rng;
pub mod scenario;
pub mod sweep;
pub mod world;

/// A tiny valid scenario for unit tests: 5 agents, 20 minutes, ratio 2.
#[cfg(test)]
pub(crate) const TINY_SCENARIO: &str = r#"
duration = "20m"
seed = 4
[agents]
count = 5
talk = { dist = "exp", mean = "2m" }
wrap = { dist = "const", value = "5s" }
[population]
human = 0.3
no_answer = 0.7
ring = { dist = "const", value = "10s" }
patience = { dist = "exp", mean = "3s" }
[pacing]
mode = "ratio"
ratio = 2.0
"#;
