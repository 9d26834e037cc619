//! Sweeps: one scenario run at every point of a grid of `--vary` values, each point with the same
//! replication seeds, and what comes out of it — `sweep.csv` and the abandon/talk-time frontier.
//!
//! ```no_run
//! use sim::sweep::{Plan, Vary};
//! use std::path::{Path, PathBuf};
//! let varies = [Vary::parse("pacing.ratio=1..3:0.5")?, Vary::parse("pacing.mode=ratio,progressive")?];
//! let plan = Plan::new(Path::new("scenarios/reference-ratio2.toml"), &["replications=10".into()], &varies)?;
//! let sweep = plan.run(None)?;
//! sweep.write_csv(&mut std::io::stdout())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every point runs replications 0, 1, … with the seeds `dialer simulate` uses for its scenario
//! (`replication_seed(seed, i)`), so replication i meets the same callees at every point (common
//! random numbers): the difference between two points is the varied setting, not luck, and a point
//! listed twice gives the same figures twice.

mod csv;
mod frontier;
mod vary;

use crate::batch::{self, Job};
use crate::engine::SimError;
use crate::scenario::{self, Rule, Scenario, ScenarioError};
use reports::Metrics;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

pub use csv::MAIN_METRICS;
pub use vary::{MAX_VALUES, Vary, tidy};

/// The most points a sweep may have: a guard against a mistyped grid.
pub const MAX_POINTS: usize = 100_000;

/// Why a sweep cannot run as asked. Nothing runs and nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A `--vary` argument that cannot be read.
    #[error("--vary {spec}: {problem} (fix: {fix})")]
    Vary {
        /// The argument as given.
        spec: String,
        /// What is wrong.
        problem: String,
        /// How to put it right.
        fix: String,
    },
    /// The same key in two `--vary` arguments.
    #[error("--vary {key}=…: the key is varied twice (fix: give all its values in one --vary {key}=v1,v2,…)")]
    Twice {
        /// The key.
        key: String,
    },
    /// No `--vary` at all.
    #[error("nothing to vary (fix: add --vary key=v1,v2,… such as --vary pacing.ratio=1.5,2,2.5)")]
    NoVary,
    /// The grid is too large.
    #[error("the grid has {points} points, more than {MAX_POINTS} (fix: vary fewer keys or give fewer values)")]
    TooLarge {
        /// Points the grid would have.
        points: usize,
    },
    /// The scenario file, or the file with the `--set` overrides, is not valid.
    #[error(transparent)]
    Scenario(Box<ScenarioError>),
    /// A point of the grid is not a valid scenario (its values are applied like `--set`).
    #[error("sweep point {point}: {source}")]
    Point {
        /// The point's assignments, `key=value, key=value`.
        point: String,
        /// Why the scenario at that point is refused.
        source: Box<ScenarioError>,
    },
    /// The simulator cannot run a point.
    #[error("sweep point {point}: {source}")]
    Sim {
        /// The point's assignments.
        point: String,
        /// Why not.
        source: SimError,
    },
}

impl From<ScenarioError> for SweepError {
    fn from(e: ScenarioError) -> Self {
        SweepError::Scenario(Box::new(e))
    }
}

/// The validated grid of a sweep, ready to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The varied keys, in `--vary` order (the first varies slowest).
    pub keys: Vec<String>,
    /// Every point of the grid, in row-major order.
    pub points: Vec<Point>,
}

/// One point of the grid: the varied keys' values and the scenario they make.
#[derive(Clone, Debug)]
pub struct Point {
    /// One value per key of [`Plan::keys`], as given (a TOML literal or a plain string).
    pub values: Vec<String>,
    /// The scenario with the `--set` overrides, then this point's values, applied.
    pub scenario: Scenario,
}

impl Point {
    /// `key=value, key=value`, for messages.
    fn describe(&self, keys: &[String]) -> String {
        keys.iter().zip(&self.values).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
    }
}

