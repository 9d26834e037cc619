//! Scenario files: the TOML description of a simulated world (DESIGN.md, "Scenario file"),
//! loaded, overridden with `--set key=value` and validated into [`Scenario`].
//!
//! Loading is three steps: the text is parsed into a TOML table (syntax errors carry a line and
//! column); each override is applied to that table ([`apply_override`]); the table is read into
//! serde structs (unknown keys and wrong types are refused there) and checked into the resolved
//! types below (inheritance, defaults, probabilities, ranges). Any error names the file, the
//! dotted key, what is wrong and the fix, and nothing runs.
//!
//! ```
//! use std::path::Path;
//! let text = r#"
//! duration = "1h"
//! [agents]
//! count = 10
//! talk = { dist = "exp", mean = "3m" }
//! wrap = { dist = "const", value = "0s" }
//! [population]
//! human = 0.3
//! no_answer = 0.7
//! ring = { dist = "const", value = "10s" }
//! [pacing]
//! mode = "progressive"
//! "#;
//! let s = sim::scenario::parse(text, Path::new("demo.toml"), &["agents.count=12".into()]).unwrap();
//! assert_eq!(s.agents.groups[0].count, 12);
//! assert_eq!(s.name, "demo");
//! ```
//!
//! # Which sections are required
//! - `duration` (> 0) and `[agents]` always.
//! - `[pacing]` with its `mode`, and `[population]`, unless the scenario is inbound-only: a file
//!   with `[inbound]` and neither `[pacing]` nor `[population]` runs with pacing mode `none`.
//!   `mode = "none"` needs `[inbound]` (otherwise nothing would happen); with `mode = "none"`,
//!   `[population]` may be omitted.
//! - `[dialing]`, `[amd]`, `[inbound]`, `[compliance]`, `[expect]` are optional.
//!
//! # Defaults
//! `name`: the file's stem; `warmup`: 0s; `seed`: 1; `replications`: 1; `start`:
//! 2026-01-05T09:00:00Z (a Monday, 9 am UTC). `[dialing]`: ring_timeout 25s, lines 0
//! (unlimited), drop_after 2s. `[pacing]`: ratio 1.0, target_abandon 0.03, vicidial_method
//! tapered, max_level 3.0, intensity 0, dl_diff_target 0. `agents.machine_handle`: const 5s.
//! `[amd]`: false_positive and false_negative 0 (`decision` is required). `[compliance]`: rule
//! fcc, amd_fp_share 0.05. In `[population]` an omitted share is 0 (a phase gives all five or
//! none); `busy_after` is required only when some phase has `busy` > 0 (otherwise const 0s).

mod error;
mod overrides;
mod raw;
mod validate;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use reports::Time;
use serde::Deserialize;

use crate::dist::Dist;

pub use error::ScenarioError;
pub use overrides::apply_override;
pub use validate::METRICS;

/// A validated scenario: everything the simulator needs to build its world, with inheritance
/// resolved and defaults filled in, so the engine never re-checks or re-derives anything.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The scenario's name, for reports (default: the file's stem).
    pub name: String,
    /// The file it came from, for messages and for resolving relative paths.
    pub source: PathBuf,
    /// How long new calls may start (> 0); calls in flight at the end run to completion.
    pub duration: Time,
    /// The start of the measured period (< `duration`); earlier calls are excluded from metrics.
    pub warmup: Time,
    /// The seed every random stream derives from (default 1).
    pub seed: u64,
    /// How many independent runs `simulate`/`check` make by default (≥ 1, default 1).
    pub replications: u32,
    /// The wall-clock time of t = 0, for CDR timestamps (default 2026-01-05T09:00:00Z).
    pub start: jiff::Timestamp,
    /// Who takes the calls.
    pub agents: Agents,
    /// Who answers the dialled numbers, and how, over the run.
    pub population: Population,
    /// Trunk and timer settings.
    pub dialing: Dialing,
    /// How the dialer decides how many calls to place.
    pub pacing: Pacing,
    /// Answering-machine detection; `None`: machines are screened out instantly and perfectly.
    pub amd: Option<Amd>,
    /// Inbound traffic served by the same agents; `None`: outbound only.
    pub inbound: Option<Inbound>,
    /// Which abandon-rate rule the checks and reports apply.
    pub compliance: Compliance,
    /// Bounds that `dialer check` verifies, in file order.
    pub expect: Vec<Expectation>,
}

/// The agents: one or more groups, each with its own count, hours and distributions.
#[derive(Clone, Debug, PartialEq)]
pub struct Agents {
    /// The groups; `agents.count = N` without groups is one group named "agents".
    pub groups: Vec<AgentGroup>,
    /// Time an agent spends on a machine that AMD let through (default const 5s).
    pub machine_handle: Dist,
}

/// Agents who share hours and distributions (e.g. a shift, a team).
#[derive(Clone, Debug, PartialEq)]
pub struct AgentGroup {
    /// The group's name (unique within the scenario), for reports.
    pub name: String,
    /// How many agents (0 is allowed, e.g. to switch a group off with `--set`).
    pub count: u32,
    /// Labels kept for routing (no effect yet).
    pub skills: Vec<String>,
    /// When the group logs in (offset from t = 0; default 0, before `duration`).
    pub login: Time,
    /// When the group logs out (after `login`); `None`: never (the whole run).
    pub logout: Option<Time>,
    /// Talk time of a connected call (the group's own, or `[agents]`'s).
    pub talk: Dist,
    /// Wrap-up time after a call (the group's own, or `[agents]`'s).
    pub wrap: Dist,
    /// Time to read a record in preview mode (the group's own, or `[agents]`'s); required in
    /// preview mode.
    pub preview: Option<Dist>,
}

