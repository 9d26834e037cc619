//! The records every dialkit run produces, and everything computed from them.
//!
//! `reports` is the leaf of the workspace: the simulator and the live dialer both build [`Cdr`]
//! and [`AgentInterval`] values, and this crate alone turns them into files and metrics. Because
//! the metrics are a function of the records and nothing else, a simulated run and a real one are
//! measured by the same code, and `metrics.json` can always be recomputed from `cdr.csv` and
//! `agents.csv`.
//!
//! ```
//! use reports::{AgentInterval, AgentState, MetricsBuilder, Time};
//! let mut m = MetricsBuilder::new();
//! m.add_interval(&AgentInterval { agent: 1, state: AgentState::Ready, start: Time::ZERO, end: Time::from_secs(60) });
//! let metrics = m.finish();
//! assert_eq!(metrics.agents.count, 1);
//! ```

mod record;
mod time;

pub use record::{AgentInterval, AgentState, AmdVerdict, Cdr, Direction, HangupBy, Outcome, Party};
pub use time::Time;
mod metrics;

pub use metrics::{Agents, Inbound, Lines, Metrics, MetricsBuilder, Outbound, Percentiles, Perf};
