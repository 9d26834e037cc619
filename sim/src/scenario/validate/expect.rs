//! `[expect]`: bounds on `metrics.json` keys that `dialer check` verifies.

use super::{Result, join, show};
use crate::scenario::raw::RawBound;
use crate::scenario::{Expectation, ScenarioError};

/// The `metrics.json` keys an `[expect]` bound may name (DESIGN.md, "Keys of `metrics.json`").
/// `perf.*` is left out: it measures the machine, not the scenario.
pub const METRICS: &[&str] = &[
    "outbound.dials",
    "outbound.human",
    "outbound.machine",
    "outbound.busy",
    "outbound.no_answer",
    "outbound.invalid",
    "outbound.blocked",
    "outbound.connects",
    "outbound.abandons",
    "outbound.abandon_rate",
    "outbound.abandon_rate_ofcom",
    "outbound.amd_false_positives",
    "outbound.wait_to_agent_ms.mean",
    "outbound.wait_to_agent_ms.p50",
    "outbound.wait_to_agent_ms.p95",
    "outbound.wait_to_agent_ms.p99",
    "inbound.offered",
    "inbound.blocked",
    "inbound.served",
    "inbound.abandons",
    "inbound.abandon_rate",
    "inbound.p_wait",
    "inbound.mean_wait_served_s",
    "inbound.service_level_20s",
    "agents.count",
    "agents.occupancy",
    "agents.talk_fraction",
    "agents.talk_minutes_per_hour",
    "agents.contacts_per_hour",
    "lines.peak",
    "lines.mean",
    "compliance.fcc.periods",
    "compliance.fcc.worst_rate",
    "compliance.fcc.periods_over_cap",
    "compliance.ofcom.periods",
    "compliance.ofcom.worst_rate",
    "compliance.ofcom.periods_over_cap",
];

pub(super) fn expect(raw: Vec<(String, RawBound)>) -> Result<Vec<Expectation>> {
    raw.into_iter()
        .map(|(metric, bound)| {
            let key = format!("expect.\"{metric}\"");
            if !METRICS.contains(&metric.as_str()) {
                let fix = if metric.starts_with("perf.") {
                    "remove it: perf figures measure the machine, not the scenario".to_owned()
                } else {
                    match closest(&metric) {
                        Some(near) => format!("did you mean \"{near}\"?"),
                        None => format!("use one of {}", METRICS.join(", ")),
                    }
                };
                return Err(ScenarioError::invalid(key, "is not a metric that can be checked", fix));
            }
            for (name, value) in [("min", bound.min), ("max", bound.max), ("share", bound.share)] {
                if value.is_some_and(|v| !v.is_finite()) {
                    return Err(ScenarioError::invalid(join(&key, name), "is not a finite number", "write a number"));
                }
            }
            match (bound.min, bound.max) {
                (None, None) => {
                    return Err(ScenarioError::invalid(key, "gives neither min nor max", "add min = …, max = … or both"));
                }
                (Some(min), Some(max)) if min > max => {
                    return Err(ScenarioError::invalid(
                        key,
                        format!("min {} is more than max {}", show(min), show(max)),
                        "swap them, or make min ≤ max",
                    ));
                }
                _ => {}
            }
            if let Some(s) = bound.share
                && !(s > 0.0 && s <= 1.0)
            {
                return Err(ScenarioError::invalid(
                    join(&key, "share"),
                    format!("{} is not in (0, 1]", show(s)),
                    "give the share of replications that must be in bounds, such as 0.95, or remove it to check the mean",
                ));
            }
            Ok(Expectation { metric, min: bound.min, max: bound.max, share: bound.share })
        })
        .collect()
}

/// The known metric nearest to a misspelt one, if it is near enough to be a typo.
fn closest(metric: &str) -> Option<&'static str> {
    METRICS.iter().map(|m| (edit_distance(metric, m), *m)).min().filter(|(d, _)| *d <= 3).map(|(_, m)| m)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
