//! The sans-IO dialer core: agents, calls, pacing and records, driven by inputs and time.
//!
//! The core never reads a clock, touches a socket or a file, or draws a random number. Time comes
//! in with every input; commands and records come out as values. A driver — the simulator in
//! virtual time, the live runtime in wall-clock time — runs this loop:
//!
//! ```
//! use dialer::core::{Config, Dialer, Input, Output, Ratio, Time, AgentId};
//! let mut dialer = Dialer::new(Config::default(), Box::new(Ratio::new(2.0).unwrap()));
//! dialer.handle(Input::AgentLogin { agent: AgentId(0) }, Time::ZERO).unwrap();
//! let mut dials = 0;
//! while let Some(output) = dialer.poll_output() {
//!     match output {
//!         Output::Dial { .. } => dials += 1, // place the call on the trunk
//!         _ => {}                            // connect, hang up, write records, …
//!     }
//! }
//! assert_eq!(dials, 2); // ratio 2 × 1 ready agent
//! // Then sleep until `dialer.poll_timeout()` or the next input, whichever comes first,
//! // and feed `Input::Timeout` when the timeout comes.
//! assert_eq!(dialer.poll_timeout(), Some(Time::from_secs(25))); // the ring timeout
//! ```

mod agents;
mod calls;
mod dialer;
mod ids;
mod io;
mod leads;
pub mod pacer;
mod table;

pub use dialer::{Config, Dialer, InputError, MAX_AGENT_ID, Screening};
pub use ids::{AgentId, CallId, LeadId};
pub use io::{Input, Output, Rejection};
pub use leads::{Endless, Lead, LeadSource, e164};
pub use pacer::{
    AgentView, NoDialing, Pacer, PacerView, Plan, Preview, Progressive, Ratio, RingingCall, RingingCalls, Vicidial,
    VicidialMethod, VicidialSettings, VicidialSettingsError,
};
pub use reports::Time;
pub use table::CallTable;

#[cfg(test)]
mod tests;
