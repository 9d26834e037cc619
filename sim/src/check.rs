//! `dialer check`: a scenario's `[expect]` bounds held against its replications.
//!
//! A bound without `share` applies to the mean over the replications: it passes if the mean is
//! within `min` and `max`. A bound with `share` applies to each replication: it passes if the
//! share of replications whose own value is within bounds is at least `share`.

use crate::batch::{self, Job};
use crate::engine::SimError;
use crate::scenario::{Expectation, Scenario};
use reports::Metrics;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

/// Why the scenario files to check could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// A directory that cannot be read.
    #[error("{}: cannot read the directory: {source} (fix: check the path and its permissions)", dir.display())]
    Read {
        /// The directory.
        dir: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A directory with no scenario in it.
    #[error("{}: no *.toml scenario file in the directory (fix: name a directory of scenarios, such as scenarios/)", dir.display())]
    Empty {
        /// The directory.
        dir: PathBuf,
    },
}

/// The scenario files named by `paths`: a file as itself, a directory as every `*.toml` directly
/// in it, sorted by name. Files that do not exist are kept (loading them says so).
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ListError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let read = |source| ListError::Read { dir: path.clone(), source };
        let mut found = Vec::new();
        for entry in std::fs::read_dir(path).map_err(read)? {
            let entry = entry.map_err(read)?;
            let file = entry.path();
            if file.extension().is_some_and(|e| e == "toml") && !file.is_dir() {
                found.push(file);
            }
        }
        if found.is_empty() {
            return Err(ListError::Empty { dir: path.clone() });
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// The outcome of one bound.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The bound as the file gives it.
    pub expectation: Expectation,
    /// The mean of the metric over the replications.
    pub mean: f64,
    /// The 95% half-width of the mean; `None` with one replication.
    pub ci95: Option<f64>,
    /// Replications whose own value is within the bounds.
    pub runs_within: usize,
    /// Replications.
    pub runs: usize,
    /// Whether the bound holds.
    pub pass: bool,
}

impl Verdict {
    /// The share of replications within bounds.
    pub fn share_within(&self) -> f64 {
        self.runs_within as f64 / self.runs.max(1) as f64
    }
}

/// Whether `x` is within the bound's `min` and `max`.
fn within(e: &Expectation, x: f64) -> bool {
    e.min.is_none_or(|min| x >= min) && e.max.is_none_or(|max| x <= max)
}

/// The bound written for people: `≤ 0.03`, `≥ 0.85`, `0.8 to 0.9`, then `(mean)` or
/// `in ≥ 95% of runs`.
pub fn describe(e: &Expectation) -> String {
    let range = match (e.min, e.max) {
        (Some(min), Some(max)) => format!("{min} to {max}"),
        (Some(min), None) => format!("≥ {min}"),
        (None, Some(max)) => format!("≤ {max}"),
        (None, None) => "any".to_owned(),
    };
    match e.share {
        Some(share) => format!("{range} in ≥ {}% of runs", reports_percent(share)),
        None => format!("{range} (mean)"),
    }
}