impl Plan {
    /// Reads the scenario file once, applies `sets` (`--set` assignments, `seed=…` and
    /// `replications=…` included) and then each point's values, and validates every point
    /// before anything runs.
    pub fn new(path: &Path, sets: &[String], varies: &[Vary]) -> Result<Plan, SweepError> {
        if varies.is_empty() {
            return Err(SweepError::NoVary);
        }
        for (i, v) in varies.iter().enumerate() {
            if varies[..i].iter().any(|w| w.key == v.key) {
                return Err(SweepError::Twice { key: v.key.clone() });
            }
        }
        let points = varies.iter().try_fold(1usize, |n, v| n.checked_mul(v.values.len()).filter(|&n| n <= MAX_POINTS));
        let Some(count) = points else {
            let points = varies.iter().fold(1usize, |n, v| n.saturating_mul(v.values.len()));
            return Err(SweepError::TooLarge { points });
        };
        let text =
            std::fs::read_to_string(path).map_err(|source| ScenarioError::Read { file: path.to_path_buf(), source })?;
        let keys: Vec<String> = varies.iter().map(|v| v.key.clone()).collect();
        let mut out = Vec::with_capacity(count);
        for index in 0..count {
            // Row-major: the last key varies fastest.
            let mut rest = index;
            let mut values = vec![String::new(); varies.len()];
            for (slot, v) in values.iter_mut().zip(varies).rev() {
                *slot = v.values[rest % v.values.len()].clone();
                rest /= v.values.len();
            }
            let mut overrides = sets.to_vec();
            overrides.extend(keys.iter().zip(&values).map(|(k, v)| format!("{k}={v}")));
            let scenario = scenario::parse(&text, path, &overrides).map_err(|source| {
                let point = keys.iter().zip(&values).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ");
                // An error in the file or a --set is the same at every point: report it as such.
                match scenario::parse(&text, path, sets) {
                    Err(base) if base.to_string() == source.to_string() => SweepError::from(source),
                    _ => SweepError::Point { point, source: Box::new(source) },
                }
            })?;
            let point = Point { values, scenario };
            crate::engine::build_pacer(&point.scenario)
                .map_err(|source| SweepError::Sim { point: point.describe(&keys), source })?;
            out.push(point);
        }
        Ok(Plan { keys, points: out })
    }

    /// Simulated milliseconds of all the runs, for a progress bar.
    pub fn work_ms(&self) -> u64 {
        self.jobs().iter().map(Job::work_ms).sum()
    }

    fn jobs(&self) -> Vec<Job<'_>> {
        self.points.iter().map(|p| Job { scenario: &p.scenario, replications: p.scenario.replications }).collect()
    }

    /// Runs every replication of every point in parallel over the cores. `progress` counts
    /// simulated milliseconds (of [`Plan::work_ms`]).
    pub fn run(self, progress: Option<&AtomicU64>) -> Result<Sweep, SweepError> {
        let runs = batch::measure_all(&self.jobs(), progress).map_err(|source| SweepError::Sim {
            point: self.points.first().map(|p| p.describe(&self.keys)).unwrap_or_default(),
            source,
        })?;
        let points = self
            .points
            .into_iter()
            .zip(runs)
            .map(|(point, runs)| {
                let summary = reports::summarize(&runs);
                PointResult { values: point.values, scenario: point.scenario, runs, summary }
            })
            .collect();
        Ok(Sweep { keys: self.keys, points })
    }
}

/// The results of a sweep: every point's replications and their summary.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The varied keys, in `--vary` order.
    pub keys: Vec<String>,
    /// The points in grid order.
    pub points: Vec<PointResult>,
}

/// One point's results.
#[derive(Clone, Debug)]
pub struct PointResult {
    /// One value per varied key.
    pub values: Vec<String>,
    /// The scenario run at this point.
    pub scenario: Scenario,
    /// Each replication's metrics, in replication order.
    pub runs: Vec<Metrics>,
    /// `metrics.json`'s content for the point: means, `ci95` and `runs` (one run: its metrics).
    pub summary: Value,
}

