//! `--tolerance METRIC=VALUE`: how far B may be from A.
//!
//! The rule: a metric **fails** when |B − A| exceeds its tolerance **and** the difference is
//! beyond noise (its test's p-value is below [`super::ALPHA`]). A metric without a test (a count,
//! a peak) fails on the tolerance alone. A large difference that the data cannot tell from
//! noise passes: too little data to blame the run.

use super::{ALPHA, Comparison, Row, Test};
use serde::Serialize;

/// How far one metric may move.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tolerance {
    /// The metric's dotted key, as in the comparison's rows.
    pub metric: String,
    /// The allowed |B − A|: absolute, or a fraction of |A| when `relative`.
    pub value: f64,
    /// Whether `value` is a fraction of |A| (written `5%`).
    pub relative: bool,
}

/// A `--tolerance` that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("--tolerance {text:?}: {problem} (fix: {fix})")]
pub struct ToleranceError {
    /// As given.
    pub text: String,
    /// What is wrong.
    pub problem: String,
    /// How to write it.
    pub fix: String,
}

impl Tolerance {
    /// Reads `METRIC=0.005` (absolute) or `METRIC=5%` (relative to A). `metrics` are the keys a
    /// comparison has, to refuse a misspelt one.
    pub fn parse(text: &str, metrics: &[&str]) -> Result<Tolerance, ToleranceError> {
        let err = |problem: String, fix: &str| ToleranceError { text: text.to_owned(), problem, fix: fix.to_owned() };
        let (metric, value) = text
            .split_once('=')
            .ok_or_else(|| err("no `=`".into(), "write METRIC=VALUE, e.g. outbound.abandon_rate=0.005 or =5%"))?;
        let metric = metric.trim();
        if !metrics.contains(&metric) {
            return Err(err(
                format!("{metric:?} is not a compared metric"),
                &format!("use one of {}", metrics.join(", ")),
            ));
        }
        let value = value.trim();
        let (number, relative) = match value.strip_suffix('%') {
            Some(n) => (n, true),
            None => (value, false),
        };
        let v: f64 = number.trim().parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0).ok_or_else(|| {
            err(format!("{value:?} is not a number ≥ 0"), "write a number such as 0.005, or a percentage such as 5%")
        })?;
        Ok(Tolerance { metric: metric.to_owned(), value: if relative { v / 100.0 } else { v }, relative })
    }

    /// The allowed |B − A| for a row.
    pub fn allowed(&self, row: &Row) -> f64 {
        if self.relative { self.value * row.a.abs() } else { self.value }
    }
}

/// The judgement of one metric against its tolerance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The metric.
    pub metric: String,
    /// The allowed |B − A|, absolute.
    pub allowed: f64,
    /// |B − A|.
    pub difference: f64,
    /// |B − A| > allowed.
    pub beyond_tolerance: bool,
    /// p < α, or no test (no noise model: the tolerance alone decides).
    pub beyond_noise: bool,
    /// Both.
    pub failed: bool,
}

/// Each tolerance's verdict on `comparison`, in the order given. A later tolerance for the
/// same metric replaces an earlier one.
pub fn verdicts(comparison: &Comparison, tolerances: &[Tolerance]) -> Vec<Verdict> {
    let mut out: Vec<Verdict> = Vec::new();
    for t in tolerances {
        let Some(row) = comparison.row(&t.metric) else { continue };
        let allowed = t.allowed(row);
        let difference = row.diff.abs();
        let beyond_tolerance = difference > allowed;
        // No test: the tolerance alone; a test without a p-value (too little data): not beyond.
        let beyond_noise = row.test == Test::None || row.p_value.is_some_and(|p| p < ALPHA);
        let verdict = Verdict {
            metric: t.metric.clone(),
            allowed,
            difference,
            beyond_tolerance,
            beyond_noise,
            failed: beyond_tolerance && beyond_noise,
        };
        match out.iter_mut().find(|v| v.metric == t.metric) {
            Some(old) => *old = verdict,
            None => out.push(verdict),
        }
    }
    out
}