fn reports_percent(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Holds one bound against the replications' metrics (at least one).
pub fn evaluate(e: &Expectation, runs: &[Metrics]) -> Verdict {
    let values: Vec<f64> = runs.iter().map(|m| crate::sweep::run_value(m, &e.metric).unwrap_or(f64::NAN)).collect();
    let summary = reports::summarize(runs);
    let mean = reports::metric_value(&summary, &e.metric).unwrap_or(f64::NAN);
    let ci95 = summary.get("ci95").and_then(|ci| reports::metric_value(ci, &e.metric));
    let runs_within = values.iter().filter(|x| within(e, **x)).count();
    let pass = match e.share {
        // A tolerance for the share's own rounding: 19 of 20 runs meet a share of 0.95.
        Some(share) => runs_within as f64 >= share * values.len() as f64 - 1e-9,
        None => within(e, mean),
    };
    Verdict { expectation: e.clone(), mean, ci95, runs_within, runs: values.len(), pass }
}

/// One scenario's verdicts.
#[derive(Clone, Debug)]
pub struct ScenarioCheck {
    /// The scenario's name.
    pub name: String,
    /// Its file.
    pub source: PathBuf,
    /// Replications run.
    pub replications: usize,
    /// One verdict per `[expect]` bound, in file order.
    pub verdicts: Vec<Verdict>,
}

impl ScenarioCheck {
    /// Bounds that failed.
    pub fn failed(&self) -> usize {
        self.verdicts.iter().filter(|v| !v.pass).count()
    }
}

/// Runs every scenario with its `replications` (all replications of all scenarios in one
/// parallel pool) and holds each to its bounds. `progress` counts simulated milliseconds of
/// [`work_ms`].
pub fn check(scenarios: &[Scenario], progress: Option<&AtomicU64>) -> Result<Vec<ScenarioCheck>, SimError> {
    let runs = batch::measure_all(&jobs(scenarios), progress)?;
    Ok(scenarios
        .iter()
        .zip(runs)
        .map(|(sc, runs)| ScenarioCheck {
            name: sc.name.clone(),
            source: sc.source.clone(),
            replications: runs.len(),
            verdicts: sc.expect.iter().map(|e| evaluate(e, &runs)).collect(),
        })
        .collect())
}

/// Simulated milliseconds of a check of `scenarios`, for a progress bar.
pub fn work_ms(scenarios: &[Scenario]) -> u64 {
    jobs(scenarios).iter().map(Job::work_ms).sum()
}

fn jobs(scenarios: &[Scenario]) -> Vec<Job<'_>> {
    scenarios.iter().map(|sc| Job { scenario: sc, replications: sc.replications }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(min: Option<f64>, max: Option<f64>, share: Option<f64>) -> Expectation {
        Expectation { metric: "outbound.abandon_rate".into(), min, max, share }
    }

    fn runs(rates: &[f64]) -> Vec<Metrics> {
        rates
            .iter()
            .map(|r| {
                let mut m = Metrics::default();
                m.outbound.abandon_rate = *r;
                m
            })
            .collect()
    }

    #[test]
    fn a_bound_without_share_holds_the_mean() {
        let r = runs(&[0.01, 0.02, 0.05]);
        let v = evaluate(&bound(None, Some(0.03), None), &r);
        assert!((v.mean - 0.08 / 3.0).abs() < 1e-12);
        assert!(v.pass, "mean 0.027 ≤ 0.03 although one run is above");
        assert_eq!((v.runs_within, v.runs), (2, 3));
        assert!(v.ci95.is_some_and(|c| c > 0.0));
        assert!(!evaluate(&bound(None, Some(0.025), None), &r).pass);
        assert!(evaluate(&bound(Some(0.02), Some(0.03), None), &r).pass);
        assert!(!evaluate(&bound(Some(0.03), None, None), &r).pass);
        let one = evaluate(&bound(None, Some(0.03), None), &runs(&[0.01]));
        assert_eq!(one.ci95, None, "one replication has no spread");
    }

    #[test]
    fn a_bound_with_share_counts_the_runs_within() {
        let mut rates = vec![0.01; 19];
        rates.push(0.05);
        let r = runs(&rates);
        assert!(evaluate(&bound(None, Some(0.03), Some(0.95)), &r).pass, "19 of 20 meet 95%");
        let v = evaluate(&bound(None, Some(0.03), Some(0.96)), &r);
        assert!(!v.pass, "19 of 20 do not meet 96%");
        assert_eq!(v.share_within(), 0.95);
        assert!(evaluate(&bound(None, Some(0.0), None), &runs(&[0.0, 0.0])).pass, "a max of 0 holds at 0");
    }

    #[test]
    fn bounds_read_plainly() {
        assert_eq!(describe(&bound(None, Some(0.03), Some(0.95))), "≤ 0.03 in ≥ 95% of runs");
        assert_eq!(describe(&bound(Some(0.85), None, None)), "≥ 0.85 (mean)");
        assert_eq!(describe(&bound(Some(0.8), Some(0.9), Some(1.0))), "0.8 to 0.9 in ≥ 100% of runs");
    }

    #[test]
    fn directories_give_their_toml_files_sorted() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["b.toml", "a.toml", "notes.txt"] {
            std::fs::write(dir.path().join(name), "").expect("temp file");
        }
        let single = dir.path().join("single.toml");
        let files = scenario_files(&[dir.path().to_owned(), single.clone()]).expect("listed");
        assert_eq!(files, [dir.path().join("a.toml"), dir.path().join("b.toml"), single]);
        let empty = tempfile::tempdir().expect("temp dir");
        let e = scenario_files(&[empty.path().to_owned()]).expect_err("empty").to_string();
        assert!(e.contains("no *.toml scenario file"), "{e}");
    }
}
