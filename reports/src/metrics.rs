//! `metrics.json`: the figures computed from a run's records, with the key names scripts rely on
//! (DESIGN.md, "Keys of `metrics.json`").

use serde::{Deserialize, Serialize};

mod agents;
mod builder;
mod compliance;
mod inbound;
mod lines;
mod outbound;

pub use builder::MetricsBuilder;
pub use compliance::ABANDON_CAP;

/// Every figure of one run. Serialises to the nested objects of `metrics.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Calls placed by the dialer.
    pub outbound: Outbound,
    /// Calls from callers to the centre.
    pub inbound: Inbound,
    /// How agents spent their logged-in time.
    pub agents: Agents,
    /// Trunk line use.
    pub lines: Lines,
    /// The abandon rate per period of each regulator's rule.
    pub compliance: Compliance,
    /// How fast the run went; the only part not computed from the records.
    pub perf: Perf,
}

/// Outbound figures. Counts are rows of `cdr.csv` with `direction = outbound`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outbound {
    /// Calls placed (every outbound row but `blocked`).
    pub dials: u64,
    /// Answered by a person (`answered_by = human`), AMD false positives included.
    pub human: u64,
    /// Answered by a machine (`answered_by = machine`).
    pub machine: u64,
    /// `outcome = busy`.
    pub busy: u64,
    /// `outcome = no_answer`.
    pub no_answer: u64,
    /// `outcome = invalid`.
    pub invalid: u64,
    /// Not placed for want of a free line (`outcome = blocked`).
    pub blocked: u64,
    /// Live answers connected to an agent (`outcome = connected`).
    pub connects: u64,
    /// Live answers not connected to an agent (`outcome = abandoned`).
    pub abandons: u64,
    /// FCC: abandons / live answers, where live answers = human − AMD false positives.
    pub abandon_rate: f64,
    /// Ofcom: (abandons + F) / (live answers + F), F = AMD false positives.
    pub abandon_rate_ofcom: f64,
    /// People classed machine by AMD (`answered_by = human`, `amd = machine`).
    pub amd_false_positives: u64,
    /// Answer to agent, over connected live answers.
    pub wait_to_agent_ms: Percentiles,
}

/// Mean and percentiles of a duration in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// Inbound figures. Counts are rows of `cdr.csv` with `direction = inbound`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inbound {
    /// Callers who arrived.
    pub offered: u64,
    /// Rejected for want of a free line.
    pub blocked: u64,
    /// Reached an agent.
    pub served: u64,
    /// Hung up while waiting.
    pub abandons: u64,
    /// abandons / (offered − blocked).
    pub abandon_rate: f64,
    /// Share of accepted callers who had to wait (served after a wait, or abandoned).
    pub p_wait: f64,
    /// Mean wait of served callers, in seconds.
    pub mean_wait_served_s: f64,
    /// Served within 20 s / (offered − blocked).
    pub service_level_20s: f64,
}

/// Agent figures, from `agents.csv` (and connects from `cdr.csv`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Agents {
    /// Distinct agents with at least one interval.
    pub count: u64,
    /// (talk + wrap + machine + preview) / logged-in time.
    pub occupancy: f64,
    /// talk / logged-in time.
    pub talk_fraction: f64,
    /// Minutes of talk per logged-in agent-hour.
    pub talk_minutes_per_hour: f64,
    /// Connected calls (outbound connects + inbound served) per logged-in agent-hour.
    pub contacts_per_hour: f64,
}

/// Trunk line figures: a call holds a line from its dial (or arrival) to its end.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Lines {
    /// Most lines in use at once.
    pub peak: u64,
    /// Mean lines in use over the span of the records.
    pub mean: f64,
}

/// Outbound abandon rates per period, as each regulator counts them (DOMAIN.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Compliance {
    /// The cap both rules set on a period's rate: 0.03.
    pub cap: f64,
    /// FCC: abandons / live answers per 30-day period from the first dial.
    pub fcc: ComplianceRule,
    /// Ofcom: (abandons + AMD false positives) / (live answers + false positives) per UTC
    /// calendar day.
    pub ofcom: ComplianceRule,
}

/// One rule's periods.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplianceRule {
    /// Periods with at least one live answer.
    pub periods: u64,
    /// The highest period rate (0 without periods).
    pub worst_rate: f64,
    /// Periods whose rate is above the cap.
    pub periods_over_cap: u64,
}

/// Speed of the run that produced the records; zero when recomputed from files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Perf {
    /// Simulation events processed.
    pub events: u64,
    /// Wall-clock time of the run.
    pub wall_ms: f64,
    /// events / wall seconds.
    pub events_per_s: f64,
    /// Outbound dials / wall seconds.
    pub dials_per_s: f64,
}
