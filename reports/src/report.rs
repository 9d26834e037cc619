//! `dialer report`: everything the records of one run say, from the records alone — the figures of
//! `metrics.json`, a breakdown per hour, figures per agent, the abandon rate per campaign and day
//! against each regulator's cap, and the plots — as JSON and as one self-contained HTML page.
//!
//! [`Report::build`] computes; [`write_dir`] writes `report.json`, `report.html` and the plots.

mod agents;
mod daily;
mod hourly;
mod html;
mod plots;

use crate::plot::{self, PlotError, Rendered};
use crate::source::{Records, RowProblem};
use crate::{Metrics, Outcome};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use agents::AgentFigures;
pub use daily::DayCompliance;
pub use hourly::{Hour, OutcomeCounts};
pub use plots::{ReportFigure, report_plots};

/// A run's report: what `--json` prints and `report.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The run directory's or file's name.
    pub source: String,
    /// The zone hours and days are counted in (IANA name, or `UTC`).
    pub time_zone: String,
    /// The first hour of the records (RFC 3339).
    pub origin: String,
    /// Whether an agent log was read; without one, agent figures are absent.
    pub agent_log: bool,
    /// The figures of `metrics.json`, recomputed from the records (`perf` at zero).
    pub metrics: Metrics,
    /// One row per hour from the first record to the last.
    pub per_hour: Vec<Hour>,
    /// One row per agent seen in the CDRs or the agent log, by agent number.
    pub per_agent: Vec<AgentFigures>,
    /// One row per campaign and calendar day with outbound live answers.
    pub compliance: Vec<DayCompliance>,
    /// Rows that were not read, with their lines.
    pub problems: Vec<RowProblem>,
    /// What the reader assumed.
    pub notes: Vec<String>,
}

impl Report {
    /// Computes every section from `records`.
    pub fn build(records: &Records) -> Report {
        Report {
            source: records.label.clone(),
            time_zone: records.tz.iana_name().unwrap_or("UTC").to_owned(),
            origin: records.origin.to_string(),
            agent_log: records.agent_log.is_some(),
            metrics: records.metrics(),
            per_hour: hourly::per_hour(records),
            per_agent: agents::per_agent(records),
            compliance: daily::per_day(records),
            problems: records.problems.clone(),
            notes: records.notes.clone(),
        }
    }

    /// Campaign-days whose FCC (30 days to that day) or Ofcom (that day) rate is over the cap.
    pub fn days_over_cap(&self) -> usize {
        self.compliance.iter().filter(|d| d.fcc_over_cap || d.ofcom_over_cap).count()
    }
}

/// An outcome's name for people: `no answer`.
pub(crate) fn outcome_label(o: Outcome) -> String {
    o.as_str().replace('_', " ")
}

/// Writes `dir/report.json`, `dir/report.html` and each plot as `dir/STEM.svg` and `.png`
/// (creating `dir`), each file under a temporary name until complete. Returns the paths.
pub fn write_dir(dir: &Path, report: &Report, records: &Records) -> Result<Vec<PathBuf>, PlotError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| PlotError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut rendered: Vec<(&'static str, String, Rendered)> = Vec::new();
    for (stem, figure) in report_plots(report, records) {
        let title = figure.title().to_owned();
        rendered.push((stem, title, figure.render()?));
    }
    let mut written = Vec::new();
    for (stem, _, r) in &rendered {
        written.extend(plot::write(dir, stem, r)?);
    }
    // Report figures serialise to JSON: numbers, strings, options and vectors of them.
    let json = serde_json::to_string_pretty(report).expect("a report serialises to JSON") + "\n";
    let json_path = dir.join("report.json");
    plot::write_file(&json_path, json.as_bytes())?;
    written.push(json_path);
    let html_path = dir.join("report.html");
    let figures: Vec<(&str, &str, &str)> = rendered.iter().map(|(s, t, r)| (*s, t.as_str(), r.svg.as_str())).collect();
    plot::write_file(&html_path, html::page(report, &figures).as_bytes())?;
    written.push(html_path);
    Ok(written)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{AgentInterval, Cdr};

    /// Records starting 2026-01-05T09:00Z, in UTC, with an agent log.
    pub(crate) fn records(cdrs: Vec<Cdr>, agents: Vec<AgentInterval>) -> Records {
        Records {
            label: "test".into(),
            cdrs,
            agents,
            agent_log: Some("agents.csv".into()),
            origin: "2026-01-05T09:00:00Z".parse().expect("valid"),
            tz: jiff::tz::TimeZone::UTC,
            problems: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_report_writes_json_html_and_plots() {
        let cdrs = crate::test_records::outbound_calls();
        let records = records(cdrs, crate::test_records::agent_intervals());
        let report = Report::build(&records);
        assert_eq!(report.metrics, records.metrics());
        let dials: u64 = report.per_hour.iter().map(|h| h.dials).sum();
        assert_eq!(dials, report.metrics.outbound.dials);
        let dir = tempfile::tempdir().expect("temp dir");
        let written = write_dir(dir.path(), &report, &records).expect("writable");
        assert_eq!(written.len(), 12, "5 plots × 2 formats, the JSON and the page: {written:?}");
        let html = std::fs::read_to_string(dir.path().join("report.html")).expect("written");
        assert_eq!(html.matches("<figure class=\"plot\"").count(), 5);
        assert_eq!(html.matches("<svg").count(), 5);
        for fetch in [" src=", "<link", "href=\"http", "url(http", "@import"] {
            assert!(!html.contains(fetch), "self-contained, yet has {fetch}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).expect("written"))
                .expect("valid JSON");
        for key in ["metrics", "per_hour", "per_agent", "compliance", "problems"] {
            assert!(json.get(key).is_some(), "report.json has {key}");
        }
    }
}
