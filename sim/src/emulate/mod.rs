//! The simulator's world model answering over SIP in real time: `dialer callee`.
//!
//! Each INVITE is a lead of the scenario's population, drawn with the very function and seeded
//! streams the simulator uses ([`crate::callee::draw_callee`]), so a dialer run against the
//! emulator meets the people a simulated run meets. The n-th INVITE is lead n (from 1, as the
//! dialer core numbers leads), or with `by_number` the Request-URI's numeric user part.
//!
//! - [`person`]: one callee's decisions, sans-IO and tested in virtual time: ring, answer or
//!   refuse, listen, and hang up when patience runs out;
//! - [`server`]: the SIP transaction user and the shared RTP socket that carry them out;
//! - [`record`]: `calls.csv` rows and the run's summary;
//! - [`agents`]: the scenario's agents, logged in to a live dialer's desk (`--agents-to`).
//!
//! The run loop, as the CLI drives it:
//!
//! ```no_run
//! # async fn go(config: sim::emulate::server::CalleeConfig) -> Result<(), sim::emulate::server::CalleeError> {
//! let stop = async { let _ = tokio::signal::ctrl_c().await; };
//! let rows = Some(csv::Writer::from_writer(std::io::stdout()));
//! let summary = sim::emulate::server::run(config, |bound| eprintln!("listening on {}", bound.sip), stop, rows).await?;
//! summary.write_text(&mut std::io::stderr()).ok();
//! # Ok(()) }
//! ```

pub mod agents;
pub mod person;
pub mod record;
pub mod server;

#[cfg(test)]
mod tests;
