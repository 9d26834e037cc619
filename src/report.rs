//! `dialer report`: the metrics, hourly and per-agent figures, compliance per day and plots of one
//! run's records — a dialkit run or another system's CDRs.

use crate::source::SourceArgs;
use crate::table;
use anyhow::Context;
use reports::report::{Report, write_dir};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer report out/reference
  dialer report out/reference --out out/reference/report
  dialer report out/reference/cdr.csv --agents out/reference/agents.csv --json > report.json
  dialer report /var/log/asterisk/cdr-csv/Master.csv --from asterisk --tz Europe/London --out report
  dialer report calls.csv --from generic --tz America/New_York \\
      --map dial_time=start,answer_time=answered,end_time=end,outcome=status,agent=agent_id \\
      --map-outcome ANSWER=connected,DROP=abandoned,NOANSWER=no_answer,AM=machine

Prints the metrics, a row per hour, a row per agent and the FCC and Ofcom abandon rates per
campaign and day (docs/report.md). With --out DIR, writes report.json, report.html (one page, the
plots inline, nothing fetched) and the plots as .svg and .png: abandon, outcomes, wait, talk,
occupancy. Formats other systems write: docs/import.md.
Rows that cannot be read are listed with their lines and left out (--strict: exit 2 instead).
Exit codes: 0 ok, 1 with --fail-over-cap when a campaign-day is over the 3% cap, 2 bad input.")]
pub struct Args {
    /// A run directory (cdr.csv, agents.csv) or a CDR file
    #[arg(value_name = "RUN_DIR|CDR.csv")]
    path: PathBuf,
    #[command(flatten)]
    source: SourceArgs,
    /// Directory for report.json, report.html and the plots (created if missing)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the report as JSON on stdout instead of the tables
    #[arg(long)]
    json: bool,
    /// Exit 1 if a campaign-day's FCC (30-day) or Ofcom rate is over the 3% cap
    #[arg(long)]
    fail_over_cap: bool,
}

impl Args {
    /// Reports; `Ok(false)` with --fail-over-cap when a day is over the cap.
    pub fn exec(self) -> anyhow::Result<bool> {
        let records = self.source.load(&self.path)?;
        let report = Report::build(&records);
        let written = match &self.out {
            Some(dir) => write_dir(dir, &report, &records)?,
            None => Vec::new(),
        };
        let mut stdout = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut stdout, &report)?;
            writeln!(stdout)?;
        } else {
            write_tables(&mut stdout, &report)?;
            if let Some(dir) = &self.out {
                let names: Vec<String> =
                    written.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
                writeln!(stdout, "\nwrote {}/{{{}}}", dir.display(), names.join(", "))?;
            }
        }
        stdout.flush().context("writing to stdout")?;
        Ok(!(self.fail_over_cap && report.days_over_cap() > 0))
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{:.2}%", x * 100.0))
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), table::number)
}

/// The summary table, then the hours, the agents and the compliance days.
fn write_tables(w: &mut impl Write, report: &Report) -> std::io::Result<()> {
    // Metrics are numbers in objects, which always serialise.
    let metrics = serde_json::to_value(&report.metrics).expect("metrics serialise to JSON");
    let metrics = match metrics {
        serde_json::Value::Object(mut m) => {
            m.remove("perf");
            if !report.agent_log {
                // Zeros that only mean "no agent log"; the note below says so.
                m.remove("agents");
            }
            serde_json::Value::Object(m)
        }
        other => other,
    };
    table::write_summary(w, &format!("{} (from its records)", report.source), &metrics)?;
    for note in &report.notes {
        writeln!(w, "note: {note}")?;
    }

    let quiet = report.per_hour.iter().filter(|h| h.is_quiet()).count();
    let left_out =
        if quiet > 0 { format!("; {quiet} hour(s) without calls or agents left out") } else { String::new() };
    writeln!(w, "\nper hour ({}{left_out})", report.time_zone)?;
    let header: Vec<String> =
        ["hour", "dials", "connected", "abandoned", "machine", "busy", "no answer", "live", "abandon %", "occupancy"]
            .map(String::from)
            .to_vec();
    let rows: Vec<Vec<String>> = report
        .per_hour
        .iter()
        .filter(|h| !h.is_quiet())
        .map(|h| {
            use reports::Outcome::*;
            vec![
                h.start.clone(),
                h.dials.to_string(),
                h.outcomes.get(Connected).to_string(),
                h.outcomes.get(Abandoned).to_string(),
                h.outcomes.get(Machine).to_string(),
                h.outcomes.get(Busy).to_string(),
                h.outcomes.get(NoAnswer).to_string(),
                h.live_answers.to_string(),
                pct(h.abandon_rate),
                pct(h.occupancy),
            ]
        })
        .collect();
    table::write_grid(w, &header, &rows, 1)?;

    if !report.per_agent.is_empty() {
        writeln!(w, "\nper agent (times in minutes)")?;
        let header: Vec<String> =
            ["agent", "calls", "talk", "wrap", "handle", "mean handle (s)", "idle", "reserved", "occupancy"]
                .map(String::from)
                .to_vec();
        let minutes = |s: Option<f64>| opt(s.map(|s| s / 60.0));
        let rows: Vec<Vec<String>> = report
            .per_agent
            .iter()
            .map(|a| {
                vec![
                    a.agent.to_string(),
                    a.calls.to_string(),
                    minutes(Some(a.talk_s)),
                    minutes(a.wrap_s),
                    minutes(Some(a.handle_s)),
                    opt(a.mean_handle_s),
                    minutes(a.idle_s),
                    minutes(a.reserved_s),
                    pct(a.occupancy),
                ]
            })
            .collect();
        table::write_grid(w, &header, &rows, 1)?;
    }

    writeln!(w, "\ncompliance per campaign and day (cap 3%; FCC over the 30 days to the day, Ofcom the day)")?;
    let header: Vec<String> =
        ["campaign", "day", "live", "abandons", "FCC day", "FCC 30 days", "Ofcom", ""].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = report
        .compliance
        .iter()
        .map(|d| {
            let flag = match (d.fcc_over_cap, d.ofcom_over_cap) {
                (true, true) => "OVER CAP (FCC, Ofcom)",
                (true, false) => "OVER CAP (FCC)",
                (false, true) => "OVER CAP (Ofcom)",
                (false, false) => "",
            };
            vec![
                d.campaign.clone(),
                d.day.clone(),
                d.live_answers.to_string(),
                d.abandons.to_string(),
                pct(d.fcc_day_rate),
                pct(d.fcc_30_day_rate),
                pct(d.ofcom_rate),
                flag.to_owned(),
            ]
        })
        .collect();
    table::write_grid(w, &header, &rows, 2)?;
    if !report.problems.is_empty() {
        writeln!(
            w,
            "\n{} row(s) could not be read and are not counted (listed on stderr and in the JSON)",
            report.problems.len()
        )?;
    }
    Ok(())
}
