//! The records every dialkit run produces, and everything computed from them.
//!
//! `reports` is the leaf of the workspace: the simulator and the live dialer both build [`Cdr`]
//! and [`AgentInterval`] values, and this crate alone turns them into files and metrics. Because
//! the metrics are a function of the records and nothing else, a simulated run and a real one are
//! measured by the same code, and `metrics.json` can always be recomputed from `cdr.csv` and
//! `agents.csv`.
//!
//! - [`MetricsBuilder`] streams records into [`Metrics`] without keeping them.
//! - [`CdrWriter`], [`AgentWriter`] write the files; [`CdrReader`], [`AgentReader`] read them
//!   back, strictly; [`metrics_from_files`] does both ends at once.
//! - [`timeseries::TimeSeries`] cuts a run's records into bins of time, and [`plot`] draws
//!   them (and a sweep's frontier) as SVG and PNG.
//! - [`source::load`] reads a run's records from a dialkit run, a `cdr.csv`, or another system's
//!   CDRs ([`import`]: Asterisk's `Master.csv`, any CSV with a column mapping) into
//!   [`source::Records`], keeping unreadable rows as problems with their lines; [`report`] turns
//!   them into per-hour, per-agent and per-day compliance figures, plots and an HTML page.
//! - [`load`] holds the record of a SIP load test (`load.json`, `per_second.csv`) and its plots.
//! - [`summarize`] turns the metrics of several replications into means, 95 % half-widths
//!   ([`student_t_975`]) and the runs; [`metric_value`] fetches one figure by its dotted key.
//!
//! A run measures its records as they are made and may write them; the files give back the same
//! figures:
//!
//! ```
//! use reports::{AgentInterval, AgentReader, AgentState, AgentWriter, MetricsBuilder, Time};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let start: jiff::Timestamp = "2026-01-05T09:00:00Z".parse()?;
//! let mut live = MetricsBuilder::new();
//! let mut file = AgentWriter::new(Vec::new(), start)?;
//! for interval in [
//!     AgentInterval { agent: 1, state: AgentState::Ready, start: Time::ZERO, end: Time::from_secs(60) },
//!     AgentInterval { agent: 1, state: AgentState::Talk, start: Time::from_secs(60), end: Time::from_secs(240) },
//! ] {
//!     live.add_interval(&interval);
//!     file.write(&interval)?;
//! }
//! let bytes = file.finish()?;
//!
//! let mut again = MetricsBuilder::new();
//! for interval in AgentReader::new(&bytes[..], start)? {
//!     again.add_interval(&interval?);
//! }
//! let metrics = live.finish();
//! assert_eq!(metrics.agents.count, 1);
//! assert_eq!(metrics.agents.talk_fraction, 0.75);
//! assert_eq!(again.finish(), metrics);
//! # Ok(())
//! # }
//! ```

pub mod compare;
mod files;
pub mod fit;
pub mod import;
pub mod load;
mod metrics;
pub mod plot;
mod record;
pub mod report;
pub mod source;
pub mod stats;
mod student_t;
mod summary;
#[cfg(test)]
mod test_records;
mod time;
pub mod timeseries;

pub use files::{
    AGENT_COLUMNS, AgentReader, AgentWriter, CDR_COLUMNS, CdrReader, CdrWriter, RecordError, WriteError,
    metrics_from_files,
};
pub use metrics::{
    ABANDON_CAP, Agents, Compliance, ComplianceRule, Inbound, Lines, Metrics, MetricsBuilder, Outbound, Percentiles,
    Perf,
};
pub use record::{AgentInterval, AgentState, AmdVerdict, Cdr, Direction, HangupBy, Outcome, Party};
pub use student_t::student_t_975;
pub use summary::{metric_value, summarize};
pub use time::Time;