impl PointResult {
    /// The mean of a metric (a `metrics.json` key) over the replications.
    pub fn mean(&self, key: &str) -> f64 {
        reports::metric_value(&self.summary, key).unwrap_or(f64::NAN)
    }

    /// The 95% half-width of the mean; `None` with one replication.
    pub fn ci95(&self, key: &str) -> Option<f64> {
        self.summary.get("ci95").and_then(|ci| reports::metric_value(ci, key))
    }

    /// The abandon rate the scenario's rule counts: FCC's, or Ofcom's (AMD false positives in).
    pub fn abandon_key(&self) -> &'static str {
        abandon_key(&self.scenario)
    }

    /// Share of replications whose abandon rate ([`PointResult::abandon_key`]) is at most the cap.
    pub fn abandon_ok_share(&self) -> f64 {
        let key = self.abandon_key();
        let cap = reports::ABANDON_CAP;
        let ok = self.runs.iter().filter(|m| run_value(m, key).is_some_and(|r| r <= cap)).count();
        ok as f64 / self.runs.len().max(1) as f64
    }
}

impl Sweep {
    /// The scenario's name, for titles: that of the first point (a sweep that varies `name` is
    /// titled by its first value).
    pub fn name(&self) -> &str {
        self.points.first().map_or("sweep", |p| p.scenario.name.as_str())
    }

    /// `{scenario, keys, points: [{values, replications, abandon_ok_share, metrics, ci95}]}`: the
    /// sweep for scripts (`dialer sweep --json`).
    pub fn to_json(&self) -> Value {
        let points: Vec<Value> = self
            .points
            .iter()
            .map(|p| {
                let values: serde_json::Map<String, Value> =
                    self.keys.iter().zip(&p.values).map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
                let mut metrics = p.summary.clone();
                let ci95 = metrics.as_object_mut().and_then(|m| {
                    m.remove("runs");
                    m.remove("perf");
                    m.remove("ci95")
                });
                serde_json::json!({
                    "values": values,
                    "replications": p.runs.len(),
                    "abandon_ok_share": p.abandon_ok_share(),
                    "metrics": metrics,
                    "ci95": ci95,
                })
            })
            .collect();
        serde_json::json!({ "scenario": self.name(), "keys": self.keys, "points": points })
    }
}

/// Why a sweep's files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// `sweep.csv` (or the directory) could not be written.
    #[error(transparent)]
    Csv(#[from] crate::replicate::RunError),
    /// The frontier could not be drawn or written.
    #[error(transparent)]
    Plot(#[from] reports::plot::PlotError),
}

impl Sweep {
    /// Writes `dir/sweep.csv`, `dir/frontier.svg` and `dir/frontier.png` (creating `dir`), each
    /// file appearing only when complete. Returns the paths written.
    pub fn write_files(&self, dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| crate::replicate::RunError::Io { path: dir.to_owned(), source })?;
        let csv = dir.join("sweep.csv");
        crate::replicate::write_atomically(&csv, |w| self.write_csv(w))?;
        let frontier = reports::plot::render(&self.frontier())?;
        let mut written = vec![csv];
        written.extend(reports::plot::write(dir, "frontier", &frontier)?);
        Ok(written)
    }
}

/// The `metrics.json` key of the abandon rate under a scenario's rule.
pub fn abandon_key(sc: &Scenario) -> &'static str {
    match sc.compliance.rule {
        Rule::Fcc => "outbound.abandon_rate",
        Rule::Ofcom => "outbound.abandon_rate_ofcom",
    }
}

/// One run's figure at a dotted `metrics.json` key.
pub(crate) fn run_value(m: &Metrics, key: &str) -> Option<f64> {
    // Metrics are plain numbers in objects with string keys, which always serialise.
    let v = serde_json::to_value(m).expect("Metrics serialise to JSON");
    reports::metric_value(&v, key)
}

#[cfg(test)]
mod tests;