/// The callee population over time: phase 0 is `[population]` itself, from t = 0; then each
/// `[[population.phases]]` from its `from`, strictly increasing and before `duration`.
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    /// Never empty; `phases[0].from == Time::ZERO`.
    pub phases: Vec<Phase>,
}

impl Population {
    /// The phase in force at `t` (the last one starting at or before `t`). Called for every
    /// dial; phases are few and sorted, so this is a short binary search.
    pub fn phase_at(&self, t: Time) -> &Phase {
        let after = self.phases.partition_point(|p| p.from <= t);
        // `phases` is never empty and phases[0].from is 0, so `after` ≥ 1; saturate anyway.
        &self.phases[after.saturating_sub(1)]
    }
}

/// What a dial meets from `from` on, with everything inherited from the phase before resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// When this phase starts.
    pub from: Time,
    /// The shares of each outcome of a dial.
    pub mix: Mix,
    /// Dial to answer, for humans and machines.
    pub ring: Dist,
    /// Dial to busy signal.
    pub busy_after: Dist,
    /// How long a live answerer waits for an agent; `None`: forever.
    pub patience: Option<Dist>,
}

/// The shares of the outcomes of a dial; each in [0, 1], summing to 1 (within 1e-9). One type
/// with what `dialer fit` estimates from records.
pub use reports::fit::Mix;

/// Trunk and timer settings (`[dialing]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Dialing {
    /// Give up on an unanswered call after this long (> 0; default 25s).
    pub ring_timeout_ms: u64,
    /// Trunk channels shared by outbound and inbound calls; 0 = unlimited (default).
    pub lines: u32,
    /// Drop a live answer with the abandon message if no agent is free by then (default 2s).
    pub drop_after_ms: u64,
}

/// How the dialer paces (`[pacing]`). Keys that only one mode reads are accepted with any mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Pacing {
    /// The pacing algorithm.
    pub mode: PacingMode,
    /// Lines dialled per free agent in `ratio` mode (> 0; default 1.0).
    pub ratio: f64,
    /// Abandon rate the adaptive modes aim at, in [0, 1] (default 0.03).
    pub target_abandon: f64,
    /// VICIdial's adaptive method (default tapered).
    pub vicidial_method: VicidialMethod,
    /// VICIdial's highest dial level (> 0; default 3.0).
    pub max_level: f64,
    /// VICIdial's adapt intensity modifier (default 0).
    pub intensity: f64,
    /// VICIdial's target of lines minus agents (default 0).
    pub dl_diff_target: f64,
    /// VICIdial's "latest server time": `"HH:MM"` after which the adaptive level is frozen.
    pub latest_server_time: Option<String>,
}

/// The pacing algorithms (the core's: scenario and campaign files share them).
pub use dialer::core::pacer::PacingMode;

/// VICIdial's adaptive methods: `hard_limit`, `tapered`, `average`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VicidialMethod {
    /// Stop raising the level as soon as the drop rate reaches the target.
    HardLimit,
    /// Raise the level less the nearer the drop rate is to the target.
    Tapered,
    /// Steer the average drop rate to the target.
    Average,
}

/// Answering-machine detection (`[amd]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Amd {
    /// Time from answer to verdict.
    pub decision: Dist,
    /// Share of humans classed machine (hung up on), in [0, 1] (default 0).
    pub false_positive: f64,
    /// Share of machines classed human (passed to agents), in [0, 1] (default 0).
    pub false_negative: f64,
}

/// Inbound traffic (`[inbound]`): Poisson arrivals served by the same agents.
#[derive(Clone, Debug, PartialEq)]
pub struct Inbound {
    /// Mean arrivals per hour (> 0).
    pub per_hour: f64,
    /// How long a caller waits for an agent; `None`: forever.
    pub patience: Option<Dist>,
}

/// The abandon-rate rule (`[compliance]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Compliance {
    /// Which rule's abandon rate is checked (default fcc).
    pub rule: Rule,
    /// Live runs under Ofcom: share of AMD machine verdicts assumed to be people, in [0, 1]
    /// (default 0.05).
    pub amd_fp_share: f64,
}

/// Abandon-rate rules: the file spells them `fcc`, `ofcom`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// US FCC: abandons / live answers; AMD false positives not counted.
    Fcc,
    /// UK Ofcom: AMD false positives count as abandons.
    Ofcom,
}

/// One `[expect]` bound, checked by `dialer check`.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// A `metrics.json` key, e.g. `outbound.abandon_rate` (one of [`METRICS`]).
    pub metric: String,
    /// Lowest allowed value.
    pub min: Option<f64>,
    /// Highest allowed value (≥ `min`).
    pub max: Option<f64>,
    /// Share of replications that must be within bounds, in (0, 1]; `None`: the mean must be.
    pub share: Option<f64>,
}

/// Reads, overrides and validates a scenario file. `overrides` are `--set` assignments
/// (`dotted.key=value`), applied in order before validation.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ScenarioError::Read { file: path.to_path_buf(), source })?;
    parse(&text, path, overrides)
}

/// Parses, overrides and validates scenario text; `source` is the file it came from (for
/// messages and for resolving relative `empirical` files).
pub fn parse(text: &str, source: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let mut doc: toml::Table = text.parse().map_err(|e| syntax_error(text, &e, source))?;
    for assignment in overrides {
        apply_override(&mut doc, assignment).map_err(|e| e.in_file(source))?;
    }
    validate::scenario(doc, source).map_err(|e| e.blame(overrides).in_file(source))
}

fn syntax_error(text: &str, e: &toml::de::Error, source: &Path) -> ScenarioError {
    let at = e.span().map_or(0, |span| span.start.min(text.len()));
    let before = text.get(..at).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    ScenarioError::Syntax { file: source.to_path_buf(), line, column, message }
}
