//! A short simulated run for the report tests: an hour of the reference scenario with 10 agents.

use super::cli_support::{dialer, reference, text};
use std::path::Path;

/// Simulates the run into `dir` (its cdr.csv, agents.csv and metrics.json).
pub fn simulate_small(dir: &Path) {
    let out = dialer([
        "simulate".as_ref(),
        reference().as_os_str(),
        "--set".as_ref(),
        "duration=1h".as_ref(),
        "--set".as_ref(),
        "agents.count=10".as_ref(),
        "--out".as_ref(),
        dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
